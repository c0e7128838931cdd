import loadHighs, { type Highs } from "highs";
import type { MeshPlan, PlannedIq, PlannedLock, PlannedRepeater, SiteSurvey } from "../../../core/topology/format.ts";
import { inRange } from "../../../core/topology/radio.ts";
import { buildChain, doorPoints, Floors, GridIndex, sitePoints, type FloorPoint } from "./geometry.ts";
import { naivePlan } from "./naive.ts";

/**
 * The exact optimum of a small site (≤ 40 doors) over a finite set of candidate
 * positions, by a MILP solved with HiGHS. The bench compares the planner's cost with
 * it (`plan.milp_gap`); the planner's own positions join the candidates there, so its
 * plan is a solution and the gap cannot be negative (see `MilpOptions.incumbent`).
 *
 * ## Candidate positions (where a repeater, or without iqSites an IQ, may stand)
 * - every door position and every IQ site position;
 * - the midpoint of every pair of doors on one level between 1 and 2 ranges apart (one
 *   repeater bridging them);
 * - without iqSites: the 1/3 and 2/3 points of door pairs 2-3 ranges apart;
 * - the centroid of the doors within range of each door (corridor and cluster centres);
 * - for each IQ site and each door beyond its range: the repeater positions of an
 *   even-hop chain to the door (straight, or stacked floors for another level), and the
 *   points at 1, 2, 3 ranges from the site towards the door (chain stretched to the max);
 * - the IQ and repeater positions of the reference plans (default: the naive baseline's),
 *   so their cost is achievable and the cheapest bounds the number of IQs (below). The
 *   bench solves twice: over the grid above with the naive plan ("grid", comparable with
 *   earlier runs) and with the planner's plan added too ("union"), where the planner's
 *   plan is itself a solution, so its gap to the optimum cannot be negative.
 * Then candidates that another candidate dominates (it reaches every door, site and
 * remaining candidate the first reaches) are removed one by one: any plan using the
 * first can use the second, so the optimum over the candidate set is unchanged.
 *
 * ## Model
 * IQ slots k: with iqSites, copies j of each site (IQs may share a site); without, free
 * slots whose position is a binary choice q[k][p] over the candidates. An optimum has
 * at most (cheapest reference cost) / cost.iq IQs, and per site at most the doors it can reach (an
 * IQ serving nothing would be dropped), which bounds the slots. Per slot:
 * - u[k] the IQ exists (site) or Σp q[k][p] (free); h[k] it has repeaters;
 * - a[k][c], m[k][c], n[k][c] ∈ 0..6: repeaters at candidate c at chain level 1, 2, 3
 *   (integer counts: several repeaters may share a spot, and they are interchangeable).
 *   Level 1 must be in range of the IQ. With a fixed site, levels 2-3 skip candidates in
 *   the IQ's range (such a repeater may as well hang on the IQ itself) and level 3 only
 *   uses candidates near a door (it has no children, so it serves locks);
 * - parent arcs b[k][a][c] (level 1 at a → level 2 at c, a and c in range) and e (2 → 3),
 *   continuous: Σa b[k][a][c] ≥ m[k][c] and Σc b[k][a][c] ≤ 2·a[k][a] (likewise e). With
 *   integer counts at both ends this is a transportation problem, so a fractional flow
 *   implies an integral one: the counts always decompose into trees with ≤ 2 child
 *   repeaters per repeater (the decoder finds it by bipartite matching);
 * - y[d][k] door d locks in tree k: on the IQ (only if in range and h = 0) or on some
 *   repeater of the tree in range: y ≤ [in range]·(u − h) + Σ(counts at candidates in
 *   range of d). Free slots split it into x (on the IQ, in range of the chosen q) and y
 *   (on a repeater).
 * Constraints: each door exactly once; per tree ≤ 16 locks (Σ y ≤ 16·u) and ≤ 6
 * repeaters, all only in repeater mode (Σ counts ≤ 6·h, h ≤ u, Σ a ≥ h); ⌈n/16⌉ ≤ #IQs ≤
 * the bound; copies used in order (symmetry). Chain depth ≤ 3 holds by the levels.
 * Objective: cost.iq · #IQs + cost.repeater · #repeaters. The solution is decoded into a
 * `lintel-plan/1` that the callers check with the validator.
 */

const LOCKS = 16;
const REPEATERS = 6;

export interface Candidate extends FloorPoint {
  /** Why it is a candidate (for debugging the candidate set). */
  readonly origin: "door" | "site" | "midpoint" | "third" | "centroid" | "chain" | "stretch" | "reference";
}

export interface MilpOptions {
  /** HiGHS time limit per solve. Default 60 s. */
  readonly timeLimitSeconds?: number;
  /**
   * Valid plans: their IQ and repeater positions join the candidates, so each is a
   * solution of the MILP (up to the model's harmless normal forms), and the cheapest
   * one's cost bounds the IQ slots. Default: the naive baseline's plan alone.
   */
  readonly references?: readonly MeshPlan[];
  /**
   * A valid plan of the references (the bench: the planner's). HiGHS then only looks
   * for plans at most as dear (an objective cutoff: the proof is several times faster),
   * and when it finds none within its time limit the result's plan is this one. The
   * bound HiGHS proves holds as long as the incumbent is a solution of the model, which
   * its positions among the candidates ensure; a model that cannot reach the incumbent's
   * cost is a modelling bug: HiGHS then returns a dearer plan, or none (an error).
   */
  readonly incumbent?: MeshPlan;
}

export interface MilpResult {
  readonly plan: MeshPlan;
  readonly cost: number;
  /** True when HiGHS proved optimality (within a negligible relative gap). */
  readonly optimal: boolean;
  readonly status: string;
  /** HiGHS's relative MIP gap at the end (0 when proven optimal). */
  readonly mipGap: number;
  /** HiGHS's lower bound on the optimum over the candidate set (= cost when optimal). */
  readonly dualBound: number;
  /** The plan is the incumbent given in the options: HiGHS found none as cheap in time. */
  readonly keptIncumbent: boolean;
  readonly seconds: number;
  readonly stats: { candidates: number; candidatesBeforePruning: number; missingReferences: number; slots: number; columns: number; rows: number };
}

/** All candidate positions before dominance pruning (see the module comment). */
export function candidatePoints(site: SiteSurvey, extra: readonly Candidate[] = []): Candidate[] {
  const floors = new Floors(site);
  const radio = site.radio;
  const range = radio.hopRangeM;
  const doors = doorPoints(site);
  const sites = sitePoints(site);
  const out: Candidate[] = [];
  const seen = new Map<string, FloorPoint>();
  const add = (p: FloorPoint, origin: Candidate["origin"]) => {
    const f = floors.at(p.level, p.x, p.y, p.floor);
    if (!f) return;
    const key = `${f.id}:${p.x.toFixed(2)}:${p.y.toFixed(2)}`;
    const twin = seen.get(key);
    // Centimetre twins are one candidate, except a reference position: it is kept exact,
    // since 5 mm can decide a hop and the reference plan must stay a solution.
    if (twin && (origin !== "reference" || (twin.x === p.x && twin.y === p.y))) return;
    if (!twin) seen.set(key, p);
    out.push({ floor: f.id, level: p.level, x: p.x, y: p.y, origin });
  };
  doors.forEach((d) => add(d, "door"));
  extra.forEach((p) => add(p, p.origin));
  sites.forEach((s) => add(s, "site"));
  const at = (a: FloorPoint, b: FloorPoint, t: number): FloorPoint => ({ floor: a.floor, level: a.level, x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
  for (let i = 0; i < doors.length; i++) {
    const a = doors[i]!;
    const near: FloorPoint[] = [];
    for (let j = 0; j < doors.length; j++) {
      const b = doors[j]!;
      if (b.level !== a.level) continue;
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d <= range + 1e-9) near.push(b);
      if (j <= i) continue;
      if (d > range && d <= 2 * range) add(at(a, b, 0.5), "midpoint");
      if (sites.length === 0 && d > 2 * range && d <= 3 * range) {
        add(at(a, b, 1 / 3), "third");
        add(at(a, b, 2 / 3), "third");
      }
    }
    if (near.length >= 2) {
      add({ floor: a.floor, level: a.level, x: near.reduce((s, p) => s + p.x, 0) / near.length, y: near.reduce((s, p) => s + p.y, 0) / near.length }, "centroid");
    }
  }
  for (const s of sites) {
    for (const d of doors) {
      if (inRange(s, d, radio)) continue;
      const chain = buildChain(floors, radio, s, d, 3);
      if (!chain) continue;
      chain.forEach((p) => add(p, "chain"));
      if (s.level === d.level) {
        const dist = Math.hypot(s.x - d.x, s.y - d.y);
        for (let m = 1; m * range < dist && m <= 3; m++) add(at(s, d, (m * range) / dist), "stretch");
      }
    }
  }
  return out;
}

/** Bit set over doors ∪ sites ∪ candidates: who a point reaches in one hop. */
class Bits {
  readonly words: Uint32Array;
  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
}

/**
 * Drops candidates dominated by another remaining one (see the module comment). The
 * argument is sequential: each removal keeps the optimum over the remaining set.
 */
export function pruneDominated(site: SiteSurvey, candidates: readonly Candidate[]): Candidate[] {
  const doors = doorPoints(site);
  const sites = sitePoints(site);
  const all: FloorPoint[] = [...doors, ...sites, ...candidates];
  const offset = doors.length + sites.length;
  const index = new GridIndex(all, site.radio);
  const reach = candidates.map((c) => {
    const b = new Bits(all.length);
    for (const j of index.within(c)) b.set(j);
    return b;
  });
  const alive = new Bits(all.length);
  for (let j = 0; j < all.length; j++) alive.set(j);
  const count = reach.map((b) => b.words.reduce((s, w) => s + popcount(w), 0));
  // Weakest first, so that the strong ones (centres) survive.
  const order = candidates.map((_, i) => i).sort((a, b) => count[a]! - count[b]! || a - b);
  const removed = new Set<number>();
  for (const c of order) {
    const own = reach[c]!.words;
    const me = offset + c;
    alive.words[me >>> 5]! &= ~(1 << (me & 31));
    let dominated = false;
    for (const o of index.within(candidates[c]!, 2 * site.radio.hopRangeM)) {
      const other = o - offset;
      if (other < 0 || other === c || removed.has(other)) continue;
      const theirs = reach[other]!.words;
      let subset = true;
      for (let w = 0; w < own.length && subset; w++) if ((own[w]! & alive.words[w]! & ~theirs[w]!) !== 0) subset = false;
      if (subset) {
        dominated = true;
        break;
      }
    }
    if (dominated) removed.add(c);
    else alive.set(me);
  }
  return candidates.filter((_, i) => !removed.has(i));
}

function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A linear expression being written as CPLEX LP text. */
type Terms = Map<string, number>;

class LpWriter {
  readonly rows: string[] = [];
  readonly binaries = new Set<string>();
  readonly generals = new Map<string, number>(); // name → upper bound
  readonly continuous = new Set<string>();
  private n = 0;

  row(terms: Terms, sense: "<=" | ">=" | "=", rhs: number): void {
    const parts: string[] = [];
    for (const [v, c] of terms) if (c !== 0) parts.push(`${c >= 0 ? "+" : "-"} ${Math.abs(c)} ${v}`);
    if (parts.length === 0) return;
    this.rows.push(` c${this.n++}: ${wrap(parts)} ${sense} ${rhs}`);
  }
  get rowCount(): number {
    return this.n;
  }
}

/** CPLEX LP readers dislike very long lines; a term per chunk of ten keeps them short. */
function wrap(parts: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 10) lines.push(parts.slice(i, i + 10).join(" "));
  return lines.join("\n   ");
}

function sum(...lists: (readonly string[])[]): Terms {
  const t: Terms = new Map();
  for (const l of lists) for (const v of l) t.set(v, (t.get(v) ?? 0) + 1);
  return t;
}
function negate(t: Terms): Terms {
  for (const [v, c] of t) t.set(v, -c);
  return t;
}
function plus(t: Terms, v: string, c: number): Terms {
  t.set(v, (t.get(v) ?? 0) + c);
  return t;
}

interface Repeaters {
  /** Level-1 count at each candidate (integer). */
  readonly a: Map<number, string>;
  /** Level-2 and level-3 counts at each candidate (integer). */
  readonly n2: Map<number, string>;
  readonly n3: Map<number, string>;
}

interface Slot extends Repeaters {
  readonly k: number;
  /** Fixed IQ site index, or undefined for a free slot (position chosen among candidates). */
  readonly site: number | undefined;
  readonly used: string[]; // u, or the q variables of a free slot
  readonly q: Map<number, string>; // candidate → "the IQ stands here" (free slots)
  readonly h: string;
  /** Door → "locked on this tree" (fixed slots: on the IQ or a repeater; free slots: on a repeater). */
  readonly y: Map<number, string>;
  /** Free slots: door → "locked on the IQ itself". */
  readonly x: Map<number, string>;
}

export interface MilpModel {
  readonly lp: string;
  readonly candidates: readonly Candidate[];
  readonly candidatesBeforePruning: number;
  /** Reference positions that could not become candidates (0 unless a plan stands off its floors). */
  readonly missingReferences: number;
  readonly slots: readonly Slot[];
  readonly columns: number;
  readonly rows: number;
  decode(value: (name: string) => number): MeshPlan;
}

/**
 * Builds the MILP (see the module comment). `references` are valid plans: the cheapest
 * one's cost bounds the number of IQs, and all their positions join the candidates so
 * that bound holds.
 */
export function buildMilp(site: SiteSurvey, references: readonly MeshPlan[]): MilpModel {
  if (references.length === 0) throw new Error("MILP: needs at least one reference plan");
  const radio = site.radio;
  const floors = new Floors(site);
  const doors = doorPoints(site);
  const sites = sitePoints(site);
  const extra: Candidate[] = references.flatMap((r) =>
    [...r.iqs, ...r.repeaters].map((n): Candidate => ({ floor: n.floor, level: floors.level(n.floor), x: n.x, y: n.y, origin: "reference" })),
  );
  const reference = { cost: Math.min(...references.map((r) => r.cost)) };
  const raw = candidatePoints(site, extra);
  // A reference position off every floor cannot be a candidate: that plan is then no solution.
  const missingReferences = extra.filter((e) => !raw.some((c) => c.level === e.level && c.x === e.x && c.y === e.y)).length;
  const cands = pruneDominated(site, raw);
  const candIndex = new GridIndex(cands, radio);
  const ncc: number[][] = cands.map((c) => candIndex.within(c));
  const ndc: number[][] = doors.map((d) => candIndex.within(d));
  const doorNear = new Set(ndc.flat());
  const maxIqs = site.cost.iq > 0 ? Math.max(1, Math.floor(reference.cost / site.cost.iq + 1e-9)) : doors.length;
  const allCands = cands.map((_, i) => i);

  interface SlotPlan {
    site: number | undefined;
    copies: number;
    levels: [Set<number>, Set<number>, Set<number>];
  }
  const plans: SlotPlan[] = [];
  if (sites.length > 0) {
    sites.forEach((s, si) => {
      // A repeater in range of the IQ may as well hang on the IQ (level 1, it keeps its
      // children and the IQ's 6 child slots never bind before the per-IQ 6): so levels
      // 2 and 3 only use candidates out of the site's range, level 3 only near doors.
      const l1 = new Set(candIndex.within(s));
      const l2 = new Set<number>();
      for (const a of l1) for (const c of ncc[a]!) if (!l1.has(c)) l2.add(c);
      const l3 = new Set<number>();
      for (const a of l2) for (const c of ncc[a]!) if (!l1.has(c) && doorNear.has(c)) l3.add(c);
      const reachable = doors.filter((d, di) => inRange(s, d, radio) || ndc[di]!.some((c) => l1.has(c) || l2.has(c) || l3.has(c))).length;
      const copies = Math.min(reachable, maxIqs);
      if (copies > 0) plans.push({ site: si, copies, levels: [l1, l2, l3] });
    });
  } else {
    const all = new Set(allCands);
    plans.push({ site: undefined, copies: Math.min(doors.length, maxIqs), levels: [all, all, new Set(allCands.filter((c) => doorNear.has(c)))] });
  }

  const lp = new LpWriter();
  const objective: Terms = new Map();
  const slots: Slot[] = [];
  let k = 0;
  for (const plan of plans) {
    let previous: Slot | undefined;
    for (let j = 0; j < plan.copies; j++, k++) {
      const [l1, l2, l3] = plan.levels;
      const slot: Slot = { k, site: plan.site, used: [], q: new Map(), h: `h${k}`, a: new Map(), n2: new Map(), n3: new Map(), y: new Map(), x: new Map() };
      lp.binaries.add(slot.h);
      if (plan.site !== undefined) {
        const u = `u${k}`;
        lp.binaries.add(u);
        slot.used.push(u);
      } else {
        for (const p of allCands) {
          const q = `q${k}_${p}`;
          lp.binaries.add(q);
          slot.q.set(p, q);
          slot.used.push(q);
        }
        lp.row(sum(slot.used), "<=", 1);
      }
      for (const u of slot.used) plus(objective, u, site.cost.iq);
      const count = (into: Map<number, string>, set: Set<number>, prefix: string) => {
        for (const c of set) {
          const v = `${prefix}${k}_${c}`;
          lp.generals.set(v, REPEATERS);
          into.set(c, v);
          plus(objective, v, site.cost.repeater);
        }
      };
      count(slot.a, l1, "a");
      count(slot.n2, l2, "m");
      count(slot.n3, l3, "n");
      // Parent arcs (continuous: with integer counts at both ends a fractional
      // transportation flow implies an integral one, so the counts decompose into trees).
      const arcs = (parents: Map<number, string>, children: Map<number, string>, prefix: string) => {
        const into = new Map<number, Terms>();
        for (const [a, pv] of parents) {
          const out: Terms = new Map();
          for (const c of ncc[a]!) {
            const cv = children.get(c);
            if (!cv) continue;
            const v = `${prefix}${k}_${a}_${c}`;
            lp.continuous.add(v);
            out.set(v, 1);
            const t = into.get(c) ?? new Map<string, number>();
            t.set(v, -1);
            into.set(c, t);
          }
          // ≤ 2 child repeaters per repeater, summed over the repeaters at a.
          if (out.size > 0) lp.row(plus(out, pv, -2), "<=", 0);
        }
        for (const [c, cv] of children) lp.row(plus(into.get(c) ?? new Map<string, number>(), cv, 1), "<=", 0);
      };
      arcs(slot.a, slot.n2, "b");
      arcs(slot.n2, slot.n3, "e");
      const allRep = [...slot.a.values(), ...slot.n2.values(), ...slot.n3.values()];
      // Per IQ: ≤ 6 repeaters, only in repeater mode (h), and then at least one.
      lp.row(plus(sum(allRep), slot.h, -REPEATERS), "<=", 0);
      lp.row(plus(sum([...slot.a.values()]), slot.h, -1), ">=", 0);
      lp.row(plus(negate(sum(slot.used)), slot.h, 1), "<=", 0);
      // A level-1 repeater needs its IQ in range (free slots; a site's level 1 is in range by construction).
      if (plan.site === undefined) {
        for (const [c, v] of slot.a) {
          const t: Terms = new Map([[v, 1]]);
          for (const p of ncc[c]!) plus(t, slot.q.get(p)!, -REPEATERS);
          lp.row(t, "<=", 0);
        }
      }
      const repAt = (c: number) => [slot.a.get(c), slot.n2.get(c), slot.n3.get(c)].filter((v): v is string => v !== undefined);
      const lockVars: string[] = [];
      doors.forEach((d, di) => {
        const near = sum(ndc[di]!.flatMap(repAt));
        if (plan.site !== undefined) {
          // On the IQ (in range, direct mode: u − h) or on some repeater of the tree in range.
          const direct = inRange(sites[plan.site]!, d, radio);
          if (!direct && near.size === 0) return;
          const y = `y${di}_${k}`;
          lp.binaries.add(y);
          slot.y.set(di, y);
          lockVars.push(y);
          const t = negate(near).set(y, 1);
          if (direct) plus(plus(t, slot.used[0]!, -1), slot.h, 1);
          lp.row(t, "<=", 0);
        } else {
          const x = `x${di}_${k}`;
          lp.binaries.add(x);
          slot.x.set(di, x);
          lockVars.push(x);
          lp.row(plus(negate(sum(slot.used)).set(x, 1), slot.h, 1), "<=", 0);
          const t: Terms = new Map([[x, 1]]);
          for (const p of ndc[di]!) plus(t, slot.q.get(p)!, -1);
          lp.row(t, "<=", 0);
          if (near.size === 0) return;
          const y = `y${di}_${k}`;
          lp.binaries.add(y);
          slot.y.set(di, y);
          lockVars.push(y);
          lp.row(negate(near).set(y, 1), "<=", 0);
        }
      });
      // ≤ 16 locks in the tree.
      const cap = sum(lockVars);
      for (const u of slot.used) plus(cap, u, -LOCKS);
      lp.row(cap, "<=", 0);
      // Symmetry: copies of one site (or free slots) are used in order.
      if (previous) {
        const t = sum(slot.used);
        for (const u of previous.used) plus(t, u, -1);
        lp.row(t, "<=", 0);
      }
      previous = slot;
      slots.push(slot);
    }
  }
  // Each door exactly once.
  doors.forEach((_, di) => {
    const vars = slots.flatMap((s) => [s.x.get(di), s.y.get(di)].filter((v): v is string => v !== undefined));
    if (vars.length === 0) throw new Error(`MILP: door ${site.doors[di]!.id} cannot be served by any candidate`);
    lp.row(sum(vars), "=", 1);
  });
  // Between ⌈n/16⌉ IQs and the reference's count: both valid, both tighten the relaxation.
  const allUsed = slots.flatMap((s) => s.used);
  lp.row(sum(allUsed), ">=", Math.ceil(doors.length / LOCKS));
  lp.row(sum(allUsed), "<=", maxIqs);

  const objParts = [...objective].filter(([, c]) => c !== 0).map(([v, c]) => `+ ${c} ${v}`);
  const bounds = [...lp.generals].map(([v, ub]) => ` 0 <= ${v} <= ${ub}`);
  const text = [
    "Minimize",
    ` obj: ${objParts.length > 0 ? wrap(objParts) : "0 h0"}`,
    "Subject To",
    ...lp.rows,
    "Bounds",
    ...bounds,
    "General",
    ...chunk([...lp.generals.keys()]),
    "Binary",
    ...chunk([...lp.binaries]),
    "End",
    "",
  ].join("\n");

  const decode = (value: (name: string) => number): MeshPlan => {
    const on = (v: string | undefined) => (v === undefined ? 0 : Math.round(value(v)));
    const iqs: PlannedIq[] = [];
    const repeaters: PlannedRepeater[] = [];
    const locks: PlannedLock[] = [];
    for (const s of slots) {
      let root: FloorPoint | undefined;
      let siteId: string | undefined;
      if (s.site !== undefined) {
        if (on(s.used[0]) === 1) {
          root = sites[s.site]!;
          siteId = site.iqSites[s.site]!.id;
        }
      } else {
        for (const [p, q] of s.q) if (on(q) === 1) root = cands[p]!;
      }
      if (!root) continue;
      const iq = { id: `IQ${iqs.length + 1}`, point: root };
      iqs.push({ id: iq.id, floor: root.floor, x: root.x, y: root.y, ...(siteId === undefined ? {} : { site: siteId }) });
      const instances = (m: Map<number, string>) => [...m].flatMap(([c, v]) => Array.from({ length: on(v) }, () => ({ id: "", point: cands[c]! as FloorPoint })));
      const level1 = instances(s.a);
      const level2 = instances(s.n2);
      const level3 = instances(s.n3);
      const all = [...level1, ...level2, ...level3];
      all.forEach((r, i) => (r.id = `R${repeaters.length + i + 1}`));
      const parent1 = level1.map(() => iq);
      const parent2 = assignParents(level1, level2, radio);
      const parent3 = assignParents(level2, level3, radio);
      [...level1.map((r, i) => [r, parent1[i]!] as const), ...level2.map((r, i) => [r, parent2[i]!] as const), ...level3.map((r, i) => [r, parent3[i]!] as const)].forEach(([r, p]) =>
        repeaters.push({ id: r.id, floor: r.point.floor, x: r.point.x, y: r.point.y, parent: p.id }),
      );
      // y: on a repeater when the tree has any (fixed slots) / always (free slots); x: on the IQ.
      for (const [di, v] of s.x) if (on(v) === 1) locks.push({ door: site.doors[di]!.id, parent: iq.id });
      for (const [di, v] of s.y) {
        if (on(v) !== 1) continue;
        const door = doors[di]!;
        const parent = s.site !== undefined && all.length === 0 ? iq : all.find((r) => inRange(r.point, door, radio));
        if (!parent) throw new Error(`MILP decode: door ${site.doors[di]!.id} has no repeater in range`);
        locks.push({ door: site.doors[di]!.id, parent: parent.id });
      }
    }
    const order = new Map(site.doors.map((d, i) => [d.id, i]));
    locks.sort((p, q) => order.get(p.door)! - order.get(q.door)!);
    const cost = iqs.length * site.cost.iq + repeaters.length * site.cost.repeater;
    return { format: "lintel-plan/1", iqs, repeaters, locks, cost };
  };

  return {
    lp: text,
    candidates: cands,
    candidatesBeforePruning: raw.length,
    missingReferences,
    slots,
    columns: lp.binaries.size + lp.generals.size + lp.continuous.size,
    rows: lp.rowCount,
    decode,
  };
}

/**
 * Gives each child repeater a parent in range with at most 2 children (bipartite
 * matching, parents doubled): the MILP's counts guarantee one exists.
 */
function assignParents<P extends { point: FloorPoint }>(parents: readonly P[], children: readonly { point: FloorPoint }[], radio: SiteSurvey["radio"]): P[] {
  const slotsOf = parents.flatMap((p) => [p, p]);
  const owner = new Array<number>(slotsOf.length).fill(-1);
  const tryChild = (c: number, seen: boolean[]): boolean => {
    for (let s = 0; s < slotsOf.length; s++) {
      if (seen[s] || !inRange(slotsOf[s]!.point, children[c]!.point, radio)) continue;
      seen[s] = true;
      if (owner[s] === -1 || tryChild(owner[s]!, seen)) {
        owner[s] = c;
        return true;
      }
    }
    return false;
  };
  children.forEach((_, c) => {
    if (!tryChild(c, new Array<boolean>(slotsOf.length).fill(false))) throw new Error("MILP decode: child repeaters exceed their parents' capacity");
  });
  const result: P[] = [];
  owner.forEach((c, s) => {
    if (c >= 0) result[c] = slotsOf[s]!;
  });
  return result;
}

function chunk(names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i += 10) out.push(` ${names.slice(i, i + 10).join(" ")}`);
  return out;
}

let highsPromise: Promise<Highs> | undefined;
/** One HiGHS runtime per process: loading the WebAssembly takes a moment. */
export function highs(): Promise<Highs> {
  highsPromise ??= loadHighs();
  return highsPromise;
}

/** Solves the site's MILP; the plan is the best one HiGHS found (check `optimal`). */
export async function solveMilp(site: SiteSurvey, options: MilpOptions = {}): Promise<MilpResult> {
  if (site.doors.length === 0) {
    return {
      plan: { format: "lintel-plan/1", iqs: [], repeaters: [], locks: [], cost: 0 },
      cost: 0, optimal: true, status: "Optimal", mipGap: 0, dualBound: 0, keptIncumbent: false, seconds: 0,
      stats: { candidates: 0, candidatesBeforePruning: 0, missingReferences: 0, slots: 0, columns: 0, rows: 0 },
    };
  }
  const started = performance.now();
  const model = buildMilp(site, options.references ?? [naivePlan(site)]);
  const solver = await highs();
  const incumbent = options.incumbent;
  // Just above the incumbent's cost, so that plans as cheap stay in the search.
  const cutoff = incumbent ? incumbent.cost + 1e-6 * Math.max(1, Math.abs(incumbent.cost)) : undefined;
  const outcome = runModel(solver, model.lp, options.timeLimitSeconds ?? 60, cutoff);
  const optimal = outcome.status === solver.constants.modelStatus.optimal;
  const found = outcome.feasible ? model.decode((name) => outcome.values.get(name) ?? 0) : undefined;
  // Stopped early, HiGHS may hold nothing, or a plan dearer than the cutoff (its heuristics
  // ignore it): the incumbent is then the best plan known. Not so when HiGHS ends
  // otherwise: a dearer "optimum", or none, is the modelling bug the caller must see.
  const limits = solver.constants.modelStatus;
  const stoppedEarly = ([limits.timeLimit, limits.iterationLimit, limits.solutionLimit, limits.interrupted] as number[]).includes(outcome.status);
  const keptIncumbent = incumbent !== undefined && stoppedEarly && (!found || found.cost > incumbent.cost);
  const plan = keptIncumbent ? incumbent : found;
  if (!plan) {
    const why = incumbent ? `; the model cannot reach the incumbent's cost ${incumbent.cost}: a modelling bug` : "";
    throw new Error(`MILP for ${site.name}: no solution (${outcome.statusName})${why}`);
  }
  return {
    plan,
    cost: plan.cost,
    optimal,
    status: outcome.statusName,
    mipGap: optimal ? 0 : keptIncumbent ? relativeGap(plan.cost, outcome.bound) : outcome.gap,
    dualBound: outcome.bound,
    keptIncumbent,
    seconds: (performance.now() - started) / 1000,
    stats: {
      candidates: model.candidates.length,
      candidatesBeforePruning: model.candidatesBeforePruning,
      missingReferences: model.missingReferences,
      slots: model.slots.length,
      columns: model.columns,
      rows: model.rows,
    },
  };
}

/** One HiGHS run on LP text; the model's native memory is released by dispose(), always. */
function runModel(solver: Highs, lp: string, timeLimitSeconds: number, cutoff: number | undefined) {
  const m = solver.createModel({ format: "lp", data: lp });
  try {
    m.options.set({ output_flag: false, time_limit: timeLimitSeconds, mip_rel_gap: 1e-9, random_seed: 1 });
    // For a MIP, HiGHS takes objective_bound as the initial upper limit (prunes dearer nodes).
    if (cutoff !== undefined) m.options.set({ objective_bound: cutoff });
    m.run();
    const status = m.getModelStatus();
    const statusName = Object.entries(solver.constants.modelStatus).find(([, v]) => v === status)?.[0] ?? String(status);
    const col = m.getSolution().colValue;
    const values = new Map<string, number>();
    for (let i = 0; i < col.length; i++) values.set(m.getColName(i), col[i] ?? 0);
    const info = (name: string) => {
      try {
        return Number(m.info.get(name));
      } catch {
        return Number.NaN;
      }
    };
    const feasible = info("primal_solution_status") === solver.constants.solutionStatus.feasible && Number.isFinite(info("objective_function_value"));
    return { status, statusName, feasible, values, gap: info("mip_gap"), bound: info("mip_dual_bound") };
  } finally {
    m.dispose();
  }
}

/** HiGHS's relative MIP gap, (primal − dual) / |primal|, for a primal HiGHS did not find. */
function relativeGap(primal: number, dual: number): number {
  return primal === 0 ? (dual === 0 ? 0 : Number.POSITIVE_INFINITY) : (primal - dual) / Math.abs(primal);
}
