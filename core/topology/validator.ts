import { IQ_LIMITS } from "../domain/hardware.ts";
import { KsError } from "../errors/index.ts";
import type { Violation, ViolationRule } from "./api.ts";
import type { MeshPlan, SiteSurvey, TopologyFloor } from "./format.ts";
import { RANGE_EPSILON_M, radioDistance } from "./radio.ts";

/**
 * Validity of a `lintel-plan/1` against its `lintel-site/1` (shared/formats/topology.md,
 * rules 1-5, plus IQ sites and cost). It reports every violation, not the first, so a
 * person fixes a plan in one pass; it runs in O(n) (hash maps, memoised parent walks)
 * because the UI calls it on every drag and the bench feeds it 10,000-door plans.
 * Garbage plans (cycles, self-parents, duplicate ids) are reported, never looped on.
 */

/** How many ids a message lists before it says "and N more" (`ids` keeps them all). */
const MAX_IDS_IN_MESSAGE = 10;

/** Relative tolerance for the cost check (floating sums of the unit costs). */
const COST_TOLERANCE = 1e-9;

/** "A, B, C" or "A, B, …, J and 7 more": messages stay short on huge plans. */
function listIds(ids: readonly string[]): string {
  if (ids.length <= MAX_IDS_IN_MESSAGE) return ids.join(", ");
  return `${ids.slice(0, MAX_IDS_IN_MESSAGE).join(", ")}, … and ${ids.length - MAX_IDS_IN_MESSAGE} more`;
}

const ordinal = (n: number): string => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th";
  return `${n}${suffix}`;
};

/** Metres with at most 3 decimals: enough to see why a hop fails, without float noise. */
const metres = (d: number): string => `${Number(d.toFixed(3))} m`;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A hardware node of the plan: IQs first (indices 0..iqCount-1), then repeaters. */
interface Node {
  readonly id: string;
  readonly kind: "IQ" | "repeater";
  readonly floor: string;
  readonly x: number;
  readonly y: number;
  /** Repeaters only: the parent id as written. */
  readonly parent: string | undefined;
}

/** Walk states for the parent walk (0 = not yet seen): on the current walk, resolved. */
const ON_WALK = 1;
const DONE = 2;

/** Every violation of `plan` against `site`, in a stable order; [] when the plan is valid. */
export function validatePlan(site: SiteSurvey, plan: MeshPlan): Violation[] {
  const out: Violation[] = [];
  const add = (rule: ViolationRule, message: string, ids: readonly string[]): void => {
    out.push({ rule, message, ids });
  };
  const radio = site.radio;

  const floors = new Map<string, TopologyFloor>();
  for (const f of site.floors) if (!floors.has(f.id)) floors.set(f.id, f);
  const doors = new Map<string, SiteSurvey["doors"][number]>();
  for (const d of site.doors) if (!doors.has(d.id)) doors.set(d.id, d);

  // Nodes, and the node each parent reference resolves to: on a duplicate id the first
  // entry wins, IQs before repeaters (the duplicate itself is reported).
  const nodes: Node[] = [];
  for (const q of plan.iqs) nodes.push({ id: q.id, kind: "IQ", floor: q.floor, x: q.x, y: q.y, parent: undefined });
  for (const r of plan.repeaters) nodes.push({ id: r.id, kind: "repeater", floor: r.floor, x: r.x, y: r.y, parent: r.parent });
  const iqCount = plan.iqs.length;
  const byId = new Map<string, number>();
  const kindsOfId = new Map<string, Node["kind"][]>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const kinds = kindsOfId.get(n.id);
    if (kinds) kinds.push(n.kind);
    else {
      byId.set(n.id, i);
      kindsOfId.set(n.id, [n.kind]);
    }
  }

  // duplicate-id: once per id used more than once across IQs and repeaters.
  for (const [id, kinds] of kindsOfId) {
    if (kinds.length < 2) continue;
    add("duplicate-id", `id ${id} is used ${kinds.length} times (${kinds.join(", ")}); IQ and repeater ids must be unique across both lists`, [id]);
  }

  // Floors and bounds of every IQ and repeater (rule 4).
  const nodeLevel: (number | undefined)[] = nodes.map((n) => {
    const f = floors.get(n.floor);
    if (!f) {
      add("unknown-floor", `${n.kind} ${n.id} stands on floor ${n.floor}, which the site does not have`, [n.id]);
      return undefined;
    }
    const eps = RANGE_EPSILON_M;
    if (!(n.x >= -eps && n.x <= f.widthM + eps && n.y >= -eps && n.y <= f.depthM + eps)) {
      add("off-floor", `${n.kind} ${n.id} at (${n.x}, ${n.y}) is outside floor ${f.id} (0..${f.widthM} × 0..${f.depthM} m)`, [n.id]);
    }
    return f.level;
  });

  // Repeater parents (rules 1, 2): resolve each to a node index, or -1 when broken.
  const parentOf = new Int32Array(nodes.length).fill(-1);
  for (let i = iqCount; i < nodes.length; i++) {
    const n = nodes[i]!;
    const p = byId.get(n.parent!);
    if (p === undefined) {
      if (doors.has(n.parent!)) {
        add("repeater-parent", `repeater ${n.id}'s parent ${n.parent} is a door, not an IQ or a repeater`, [n.id, n.parent!]);
      } else {
        add("parent-missing", `repeater ${n.id}'s parent ${n.parent} does not exist`, [n.id, n.parent!]);
      }
    } else if (p === i || n.parent === n.id) {
      add("repeater-parent", `repeater ${n.id} is its own parent; a repeater hangs on an IQ or another repeater`, [n.id]);
    } else {
      parentOf[i] = p;
    }
  }

  // Follow parents to the root IQ with one memoised walk per repeater: O(n) overall,
  // and a cycle is met exactly once (on the walk that closes it).
  const root = new Int32Array(nodes.length).fill(-1);
  const depth = new Int32Array(nodes.length);
  /** The depth-4 repeater above (or at) each too-deep repeater, for chain-depth. */
  const tooDeepTop = new Int32Array(nodes.length).fill(-1);
  const state = new Uint8Array(nodes.length);
  const walkPos = new Int32Array(nodes.length);
  for (let i = 0; i < iqCount; i++) {
    root[i] = i;
    state[i] = DONE;
  }
  const maxDepth = IQ_LIMITS.repeaterChainDepth;
  const walk: number[] = [];
  for (let start = iqCount; start < nodes.length; start++) {
    if (state[start] === DONE) continue;
    walk.length = 0;
    let cur = start;
    let base = -1; // the resolved node the walk ended on, or -1 when broken
    for (;;) {
      if (state[cur] === DONE) {
        base = cur;
        break;
      }
      if (state[cur] === ON_WALK) {
        const members = walk.slice(walkPos[cur]!).map((k) => nodes[k]!.id);
        const loop = members.length <= MAX_IDS_IN_MESSAGE ? `${members.join(" > ")} > ${members[0]}` : `${members.slice(0, MAX_IDS_IN_MESSAGE).join(" > ")} > … (${members.length} in all)`;
        add("cycle", `repeaters ${loop} form a cycle that never reaches an IQ`, members);
        break;
      }
      state[cur] = ON_WALK;
      walkPos[cur] = walk.length;
      walk.push(cur);
      const p = parentOf[cur]!;
      if (p < 0) break;
      cur = p;
    }
    // Unwind from the top: each parent is resolved before its child.
    for (let k = walk.length - 1; k >= 0; k--) {
      const node = walk[k]!;
      state[node] = DONE;
      const parent = k === walk.length - 1 ? base : walk[k + 1]!;
      if (parent < 0 || root[parent]! < 0) continue;
      root[node] = root[parent]!;
      depth[node] = depth[parent]! + 1;
      if (depth[node]! === maxDepth + 1) tooDeepTop[node] = node;
      else if (depth[node]! > maxDepth + 1) tooDeepTop[node] = tooDeepTop[parent]!;
    }
  }

  // Per-IQ tallies (rule 3).
  const repeatersOfIq: string[][] = Array.from({ length: iqCount }, () => []);
  const locksOfIq: string[][] = Array.from({ length: iqCount }, () => []);
  const locksOnIq: string[][] = Array.from({ length: iqCount }, () => []);
  const childRepeaters: string[][] = Array.from({ length: nodes.length }, () => []);
  for (let i = iqCount; i < nodes.length; i++) {
    const r = root[i]!;
    if (r >= 0) repeatersOfIq[r]!.push(nodes[i]!.id);
    const p = parentOf[i]!;
    if (p >= iqCount) childRepeaters[p]!.push(nodes[i]!.id);
  }

  // Lock entries (rule 1) and their hops (rule 4).
  const entries = new Map<string, string[]>();
  const unknownDoors: string[] = [];
  for (const lock of plan.locks) {
    const door = doors.get(lock.door);
    if (!door) unknownDoors.push(lock.door);
    else {
      const parents = entries.get(lock.door);
      if (parents) parents.push(lock.parent);
      else entries.set(lock.door, [lock.parent]);
    }
    const p = byId.get(lock.parent);
    if (p === undefined) {
      const what = doors.has(lock.parent) ? "is a door, not an IQ or a repeater" : "does not exist";
      add("parent-missing", `lock of door ${lock.door}: its parent ${lock.parent} ${what}`, [lock.door, lock.parent]);
      continue;
    }
    if (!door) continue;
    const r = root[p]!;
    if (r >= 0) {
      locksOfIq[r]!.push(door.id);
      if (p < iqCount) locksOnIq[r]!.push(door.id);
    }
    const doorFloor = floors.get(door.floor);
    const parentLevel = nodeLevel[p];
    if (doorFloor && parentLevel !== undefined) {
      const pn = nodes[p]!;
      const d = radioDistance({ level: doorFloor.level, x: door.x, y: door.y }, { level: parentLevel, x: pn.x, y: pn.y }, radio);
      if (d > radio.hopRangeM + RANGE_EPSILON_M) {
        add("hop-range", `door ${door.id} is ${metres(d)} from its parent ${pn.kind} ${pn.id} (radio range ${radio.hopRangeM} m)`, [door.id, pn.id]);
      }
    }
  }
  if (unknownDoors.length > 0) {
    add("unknown-door", `${plural(unknownDoors.length, "lock entry", "lock entries")} name doors the site does not have: ${listIds(unknownDoors)}`, unknownDoors);
  }
  const unplanned: string[] = [];
  for (const d of doors.keys()) {
    const parents = entries.get(d);
    if (!parents) unplanned.push(d);
    else if (parents.length > 1) {
      add("door-twice", `door ${d} has ${parents.length} lock entries (parents ${listIds(parents)}); it must have exactly one`, [d]);
    }
  }
  if (unplanned.length > 0) {
    add("door-unplanned", `${plural(unplanned.length, "door has", "doors have")} no lock entry: ${listIds(unplanned)}`, unplanned);
  }

  // Repeater hops (rule 4).
  for (let i = iqCount; i < nodes.length; i++) {
    const p = parentOf[i]!;
    if (p < 0) continue;
    const a = nodes[i]!;
    const b = nodes[p]!;
    const la = nodeLevel[i];
    const lb = nodeLevel[p];
    if (la === undefined || lb === undefined) continue;
    const d = radioDistance({ level: la, x: a.x, y: a.y }, { level: lb, x: b.x, y: b.y }, radio);
    if (d > radio.hopRangeM + RANGE_EPSILON_M) {
      add("hop-range", `repeater ${a.id} is ${metres(d)} from its parent ${b.kind} ${b.id} (radio range ${radio.hopRangeM} m)`, [a.id, b.id]);
    }
  }

  // Per-IQ limits (rule 3, rule 5: the IQ's own child repeaters are limited by the total only).
  for (let q = 0; q < iqCount; q++) {
    const id = nodes[q]!.id;
    const locks = locksOfIq[q]!;
    const reps = repeatersOfIq[q]!;
    if (locks.length > IQ_LIMITS.locksPerIq) {
      add("iq-locks", `IQ ${id} has ${locks.length} locks in its tree (at most ${IQ_LIMITS.locksPerIq}): ${listIds(locks)}`, [id, ...locks]);
    }
    if (reps.length > IQ_LIMITS.repeatersPerIq) {
      add("iq-repeaters", `IQ ${id} has ${reps.length} repeaters in its tree (at most ${IQ_LIMITS.repeatersPerIq}): ${listIds(reps)}`, [id, ...reps]);
    }
    const direct = locksOnIq[q]!;
    if (reps.length > 0 && direct.length > 0) {
      add(
        "lock-on-iq-with-repeaters",
        `IQ ${id} has repeaters, so no lock may hang on it directly; ${plural(direct.length, "lock does", "locks do")}: ${listIds(direct)}`,
        [id, ...direct],
      );
    }
  }
  for (let i = iqCount; i < nodes.length; i++) {
    const kids = childRepeaters[i]!;
    if (kids.length > IQ_LIMITS.childRepeatersPerRepeater) {
      const id = nodes[i]!.id;
      add("repeater-children", `repeater ${id} has ${kids.length} child repeaters (at most ${IQ_LIMITS.childRepeatersPerRepeater}): ${listIds(kids)}`, [id, ...kids]);
    }
  }

  // chain-depth: once per repeater that is the first too deep, with everything below it.
  const below = new Map<number, string[]>();
  for (let i = iqCount; i < nodes.length; i++) {
    const top = tooDeepTop[i]!;
    if (top < 0 || top === i) continue;
    const list = below.get(top);
    if (list) list.push(nodes[i]!.id);
    else below.set(top, [nodes[i]!.id]);
  }
  for (let i = iqCount; i < nodes.length; i++) {
    if (tooDeepTop[i] !== i) continue;
    const chain: string[] = [];
    for (let k: number = i; k >= 0; k = parentOf[k]!) {
      chain.push(nodes[k]!.id);
      if (k < iqCount) break;
    }
    chain.reverse();
    const deeper = below.get(i) ?? [];
    const rest = deeper.length > 0 ? `; below it: ${listIds(deeper)}` : "";
    add(
      "chain-depth",
      `repeater ${nodes[i]!.id} is the ${ordinal(depth[i]!)} repeater in the chain ${chain.join(" > ")} (at most ${maxDepth})${rest}`,
      [nodes[i]!.id, ...deeper],
    );
  }

  // iq-site: a site exactly when the survey has IQ sites, and the IQ at its position.
  const sites = new Map<string, SiteSurvey["iqSites"][number]>();
  for (const s of site.iqSites) if (!sites.has(s.id)) sites.set(s.id, s);
  for (const q of plan.iqs) {
    if (sites.size === 0) {
      if (q.site !== undefined) add("iq-site", `IQ ${q.id} names site ${q.site}, but the survey has no IQ sites`, [q.id]);
      continue;
    }
    if (q.site === undefined) {
      add("iq-site", `IQ ${q.id} has no site; the survey has IQ sites, so every IQ must stand on one`, [q.id]);
      continue;
    }
    const s = sites.get(q.site);
    if (!s) {
      add("iq-site", `IQ ${q.id} names site ${q.site}, which the survey does not have`, [q.id, q.site]);
    } else if (s.floor !== q.floor || Math.abs(s.x - q.x) > RANGE_EPSILON_M || Math.abs(s.y - q.y) > RANGE_EPSILON_M) {
      add("iq-site", `IQ ${q.id} stands at ${q.floor} (${q.x}, ${q.y}), not at its site ${s.id} (${s.floor} (${s.x}, ${s.y}))`, [q.id, s.id]);
    }
  }

  // cost: what the hardware costs.
  const expected = plan.iqs.length * site.cost.iq + plan.repeaters.length * site.cost.repeater;
  if (Math.abs(plan.cost - expected) > COST_TOLERANCE * Math.max(1, Math.abs(expected))) {
    add(
      "cost",
      `the plan's cost is ${plan.cost}, but ${plural(plan.iqs.length, "IQ")} × ${site.cost.iq} + ${plural(plan.repeaters.length, "repeater")} × ${site.cost.repeater} = ${expected}`,
      [],
    );
  }

  return out;
}

/** The violations as the KS cloud's error: 2204 "Iq tree is invalid", every violation in details. */
export function toKsError(violations: readonly Violation[]): KsError {
  return new KsError(2204, { details: { violations } });
}
