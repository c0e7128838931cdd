import type { MeshPlan, PlannedIq, PlannedLock, PlannedRepeater, SiteSurvey } from "../../../core/topology/format.ts";
import { inRange } from "../../../core/topology/radio.ts";
import { buildChain, doorPoints, Floors, GridIndex, sitePoints, type FloorPoint } from "./geometry.ts";

/**
 * The bench's baseline: what a dealer would do by hand. Walk the doors in order; put an
 * IQ at the first unserved door (or at the IQ site nearest to it) and hang up to 16
 * unserved doors within range on it. A door out of range of its IQ site gets a straight
 * repeater chain, and the IQ then keeps adding chains (up to 6 repeaters) and any door a
 * repeater reaches. Simple and always valid on the bench instances, so the real
 * planner's `ratio` shows what its optimisation buys.
 */

const LOCKS_PER_IQ = 16;
const REPEATERS_PER_IQ = 6;
const CHAIN_DEPTH = 3;
const CHILD_REPEATERS = 2;
const IQ_CHILD_REPEATERS = 6;

interface Node {
  readonly id: string;
  readonly point: FloorPoint;
  readonly depth: number; // 0 for the IQ
  children: number;
}

export function naivePlan(site: SiteSurvey): MeshPlan {
  const floors = new Floors(site);
  const radio = site.radio;
  const doors = doorPoints(site);
  const sites = sitePoints(site);
  const doorIndex = new GridIndex(doors, radio);
  const siteIndex = new GridIndex(sites, radio);
  const served = new Array<boolean>(doors.length).fill(false);
  const order = doors.map((_, i) => i).sort((a, b) => {
    const p = doors[a]!;
    const q = doors[b]!;
    return p.level - q.level || p.x - q.x || p.y - q.y || a - b;
  });

  const iqs: PlannedIq[] = [];
  const repeaters: PlannedRepeater[] = [];
  const locks: PlannedLock[] = [];
  const lock = (door: number, parent: string) => {
    served[door] = true;
    locks.push({ door: site.doors[door]!.id, parent });
  };
  /** Unserved doors within range of p, nearest first. */
  const unservedNear = (p: FloorPoint, radiusM?: number) =>
    doorIndex
      .within(p, radiusM)
      .filter((i) => !served[i])
      .map((i) => ({ i, d: Math.hypot(doors[i]!.x - p.x, doors[i]!.y - p.y) + Math.abs(doors[i]!.level - p.level) * 100 }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .map((e) => e.i);

  for (const d0 of order) {
    if (served[d0]) continue;
    const door = doors[d0]!;
    let root: FloorPoint;
    let siteId: string | undefined;
    let chain: FloorPoint[] = [];
    if (sites.length === 0) {
      root = door;
    } else {
      // The nearest IQ site (fewest repeaters, then distance) that can reach this door.
      let best: { s: number; chain: FloorPoint[]; dist: number } | undefined;
      for (const s of siteIndex.within(door, 4 * radio.hopRangeM)) {
        const c = buildChain(floors, radio, sites[s]!, door, CHAIN_DEPTH);
        if (!c) continue;
        const dist = Math.hypot(sites[s]!.x - door.x, sites[s]!.y - door.y);
        if (!best || c.length < best.chain.length || (c.length === best.chain.length && dist < best.dist)) best = { s, chain: c, dist };
      }
      if (!best) throw new Error(`naive planner: door ${site.doors[d0]!.id} is out of reach of every IQ site`);
      root = sites[best.s]!;
      siteId = site.iqSites[best.s]!.id;
      chain = best.chain;
    }
    const iqId = `IQ${iqs.length + 1}`;
    iqs.push({ id: iqId, floor: root.floor, x: root.x, y: root.y, ...(siteId === undefined ? {} : { site: siteId }) });

    if (chain.length === 0) {
      // Direct mode: the IQ holds its locks itself.
      lock(d0, iqId);
      for (const i of unservedNear(root).slice(0, LOCKS_PER_IQ - 1)) lock(i, iqId);
      continue;
    }

    // Repeater mode: chains from the IQ, locks only on repeaters.
    const nodes: Node[] = [{ id: iqId, point: root, depth: 0, children: 0 }];
    let lockCount = 0;
    const addChain = (parent: Node, points: readonly FloorPoint[]): Node => {
      let at = parent;
      for (const p of points) {
        const id = `R${repeaters.length + 1}`;
        repeaters.push({ id, floor: p.floor, x: p.x, y: p.y, parent: at.id });
        at.children++;
        const next: Node = { id, point: p, depth: at.depth + 1, children: 0 };
        nodes.push(next);
        at = next;
      }
      return at;
    };
    const fillFrom = (n: Node) => {
      for (const i of unservedNear(n.point)) {
        if (lockCount >= LOCKS_PER_IQ) return;
        lock(i, n.id);
        lockCount++;
      }
    };
    const last = addChain(nodes[0]!, chain);
    lock(d0, last.id);
    lockCount++;
    for (const n of nodes.slice(1)) fillFrom(n);

    // Greedy chains to the nearest unserved doors while the IQ has room.
    for (const i of unservedNear(root, 4 * radio.hopRangeM)) {
      if (lockCount >= LOCKS_PER_IQ || nodes.length - 1 >= REPEATERS_PER_IQ) break;
      if (served[i]) continue;
      const target = doors[i]!;
      const onRepeater = nodes.find((n) => n.depth > 0 && inRange(n.point, target, radio));
      if (onRepeater) {
        lock(i, onRepeater.id);
        lockCount++;
        continue;
      }
      let best: { parent: Node; points: FloorPoint[] } | undefined;
      for (const n of nodes) {
        const room = n.depth === 0 ? IQ_CHILD_REPEATERS - n.children : CHILD_REPEATERS - n.children;
        if (room <= 0) continue;
        const budget = Math.min(CHAIN_DEPTH - n.depth, REPEATERS_PER_IQ - (nodes.length - 1));
        if (budget <= 0) continue;
        const c = buildChain(floors, radio, n.point, target, budget, n.depth === 0 ? 1 : 0);
        if (c && (!best || c.length < best.points.length)) best = { parent: n, points: c };
      }
      if (!best) continue;
      const end = addChain(best.parent, best.points);
      lock(i, end.id);
      lockCount++;
      for (const n of nodes.slice(nodes.length - best.points.length)) fillFrom(n);
    }
  }

  const cost = iqs.length * site.cost.iq + repeaters.length * site.cost.repeater;
  return { format: "lintel-plan/1", iqs, repeaters, locks, cost };
}
