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

  while (unserved.size > 0) {
    let best: { value: number; commit: () => void } | null = null;
    for (const { s, i } of places) {
      // An IQ with its locks hung directly.
      const near = [...unserved].filter((d) => inRange(s, model.doors[d]!, model.radio));
      if (near.length > 0) {
        const doors = near.sort((a, b) => radioDistance(s, model.doors[a]!, model.radio) - radioDistance(s, model.doors[b]!, model.radio)).slice(0, IQ_LIMITS.locksPerIq);
        const value = doors.length / Math.max(iqCost, 1e-9) + random() * 0.01;
        if (!best || value > best.value) best = { value, commit: () => direct.push({ pos: s, site: i, doors }) };
      }
      // A tree grown one repeater at a time; keep its most cost-effective prefix.
      const grown = growTree(model, nearbyOf(s), s, i, unserved, random, ownFloorOnly);
      if (grown) {
        const value = grown.doors / Math.max(iqCost + grown.tree.repeaters * repCost, 1e-9) + random() * 0.01;
        if (!best || value > best.value) best = { value, commit: () => trees.push(grown.tree) };
      }
    }
    if (!best) return null;
    const before = unserved.size;
    best.commit();
    for (const t of trees) for (const h of t.hubs) for (const d of h.doors) unserved.delete(d);
    for (const d of direct) for (const door of d.doors) unserved.delete(door);
    if (unserved.size === before) return null;
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
