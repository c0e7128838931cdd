import { IQ_LIMITS } from "../domain/hardware.ts";
import { radioDistance } from "./radio.ts";
import type { FloorPoint, SiteModel } from "./site-model.ts";
import { SpatialGrid } from "./spatial-grid.ts";

/** A place that holds locks (an IQ alone, or a repeater) and the doors it serves. */
export interface Hub {
  readonly pos: FloorPoint;
  readonly doors: number[];
}

export interface CoverOptions {
  /** Only positions that can be linked to the network at all are worth a hub. */
  readonly usable?: (p: FloorPoint) => boolean;
  /** Extra candidate positions (e.g. IQ sites). */
  readonly extra?: readonly FloorPoint[];
}

interface Candidate {
  readonly pos: FloorPoint;
  readonly covers: readonly number[];
}

/**
 * Candidate hub positions: every door, the midpoints towards its nearest neighbours,
 * and the centre of its neighbourhood — a corridor's centre line reaches both rows
 * of rooms where a door position reaches only across.
 */
export function candidatePositions(model: SiteModel, doorGrid: SpatialGrid<FloorPoint>, extra: readonly FloorPoint[] = []): FloorPoint[] {
  const seen = new Set<string>();
  const out: FloorPoint[] = [];
  const push = (p: FloorPoint) => {
    const c = model.clamp(p);
    const key = `${c.floor}|${Math.round(c.x * 4)}|${Math.round(c.y * 4)}`; // 25 cm apart is the same place
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  for (const p of extra) push(p);
  model.doors.forEach((d) => {
    push(d);
    const near: { o: FloorPoint; dist: number }[] = [];
    for (const j of doorGrid.within(d, 2)) {
      const o = model.doors[j]!;
      if (o.level === d.level && o !== d) near.push({ o, dist: radioDistance(d, o, model.radio) });
    }
    near.sort((a, b) => a.dist - b.dist);
    for (const { o } of near.slice(0, 5)) push({ floor: d.floor, level: d.level, x: (d.x + o.x) / 2, y: (d.y + o.y) / 2 });
    let n = 1;
    let sx = d.x;
    let sy = d.y;
    for (const { o, dist } of near) {
      if (dist > model.radio.hopRangeM) break;
      n++;
      sx += o.x;
      sy += o.y;
    }
    if (n > 2) push({ floor: d.floor, level: d.level, x: sx / n, y: sy / n });
  });
  return out;
}

/** Max-heap of candidates by (gain, tie). */
class GainHeap {
  private readonly items: { gain: number; tie: number; c: number }[] = [];
  get size(): number {
    return this.items.length;
  }
  private before(a: { gain: number; tie: number }, b: { gain: number; tie: number }): boolean {
    return a.gain > b.gain || (a.gain === b.gain && a.tie > b.tie);
  }
  push(item: { gain: number; tie: number; c: number }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  peek(): { gain: number; tie: number; c: number } | undefined {
    return this.items[0];
  }
  pop(): { gain: number; tie: number; c: number } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Candidate positions with the doors each reaches: computed once, shared by every restart. */
export interface PreparedCandidates {
  readonly candidates: readonly Candidate[];
  /** How many candidates reach each door: doors with few options are served first. */
  readonly coverCount: readonly number[];
}

export function prepareCandidates(model: SiteModel, doorGrid: SpatialGrid<FloorPoint>, options: CoverOptions): PreparedCandidates {
  const positions = candidatePositions(model, doorGrid, options.extra).filter((p) => options.usable?.(p) ?? true);
  const coverCount = new Array<number>(model.doors.length).fill(0);
  const candidates: Candidate[] = positions.map((pos) => {
    const covers = doorGrid.within(pos);
    for (const d of covers) coverCount[d]!++;
    return { pos, covers };
  });
  return { candidates, coverCount };
}

/**
 * Capacitated greedy cover: repeatedly take the position that serves the most
 * still-unserved doors (at most `cap`, never more than one IQ tree's 16), preferring
 * doors with the fewest alternatives; then drop hubs whose doors fit elsewhere.
 * Returns the hubs and the doors no usable position reaches.
 */
export function coverDoors(
  model: SiteModel,
  prepared: PreparedCandidates,
  random: () => number,
  /** Locks per hub: 16 fills an IQ; smaller hubs pack several to a tree. */
  cap: number = IQ_LIMITS.locksPerIq,
  /** Cover only these doors (the others are someone else's): for re-planning a neighbourhood. */
  only?: ReadonlySet<number>,
): { hubs: Hub[]; unreached: number[] } {
  const { candidates, coverCount } = prepared;
  const served = model.doors.map((_, d) => (only ? !only.has(d) : false));
  const heap = new GainHeap();
  const tieOf = (c: Candidate, gain: number) => {
    // Prefer compact groups, then whatever the restart's noise says.
    let sum = 0;
    for (const d of c.covers) if (!served[d]) sum += radioDistance(c.pos, model.doors[d]!, model.radio);
    return -sum / Math.max(gain, 1) + random() * 0.5;
  };
  const gainOf = (c: Candidate) => {
    let g = 0;
    for (const d of c.covers) if (!served[d]) g++;
    return Math.min(g, cap);
  };
  candidates.forEach((c, i) => {
    const gain = only ? gainOf(c) : Math.min(c.covers.length, cap);
    if (gain > 0) heap.push({ gain, tie: tieOf(c, gain), c: i });
  });

  const hubs: Hub[] = [];
  while (heap.size > 0) {
    const top = heap.pop()!;
    const cand = candidates[top.c]!;
    const gain = gainOf(cand);
    if (gain === 0) continue;
    const next = heap.peek();
    if (gain < top.gain && next && (next.gain > gain || (next.gain === gain && next.tie > top.tie))) {
      heap.push({ gain, tie: tieOf(cand, gain), c: top.c });
      continue;
    }
    let doors = cand.covers.filter((d) => !served[d]);
    if (doors.length > cap) {
      doors = doors
        .sort((a, b) => coverCount[a]! - coverCount[b]! || radioDistance(cand.pos, model.doors[a]!, model.radio) - radioDistance(cand.pos, model.doors[b]!, model.radio))
        .slice(0, cap);
    }
    for (const d of doors) served[d] = true;
    hubs.push({ pos: cand.pos, doors });
  }
  const unreached = served.flatMap((done, d) => (done ? [] : [d]));
  return { hubs: dropRedundantHubs(model, hubs, cap), unreached };
}

/** A hub whose every door fits on other hubs in range (with room left) is dropped. */
function dropRedundantHubs(model: SiteModel, hubs: Hub[], cap: number): Hub[] {
  const grid = new SpatialGrid(
    hubs.map((h) => h.pos),
    model.radio,
  );
  const alive = hubs.map(() => true);
  const load = hubs.map((h) => h.doors.length);
  const order = hubs.map((_, i) => i).sort((a, b) => load[a]! - load[b]!);
  for (const h of order) {
    const moves: [number, number][] = [];
    const extra = new Map<number, number>();
    let ok = true;
    for (const d of hubs[h]!.doors) {
      const door = model.doors[d]!;
      const target = grid
        .within(door)
        .filter((o) => o !== h && alive[o] && load[o]! + (extra.get(o) ?? 0) < cap)
        .sort((a, b) => radioDistance(door, hubs[a]!.pos, model.radio) - radioDistance(door, hubs[b]!.pos, model.radio))[0];
      if (target === undefined) {
        ok = false;
        break;
      }
      extra.set(target, (extra.get(target) ?? 0) + 1);
      moves.push([d, target]);
    }
    if (!ok) continue;
    alive[h] = false;
    for (const [d, t] of moves) {
      hubs[t]!.doors.push(d);
      load[t]!++;
    }
  }
  return hubs.filter((_, i) => alive[i]);
}
