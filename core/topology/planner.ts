import type { PlanOptions, PlanResult, UnservableDoor } from "./api.ts";
import { coverDoors, prepareCandidates, type Hub, type PreparedCandidates } from "./cover.ts";
import type { MeshPlan, SiteSurvey } from "./format.ts";
import { IqTree, type Attachment } from "./iq-tree.ts";
import { inRange, radioDistance } from "./radio.ts";
import { SiteModel, type FloorPoint } from "./site-model.ts";
import { SpatialGrid } from "./spatial-grid.ts";

/**
 * The mesh planner: chooses IQ and repeater positions and the tree, minimising
 * hardware cost under every IQ-tree rule.
 *
 * 1. Cover: capacitated greedy set cover of the doors by "hubs" — places that hold
 *    up to 16 locks within one radio hop (cover.ts).
 * 2. Trees: hubs become IQs of their own, or repeaters of a shared IQ when that is
 *    cheaper (three hubs on one IQ cost 1 + 3 × 0.5 instead of 3), with relay
 *    repeaters bridging gaps; with IQ sites, IQs stand only there (iq-tree.ts).
 * 3. Restarts with other tie-breaks while the time budget lasts; the cheapest wins.
 */
export function planMesh(survey: SiteSurvey, options: PlanOptions = {}): PlanResult {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const timeLimitMs = options.timeLimitMs ?? 2000;
  const model = new SiteModel(survey);
  const report = options.onProgress ?? (() => undefined);
  if (model.doors.length === 0) return { ok: true, plan: toPlan(model, [], []) };

  const doorGrid = new SpatialGrid<FloorPoint>(model.doors, model.radio);
  const withSites = model.iqSites.length > 0;
  const siteGrid = withSites ? new SpatialGrid<FloorPoint>(model.iqSites, model.radio) : null;
  report({ phase: "cover", fraction: 0 });
  const prepared = prepareCandidates(model, doorGrid, {
    extra: siteGrid ? [...model.iqSites, ...stepsTowardSites(model, siteGrid)] : [],
    // With IQ sites a hub must be reachable: at most three repeaters from one.
    usable: siteGrid ? (p) => siteGrid.within(p, 3).length > 0 : undefined,
  });

  // The doors that no usable place reaches can never be served: say which, and why.
  const first = coverDoors(model, prepared, seeded(1));
  if (first.unreached.length > 0) return { ok: false, unservable: unreachedReasons(model, first.unreached) };
  report({ phase: "trees", fraction: 0.3 });

  let best = buildTrees(model, first.hubs, seeded(1), withSites, prepared);
  if (!best.ok) return best;
  // Small sites get many restarts, large ones few: a 10,000-door campus stays within budget.
  const maxRestarts = Math.min(400, Math.floor(15_000 / model.doors.length));
  for (let i = 2; i <= maxRestarts; i++) {
    const elapsed = now() - started;
    if (elapsed > timeLimitMs * 0.8) break;
    report({ phase: "improve", fraction: 0.4 + 0.6 * Math.min(1, Math.max(i / maxRestarts, elapsed / timeLimitMs)) });
    const attempt = restart(model, prepared, i, withSites);
    if (attempt.ok && attempt.plan.cost < best.plan.cost - 1e-9) best = attempt;
  }
  report({ phase: "done", fraction: 1 });
  return best;
}

function restart(model: SiteModel, prepared: PreparedCandidates, seed: number, withSites: boolean): PlanResult {
  const random = seeded(seed);
  const cover = coverDoors(model, prepared, random);
  return cover.unreached.length > 0 ? { ok: false, unservable: [] } : buildTrees(model, cover.hubs, random, withSites, prepared);
}

interface DirectIq {
  readonly pos: FloorPoint;
  readonly site: number | null;
  readonly doors: readonly number[];
}

function buildTrees(model: SiteModel, hubs: Hub[], random: () => number, withSites: boolean, prepared: PreparedCandidates): { ok: true; plan: MeshPlan } | { ok: false; unservable: UnservableDoor[] } {
  return withSites ? treesAtSites(model, hubs, random, prepared) : freeTrees(model, hubs, random);
}

/**
 * Without IQ sites an IQ may stand anywhere: each hub is an IQ of its own unless a
 * group of hubs shares one IQ more cheaply. Groups grow from a seed hub (the IQ
 * stands there), taking the next hub that needs the fewest relays, and keep the
 * most profitable prefix.
 */
function freeTrees(model: SiteModel, hubs: Hub[], random: () => number) {
  const { iq, repeater } = model.survey.cost;
  const grid = new SpatialGrid(
    hubs.map((h) => h.pos),
    model.radio,
  );
  const taken = hubs.map(() => false);
  const indexOf = new Map(hubs.map((h, i) => [h, i]));
  const order = hubs.map((_, i) => i).sort((a, b) => hubs[a]!.doors.length - hubs[b]!.doors.length || random() - 0.5);
  const trees: IqTree[] = [];
  const direct: DirectIq[] = [];
  for (const seed of order) {
    if (taken[seed]) continue;
    const seedHub = hubs[seed]!;
    // Hubs that could share the seed's IQ: a level-3 repeater stands up to 30 m from an
    // IQ that may itself stand between hubs, so look 40 m around.
    const near = grid
      .within(seedHub.pos, 4)
      .filter((h) => h !== seed && !taken[h] && hubs[h]!.doors.length + seedHub.doors.length <= 16)
      .sort((a, b) => radioDistance(seedHub.pos, hubs[a]!.pos, model.radio) - radioDistance(seedHub.pos, hubs[b]!.pos, model.radio));
    let grown: IqTree | null = null;
    if (near.length >= 1 && iq > repeater) {
      // The IQ stands at the seed, or amid the seed and its k nearest neighbours.
      const spots: FloorPoint[] = [seedHub.pos];
      for (let k = 1; k <= Math.min(near.length, 5); k++) {
        const group = [seedHub.pos, ...near.slice(0, k).map((h) => hubs[h]!.pos)];
        const x = group.reduce((sum, p) => sum + p.x, 0) / group.length;
        const y = group.reduce((sum, p) => sum + p.y, 0) / group.length;
        const floor = model.floorAt(seedHub.pos.level, x, y);
        if (floor) spots.push({ floor: floor.id, level: seedHub.pos.level, x, y });
      }
      let bestGrowth: Growth | null = null;
      for (const spot of spots) {
        const g = grow(model, hubs, spot, seed, near, iq, repeater);
        if (g && (!bestGrowth || g.saving > bestGrowth.saving)) bestGrowth = g;
      }
      if (bestGrowth) grown = replay(model, hubs, bestGrowth);
    }
    if (grown) {
      trees.push(grown);
      for (const h of grown.hubs) taken[indexOf.get(h)!] = true;
    } else {
      taken[seed] = true;
      direct.push({ pos: seedHub.pos, site: null, doors: seedHub.doors });
    }
  }
  return { ok: true as const, plan: toPlan(model, trees, direct) };
}

/** A profitable way to grow one IQ tree: where the IQ stands and which hubs join, in order. */
interface Growth {
  readonly iqPos: FloorPoint;
  readonly steps: readonly number[];
  readonly saving: number;
}

/**
 * Grows a tree at `iqPos` from the seed hub, each step taking the hub that needs the
 * fewest relays (then the nearest), and keeps the prefix that saves the most against
 * giving every hub an IQ of its own; null when no prefix saves anything.
 */
function grow(model: SiteModel, hubs: readonly Hub[], iqPos: FloorPoint, seed: number, near: readonly number[], iq: number, repeater: number): Growth | null {
  const tree = new IqTree(model, iqPos, null);
  const first = tree.tryAttach(hubs[seed]!);
  if (!first) return null;
  tree.attach(first);
  const steps = [seed];
  let best: Growth | null = null;
  const pool = new Set(near);
  for (;;) {
    let pick: { h: number; att: Attachment } | null = null;
    for (const h of pool) {
      const att = tree.tryAttach(hubs[h]!);
      if (!att) continue;
      if (!pick || att.relays.length < pick.att.relays.length || (att.relays.length === pick.att.relays.length && att.distance < pick.att.distance)) pick = { h, att };
    }
    if (!pick) return best;
    tree.attach(pick.att);
    pool.delete(pick.h);
    steps.push(pick.h);
    const saving = steps.length * iq - (iq + tree.repeaters * repeater);
    if (saving > (best?.saving ?? 1e-9)) best = { iqPos, steps: [...steps], saving };
  }
}

/** Rebuilds a growth: the same choices in the same order give the same tree. */
function replay(model: SiteModel, hubs: readonly Hub[], g: Growth): IqTree {
  const tree = new IqTree(model, g.iqPos, null);
  for (const h of g.steps) tree.attach(tree.tryAttach(hubs[h]!)!);
  return tree;
}

/**
 * With IQ sites, IQs stand only there (several may share one). Each hub goes to the
 * site it reaches with the fewest relays; per site, hubs are packed into IQ trees
 * first-fit, nearest first and heaviest first; a tree of one hub whose doors reach
 * the site directly becomes a plain IQ.
 */
function treesAtSites(model: SiteModel, hubs: Hub[], random: () => number, prepared: PreparedCandidates) {
  const sites = model.iqSites;
  const siteGrid = new SpatialGrid<FloorPoint>(sites, model.radio);
  const candidateGrid = new SpatialGrid(
    prepared.candidates.map((c) => c.pos),
    model.radio,
  );
  const R = model.radio.hopRangeM;
  // A hub slides up to one hop towards its IQ, so sites four hops away are still in play.
  const choicesOf = (hub: Hub) =>
    siteGrid
      .within(hub.pos, 4)
      .map((s) => ({ s, d: radioDistance(hub.pos, sites[s]!, model.radio) }))
      .sort((a, b) => Math.ceil(a.d / R - 1e-9) - Math.ceil(b.d / R - 1e-9) || a.d - b.d);
  const firstChoice = hubs.map((hub) => choicesOf(hub)[0]?.d ?? 0);
  const order = hubs
    .map((_, i) => i)
    .sort((a, b) => firstChoice[a]! - firstChoice[b]! || hubs[b]!.doors.length - hubs[a]!.doors.length || random() - 0.5);
  const treesBySite = new Map<number, IqTree[]>();

  const place = (hub: Hub): boolean => {
    for (const { s } of choicesOf(hub)) {
      const open = treesBySite.get(s) ?? [];
      let best: { tree: IqTree; att: Attachment } | null = null;
      for (const tree of open) {
        const att = tree.tryAttach(hub);
        if (att && (!best || att.relays.length < best.att.relays.length)) best = { tree, att };
      }
      if (!best) {
        const fresh = new IqTree(model, sites[s]!, s);
        const att = fresh.tryAttach(hub);
        if (!att) continue;
        open.push(fresh);
        treesBySite.set(s, open);
        best = { tree: fresh, att };
      }
      best.tree.attach(best.att);
      return true;
    }
    return false;
  };
  /** Other places that serve all of a hub's doors, nearest to an IQ site first. */
  const alternatives = (hub: Hub): Hub[] => {
    const first = model.doors[hub.doors[0]!]!;
    return candidateGrid
      .within(first)
      .map((c) => prepared.candidates[c]!.pos)
      .filter((pos) => hub.doors.every((d) => inRange(pos, model.doors[d]!, model.radio)))
      .map((pos) => ({ pos, near: Math.min(...siteGrid.within(pos, 4).map((s) => radioDistance(pos, sites[s]!, model.radio))) }))
      .sort((a, b) => a.near - b.near)
      .slice(0, 12)
      .map(({ pos }) => ({ pos, doors: hub.doors }));
  };

  const unservable: UnservableDoor[] = [];
  for (const h of order) {
    const hub = hubs[h]!;
    if (place(hub) || alternatives(hub).some(place)) continue;
    // Last resort: each door on its own, wherever it links up.
    for (const d of hub.doors) {
      const alone = { pos: model.doors[d]!, doors: [d] };
      if (place(alone) || alternatives(alone).some(place)) continue;
      unservable.push({ door: model.doors[d]!.id, reason: "no chain of repeaters standing on a floor links it to an IQ site" });
    }
  }
  if (unservable.length > 0) return { ok: false as const, unservable };
  const trees: IqTree[] = [];
  const direct: DirectIq[] = [];
  for (const list of treesBySite.values()) {
    for (const tree of list) {
      if (tree.canDropRepeaters()) direct.push({ pos: tree.iqPos, site: tree.site, doors: tree.hubs[0]!.doors });
      else trees.push(tree);
    }
  }
  return { ok: true as const, plan: toPlan(model, trees, direct) };
}

/**
 * For each door, the place one hop from it towards each of its nearest IQ sites (or
 * straight above/below it on a site's floor): where a repeater serving a far door
 * must stand for the chain to reach it.
 */
function stepsTowardSites(model: SiteModel, siteGrid: SpatialGrid<FloorPoint>): FloorPoint[] {
  const R = model.radio.hopRangeM;
  const out: FloorPoint[] = [];
  for (const door of model.doors) {
    const near = siteGrid
      .within(door, 4)
      .map((s) => ({ site: model.iqSites[s]!, d: radioDistance(door, model.iqSites[s]!, model.radio) }))
      .filter(({ d }) => d > R)
      .sort((a, b) => a.d - b.d)
      .slice(0, 3);
    for (const { site } of near) {
      for (const level of new Set([door.level, site.level])) {
        // How far sideways one hop reaches from the door onto `level`.
        const dl = Math.abs(level - door.level);
        const vertical = R - dl * model.radio.floorPenaltyM;
        const sideways = vertical >= dl * model.radio.floorHeightM ? Math.sqrt(vertical ** 2 - (dl * model.radio.floorHeightM) ** 2) : -1;
        if (sideways < 0) continue;
        const dx = site.x - door.x;
        const dy = site.y - door.y;
        const flat = Math.hypot(dx, dy);
        const t = flat === 0 ? 0 : Math.min(1, sideways / flat);
        const x = door.x + dx * t;
        const y = door.y + dy * t;
        const floor = model.floorAt(level, x, y);
        if (floor) out.push({ floor: floor.id, level, x, y });
      }
    }
  }
  return out;
}

function unreachedReasons(model: SiteModel, doors: readonly number[]): UnservableDoor[] {
  const R = model.radio.hopRangeM;
  return doors.map((d) => {
    const door = model.doors[d]!;
    const nearest = Math.min(...model.iqSites.map((s) => radioDistance(door, s, model.radio)));
    return {
      door: door.id,
      reason: `the nearest IQ site is ${nearest.toFixed(1)} m away by radio; a chain of three repeaters reaches at most ${(4 * R).toFixed(0)} m`,
    };
  });
}

function toPlan(model: SiteModel, trees: readonly IqTree[], direct: readonly DirectIq[]): MeshPlan {
  const { iq: iqCost, repeater: repeaterCost } = model.survey.cost;
  const iqs: MeshPlan["iqs"] = [];
  const repeaters: MeshPlan["repeaters"] = [];
  const parentOf = new Array<string>(model.doors.length);
  const site = (s: number | null) => (s === null ? {} : { site: model.iqSites[s]!.id });
  // Exact coordinates: rounding could stretch a hop checked at exactly the range.
  const at = (p: FloorPoint) => ({ floor: p.floor, x: p.x, y: p.y });
  for (const d of direct) {
    const id = `IQ${iqs.length + 1}`;
    iqs.push({ id, ...at(d.pos), ...site(d.site) });
    for (const door of d.doors) parentOf[door] = id;
  }
  for (const tree of trees) {
    const ids: string[] = [];
    tree.nodes.forEach((node, i) => {
      if (i === 0) {
        ids.push(`IQ${iqs.length + 1}`);
        iqs.push({ id: ids[0]!, ...at(node.pos), ...site(tree.site) });
        return;
      }
      const id = `R${repeaters.length + 1}`;
      ids.push(id);
      repeaters.push({ id, ...at(node.pos), parent: ids[node.parent]! });
      for (const door of node.hub?.doors ?? []) parentOf[door] = id;
    });
  }
  return {
    format: "lintel-plan/1",
    iqs,
    repeaters,
    locks: model.doors.map((d, i) => ({ door: d.id, parent: parentOf[i]! })),
    cost: iqs.length * iqCost + repeaters.length * repeaterCost,
  };
}

/** A small deterministic generator (mulberry32): restarts differ, runs repeat. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
