import type { PlanOptions, PlanProgress, PlanResult, UnservableDoor } from "./api.ts";
import { coverDoors, prepareCandidates, type Hub, type PreparedCandidates } from "./cover.ts";
import type { MeshPlan, SiteSurvey } from "./format.ts";
import { IqTree, type Attachment } from "./iq-tree.ts";
import { polishLayout } from "./polish.ts";
import { growAtSites, type DirectIq } from "./site-growth.ts";
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
 * 3. Polish every construction: merge repeaters and eject them (or IQs) into
 *    neighbours that shift to take their locks, so a repeater serving doors also
 *    relays (polish.ts).
 * 4. Restarts with other hub sizes, packing orders and constructions (IQ sites taking
 *    nearby doors directly first; trees grown at sites by cost-effectiveness,
 *    site-growth.ts) while the budget lasts; the cheapest wins.
 * 5. Ruin and recreate: replan neighbourhoods of 2-4 IQs, keeping what is cheaper;
 *    then polish once more across the borders of the rebuilt ones.
 *
 * Measured against the exact MILP optimum in `npm run bench -- topology`.
 */
export function planMesh(survey: SiteSurvey, options: PlanOptions = {}): PlanResult {
  const steps = planSteps(survey, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    options.onProgress?.(step.value);
  }
}

/**
 * The same planner, giving the event loop a turn between steps so that progress
 * reaches the screen while it runs (the app's host and IPC stay responsive).
 */
export async function planMeshAsync(survey: SiteSurvey, options: PlanOptions = {}): Promise<PlanResult> {
  const steps = planSteps(survey, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    options.onProgress?.(step.value);
    await new Promise<void>((resume) => setImmediate(resume));
  }
}

/** The planner as a sequence of progress steps ending in the result. */
function* planSteps(survey: SiteSurvey, options: PlanOptions): Generator<PlanProgress, PlanResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const timeLimitMs = options.timeLimitMs ?? 2000;
  const model = new SiteModel(survey);
  if (model.doors.length === 0) {
    yield { phase: "done", fraction: 1 };
    return { ok: true, plan: toPlan(model, [], []) };
  }

  const doorGrid = doorGridOf(model);
  const withSites = model.iqSites.length > 0;
  const siteGrid = withSites ? new SpatialGrid<FloorPoint>(model.iqSites, model.radio) : null;
  yield { phase: "cover", fraction: 0 };
  const prepared = prepareCandidates(model, doorGrid, {
    extra: siteGrid ? [...model.iqSites, ...stepsTowardSites(model, siteGrid)] : [],
    // With IQ sites a hub must be reachable: at most three repeaters from one.
    usable: siteGrid ? (p) => siteGrid.within(p, 3).length > 0 : undefined,
  });

  // The doors that no usable place reaches can never be served: say which, and why.
  const first = coverDoors(model, prepared, seeded(1));
  if (first.unreached.length > 0) return { ok: false, unservable: unreachedReasons(model, first.unreached) };
  yield { phase: "trees", fraction: 0.3 };

  const firstBuild = buildTrees(model, first.hubs, seeded(1), withSites, prepared);
  if (!firstBuild.ok) return firstBuild;
  // Polishing is part of every construction, the first one included (linear in the site);
  // only the last look across rebuilt neighbourhoods stops at the time limit.
  let best = polished(model, firstBuild.layout);
  const deadline = started + timeLimitMs * 0.8;
  // Small sites get many restarts, large ones few: a 10,000-door campus stays within budget.
  const maxRestarts = Math.min(400, Math.floor(15_000 / model.doors.length));
  for (let i = 2; i <= maxRestarts && now() < deadline; i++) {
    if (i % 8 === 0) yield { phase: "improve", fraction: 0.4 + 0.3 * (i / maxRestarts) };
    const attempt = restart(model, prepared, i, withSites);
    if (attempt && costOf(model, attempt) < costOf(model, best) - 1e-9) best = attempt;
  }
  const improved = yield* improveNeighbourhoods(model, prepared, best, withSites, { deadline, now });
  // Rebuilt neighbourhoods were polished on their own: look again across their borders.
  const stop = () => now() > started + timeLimitMs;
  best = improved.fresh.size > 0 ? polished(model, improved.layout, stop, improved.fresh) : improved.layout;
  yield { phase: "done", fraction: 1 };
  return { ok: true, plan: toPlan(model, best.trees, best.direct) };
}

/** The hardware of a plan before it is written out: IQ trees and IQs with direct locks. */
interface Layout {
  readonly trees: readonly IqTree[];
  readonly direct: readonly DirectIq[];
}

type Built = { readonly ok: true; readonly layout: Layout } | { readonly ok: false; readonly unservable: UnservableDoor[] };

function costOf(model: SiteModel, layout: Layout): number {
  const { iq, repeater } = model.survey.cost;
  return layout.direct.length * iq + layout.trees.reduce((sum, t) => sum + iq + t.repeaters * repeater, 0);
}

/** One IQ with what hangs on it: the unit that neighbourhood search removes and rebuilds. */
type Unit = { readonly tree: IqTree } | { readonly direct: DirectIq };

const unitDoors = (u: Unit): number[] => ("tree" in u ? u.tree.hubs.flatMap((h) => h.doors) : [...u.direct.doors]);
const unitPos = (u: Unit): FloorPoint => ("tree" in u ? u.tree.iqPos : u.direct.pos);

/**
 * Ruin and recreate: take an IQ and its nearest neighbours, throw their hardware
 * away, and plan their doors again with another hub size; keep the result when it
 * is cheaper. Packing doors into trees (16 locks, 6 repeaters each) is where the
 * greedy construction loses most, and a neighbourhood is small enough to redo often.
 */
function* improveNeighbourhoods(
  model: SiteModel,
  prepared: PreparedCandidates,
  start: Layout,
  withSites: boolean,
  clock: { readonly deadline: number; readonly now: () => number },
): Generator<PlanProgress, { layout: Layout; fresh: Set<IqTree | DirectIq> }> {
  let units: Unit[] = [...start.trees.map((tree) => ({ tree })), ...start.direct.map((direct) => ({ direct }))];
  const random = seeded(7);
  const maxRounds = Math.min(4000, Math.floor(80_000 / model.doors.length));
  let idle = 0;
  const fresh = new Set<IqTree | DirectIq>();
  for (let round = 0; round < maxRounds && idle < 400 && clock.now() < clock.deadline; round++) {
    if (round % 50 === 49) yield { phase: "improve", fraction: 0.7 + (0.3 * round) / maxRounds };
    const anchor = units[Math.floor(random() * units.length)]!;
    const anchorPos = unitPos(anchor);
    const size = 2 + Math.floor(random() * 3);
    const chosen = units
      .map((u) => ({ u, d: radioDistance(anchorPos, unitPos(u), model.radio) }))
      .filter(({ d }) => d <= model.radio.hopRangeM * 6)
      .sort((a, b) => a.d - b.d)
      .slice(0, size)
      .map(({ u }) => u);
    const doors = new Set(chosen.flatMap(unitDoors));
    const before = costOf(model, { trees: chosen.flatMap((u) => ("tree" in u ? [u.tree] : [])), direct: chosen.flatMap((u) => ("direct" in u ? [u.direct] : [])) });
    const rebuilt = rebuild(model, prepared, random, withSites, HUB_CAPS[Math.floor(random() * HUB_CAPS.length)]!, random() < 0.5, doors);
    if (!rebuilt || costOf(model, rebuilt) >= before - 1e-9) {
      idle++;
      continue;
    }
    idle = 0;
    const gone = new Set(chosen);
    units = [...units.filter((u) => !gone.has(u)), ...rebuilt.trees.map((tree) => ({ tree })), ...rebuilt.direct.map((direct) => ({ direct }))];
    for (const t of rebuilt.trees) fresh.add(t);
    for (const d of rebuilt.direct) fresh.add(d);
  }
  const layout = { trees: units.flatMap((u) => ("tree" in u ? [u.tree] : [])), direct: units.flatMap((u) => ("direct" in u ? [u.direct] : [])) };
  const alive = new Set<IqTree | DirectIq>([...layout.trees, ...layout.direct]);
  return { layout, fresh: new Set([...fresh].filter((u) => alive.has(u))) };
}

/**
 * Hub sizes the restarts cycle through: full hubs suit IQs of their own; smaller ones
 * pack two or three to a tree (a 14-lock hub leaves a tree no room for a second hub).
 */
const HUB_CAPS = [16, 8, 12, 10, 6, 14, 9, 7, 11, 5, 13, 4] as const;

function restart(model: SiteModel, prepared: PreparedCandidates, seed: number, withSites: boolean): Layout | null {
  const random = seeded(seed);
  return rebuild(model, prepared, random, withSites, HUB_CAPS[(seed - 1) % HUB_CAPS.length]!, seed % 2 === 0);
}

/**
 * Plans a set of doors (all by default) again: optionally IQ sites first — an IQ at a
 * site taking the doors within its own reach, no repeater needed — then hubs of at
 * most `cap` locks for the rest, then trees; then polishes them.
 */
function rebuild(model: SiteModel, prepared: PreparedCandidates, random: () => number, withSites: boolean, cap: number, sitesFirst: boolean, only?: ReadonlySet<number>): Layout | null {
  const built = construct(model, prepared, random, withSites, cap, sitesFirst, only);
  return built && polished(model, built);
}

/** Local search on a construction (polish.ts): a repeater that serves doors also relays, and so on. */
function polished(model: SiteModel, layout: Layout, stop?: () => boolean, focus?: ReadonlySet<IqTree | DirectIq>): Layout {
  return polishLayout(model, layout.trees, layout.direct, { stop, focus });
}

function construct(model: SiteModel, prepared: PreparedCandidates, random: () => number, withSites: boolean, cap: number, sitesFirst: boolean, only?: ReadonlySet<number>): Layout | null {
  // A third of the time, with IQ sites, grow trees at the sites instead of covering first.
  // (only on small sets: a whole large site is too slow to grow this way, its neighbourhoods are not)
  if (withSites && (only?.size ?? model.doors.length) <= 120 && random() < 1 / 3) {
    return growAtSites(model, prepared, candidateGridOf(model, prepared), doorGridOf(model), random, only);
  }
  let direct: DirectIq[] = [];
  let rest = only;
  if (withSites && sitesFirst) {
    const taken = directAtSites(model, random, only);
    direct = taken.direct;
    rest = taken.rest;
    if (rest.size === 0) return { trees: [], direct };
  }
  const cover = coverDoors(model, prepared, random, cap, rest);
  if (cover.unreached.length > 0) return null;
  const built = buildTrees(model, cover.hubs, random, withSites, prepared);
  return built.ok ? { trees: built.layout.trees, direct: [...direct, ...built.layout.direct] } : null;
}

const doorGrids = new WeakMap<SiteModel, SpatialGrid<FloorPoint>>();
function doorGridOf(model: SiteModel): SpatialGrid<FloorPoint> {
  let grid = doorGrids.get(model);
  if (!grid) doorGrids.set(model, (grid = new SpatialGrid<FloorPoint>(model.doors, model.radio)));
  return grid;
}

const candidateGrids = new WeakMap<PreparedCandidates, SpatialGrid<FloorPoint>>();
function candidateGridOf(model: SiteModel, prepared: PreparedCandidates): SpatialGrid<FloorPoint> {
  let grid = candidateGrids.get(prepared);
  if (!grid) {
    grid = new SpatialGrid(
      prepared.candidates.map((c) => c.pos),
      model.radio,
    );
    candidateGrids.set(prepared, grid);
  }
  return grid;
}

/**
 * IQs at a random half of the sites, each serving the nearest doors within its own
 * reach, up to a random size: which sites take doors directly, and how many, decides
 * how well the rest packs into trees.
 */
function directAtSites(model: SiteModel, random: () => number, only?: ReadonlySet<number>): { direct: DirectIq[]; rest: Set<number> } {
  const rest = new Set(only ?? model.doors.map((_, d) => d));
  const direct: DirectIq[] = [];
  const order = model.iqSites.map((_, s) => s).sort(() => random() - 0.5);
  for (const [k, s] of order.entries()) {
    if (k > 0 && random() < 0.5) continue;
    const cap = HUB_CAPS[Math.floor(random() * HUB_CAPS.length)]!;
    const site = model.iqSites[s]!;
    const near = [...rest].filter((d) => inRange(site, model.doors[d]!, model.radio));
    if (near.length === 0) continue;
    const doors = near.sort((a, b) => radioDistance(site, model.doors[a]!, model.radio) - radioDistance(site, model.doors[b]!, model.radio)).slice(0, cap);
    for (const d of doors) rest.delete(d);
    direct.push({ pos: site, site: s, doors });
  }
  return { direct, rest };
}


function buildTrees(model: SiteModel, hubs: Hub[], random: () => number, withSites: boolean, prepared: PreparedCandidates): Built {
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
  return { ok: true as const, layout: { trees, direct } };
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
  const candidateGrid = candidateGridOf(model, prepared);
  const R = model.radio.hopRangeM;
  // A hub slides up to one hop towards its IQ, so sites four hops away are still in play.
  const choicesOf = (hub: Hub) =>
    siteGrid
      .within(hub.pos, 4)
      .map((s) => ({ s, d: radioDistance(hub.pos, sites[s]!, model.radio) }))
      .sort((a, b) => Math.ceil(a.d / R - 1e-9) - Math.ceil(b.d / R - 1e-9) || a.d - b.d);
  // Half the time, fill any open tree that can take the hub before opening a new IQ
  // near it: fewer, fuller trees, at the price of longer chains. Hubs then come in a
  // sweep across the site (a random direction, floors included), so trees fill with
  // neighbours.
  const fillFirst = random() < 0.5;
  const firstChoice = hubs.map((hub) => choicesOf(hub)[0]?.d ?? 0);
  const angle = random() * 2 * Math.PI;
  const sweep = (h: Hub) => h.pos.x * Math.cos(angle) + h.pos.y * Math.sin(angle) + h.pos.level * 1000;
  const order = hubs
    .map((_, i) => i)
    .sort((a, b) =>
      fillFirst ? sweep(hubs[a]!) - sweep(hubs[b]!) : firstChoice[a]! - firstChoice[b]! || hubs[b]!.doors.length - hubs[a]!.doors.length || random() - 0.5,
    );
  const treesBySite = new Map<number, IqTree[]>();

  const place = (hub: Hub): boolean => {
    if (fillFirst) {
      let best: { tree: IqTree; att: Attachment } | null = null;
      for (const open of treesBySite.values()) {
        for (const tree of open) {
          const att = tree.tryAttach(hub);
          if (att && (!best || att.relays.length < best.att.relays.length)) best = { tree, att };
        }
      }
      if (best) {
        best.tree.attach(best.att);
        return true;
      }
    }
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
  return { ok: true as const, layout: { trees, direct } };
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
      // Several sites may share a place: count places, not sites.
      .filter(({ site }, i, all) => all.findIndex((o) => o.site.level === site.level && o.site.x === site.x && o.site.y === site.y) === i)
      .slice(0, 6);
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

/** Writes trees and direct IQs out as a `lintel-plan/1` (ids in order: IQ1.., R1..). */
export function toPlan(model: SiteModel, trees: readonly IqTree[], direct: readonly DirectIq[]): MeshPlan {
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
