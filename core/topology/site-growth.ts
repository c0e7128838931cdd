import { IQ_LIMITS } from "../domain/hardware.ts";
import type { Hub, PreparedCandidates } from "./cover.ts";
import { IqTree } from "./iq-tree.ts";
import { inRange, radioDistance } from "./radio.ts";
import type { FloorPoint, SiteModel } from "./site-model.ts";
import type { SpatialGrid } from "./spatial-grid.ts";

export interface DirectIq {
  readonly pos: FloorPoint;
  readonly site: number | null;
  readonly doors: readonly number[];
}

/**
 * Cost-effectiveness greedy for sites with IQ places: repeatedly commit the IQ that
 * serves the most doors per unit of cost — either an IQ at a site with its doors hung
 * directly, or a tree grown at a site one repeater at a time, each repeater placed
 * where it serves the most still-unserved doors that still fit (16 locks per tree).
 * Unlike covering first and building trees after, hub sizes here fit the tree they
 * join. Returns null when some door is left that no site reaches this way.
 */
export function growAtSites(
  model: SiteModel,
  prepared: PreparedCandidates,
  candidateGrid: SpatialGrid<FloorPoint>,
  doorGrid: SpatialGrid<FloorPoint>,
  random: () => number,
  only?: ReadonlySet<number>,
): { trees: IqTree[]; direct: DirectIq[] } | null {
  const { iq: iqCost, repeater: repCost } = model.survey.cost;
  const unserved = new Set(only ?? model.doors.map((_, d) => d));
  const trees: IqTree[] = [];
  const direct: DirectIq[] = [];
  // Sites sharing one place are one option.
  // Half the time a repeater serves only doors on its own floor: a hub that grabs one
  // door through the slab leaves the floor beside it a fragment.
  const ownFloorOnly = random() < 0.5;
  const places = model.iqSites.map((s, i) => ({ s, i })).filter(({ s }, k, all) => all.findIndex((o) => o.s.level === s.level && o.s.x === s.x && o.s.y === s.y) === k);

  // Where a tree at a site may hang repeaters: the candidates around it, plus the spots
  // straight above and below the site (one vertical hop links two floors).
  const nearbyCache = new Map<FloorPoint, { pos: FloorPoint; covers: readonly number[] }[]>();
  const nearbyOf = (site: FloorPoint) => {
    let list = nearbyCache.get(site);
    if (!list) {
      list = candidateGrid.within(site, 3).map((c) => prepared.candidates[c]!);
      for (const dl of [-1, 1]) {
        const floor = model.floorAt(site.level + dl, site.x, site.y);
        if (!floor) continue;
        const pos: FloorPoint = { floor: floor.id, level: site.level + dl, x: site.x, y: site.y };
        list.push({ pos, covers: doorGrid.within(pos) });
      }
      nearbyCache.set(site, list);
    }
    return list;
  };

  type Option = { readonly value: number; readonly cost: number; readonly doors: readonly number[]; readonly tree?: IqTree; readonly direct?: DirectIq };
  /** Every IQ that could be committed next: one at each place with direct locks, one tree grown there. */
  const optionsFor = (open: ReadonlySet<number>): Option[] => {
    const out: Option[] = [];
    for (const { s, i } of places) {
      const near = [...open].filter((d) => inRange(s, model.doors[d]!, model.radio));
      if (near.length > 0) {
        const doors = near.sort((a, b) => radioDistance(s, model.doors[a]!, model.radio) - radioDistance(s, model.doors[b]!, model.radio)).slice(0, IQ_LIMITS.locksPerIq);
        out.push({ value: doors.length / Math.max(iqCost, 1e-9) + random() * 0.01, cost: iqCost, doors, direct: { pos: s, site: i, doors } });
      }
      const grown = growTree(model, nearbyOf(s), s, i, open, random, ownFloorOnly);
      if (grown) {
        const cost = iqCost + grown.tree.repeaters * repCost;
        out.push({ value: grown.doors / Math.max(cost, 1e-9) + random() * 0.01, cost, doors: grown.tree.hubs.flatMap((h) => h.doors), tree: grown.tree });
      }
    }
    return out;
  };
  const bestValue = (options: readonly Option[]) => options.reduce<Option | null>((b, o) => (!b || o.value > b.value ? o : b), null);
  /** The plain greedy from here on: its cost, or null when a door is left over. */
  const rollout = (open: Set<number>): number | null => {
    let cost = 0;
    while (open.size > 0) {
      const pick = bestValue(optionsFor(open));
      if (!pick || pick.doors.length === 0) return null;
      cost += pick.cost;
      for (const d of pick.doors) open.delete(d);
    }
    return cost;
  };
  // With few places, look one step ahead: judge each next IQ by what the greedy makes
  // of the rest (equal doors-per-cost trees can leave very different remainders).
  const pilot = places.length <= 4;

  while (unserved.size > 0) {
    const options = optionsFor(unserved);
    let best = bestValue(options);
    if (pilot && options.length > 1) {
      let bestTotal = Infinity;
      for (const o of options) {
        const rest = new Set(unserved);
        for (const d of o.doors) rest.delete(d);
        const after = rollout(rest);
        if (after !== null && o.cost + after < bestTotal - 1e-9) {
          bestTotal = o.cost + after;
          best = o;
        }
      }
    }
    if (!best || best.doors.length === 0) return null;
    if (best.tree) trees.push(best.tree);
    if (best.direct) direct.push(best.direct);
    for (const d of best.doors) unserved.delete(d);
  }
  return { trees, direct };
}

function growTree(
  model: SiteModel,
  nearby: readonly { readonly pos: FloorPoint; readonly covers: readonly number[] }[],
  site: FloorPoint,
  siteIndex: number,
  unserved: ReadonlySet<number>,
  random: () => number,
  ownFloorOnly: boolean,
): { tree: IqTree; doors: number } | null {
  const { iq: iqCost, repeater: repCost } = model.survey.cost;
  const tree = new IqTree(model, site, siteIndex);
  const taken = new Set<number>();
  const steps: Hub[] = [];
  let bestSteps = 0;
  let bestValue = 0;
  for (;;) {
    let pick: { hub: Hub; score: number; att: NonNullable<ReturnType<IqTree["tryAttach"]>> } | null = null;
    const room = IQ_LIMITS.locksPerIq - tree.locks;
    if (room <= 0) break;
    for (const c of nearby) {
      const fresh = c.covers.filter((d) => unserved.has(d) && !taken.has(d) && (!ownFloorOnly || model.doors[d]!.level === c.pos.level));
      if (fresh.length === 0) continue;
      const doors = fresh.length > room ? fresh.sort((a, b) => radioDistance(c.pos, model.doors[a]!, model.radio) - radioDistance(c.pos, model.doors[b]!, model.radio)).slice(0, room) : fresh;
      if (pick && doors.length / (1 + 0) <= pick.score) continue; // cannot beat the best even without relays
      const hub: Hub = { pos: c.pos, doors };
      const att = tree.tryAttach(hub);
      if (!att) continue;
      // Doors per repeater bought; among equals, the shallower spot (depth is scarce: 3 layers).
      const depth = tree.nodes[att.parent]!.level + att.relays.length + 1;
      const score = doors.length / (att.relays.length + 1) + 0.01 * (IQ_LIMITS.repeaterChainDepth - depth) + random() * 0.001;
      if (!pick || score > pick.score) pick = { hub, score, att };
    }
    if (!pick) break;
    tree.attach(pick.att);
    steps.push(pick.hub);
    for (const d of pick.hub.doors) taken.add(d);
    const value = taken.size / (iqCost + tree.repeaters * repCost);
    if (value > bestValue) {
      bestValue = value;
      bestSteps = steps.length;
    }
  }
  if (bestSteps === 0) return null;
  // Replay the best prefix: the same hubs in the same order attach the same way.
  const best = new IqTree(model, site, siteIndex);
  for (const hub of steps.slice(0, bestSteps)) {
    const att = best.tryAttach(hub);
    if (!att) return null;
    best.attach(att);
  }
  return { tree: best, doors: steps.slice(0, bestSteps).reduce((n, h) => n + h.doors.length, 0) };
}
