import type { RadioParams, SiteSurvey, TopologyFloor } from "../../../core/topology/format.ts";
import { inRange, maxLevelReach, RANGE_EPSILON_M } from "../../../core/topology/radio.ts";

/**
 * Geometry shared by the bench generator, the naive planner and the MILP: points with
 * their floor, a grid index for "what is within radio range" queries on 10,000 doors,
 * and a constructive repeater chain (the generator's proof that a door is reachable).
 */

/** A position on a named floor (the radio compares positions across floors). */
export interface FloorPoint {
  readonly floor: string;
  readonly level: number;
  readonly x: number;
  readonly y: number;
}

/** Floor lookup by id and by the level/position it covers (campus floors overlap in the frame). */
export class Floors {
  readonly byId = new Map<string, TopologyFloor>();
  private readonly byLevel = new Map<number, TopologyFloor[]>();

  constructor(site: Pick<SiteSurvey, "floors">) {
    for (const f of site.floors) {
      this.byId.set(f.id, f);
      const list = this.byLevel.get(f.level) ?? [];
      list.push(f);
      this.byLevel.set(f.level, list);
    }
  }

  level(floorId: string): number {
    const f = this.byId.get(floorId);
    if (!f) throw new Error(`unknown floor ${floorId}`);
    return f.level;
  }

  /** The floor at `level` that covers (x, y), preferring `prefer`; undefined when none does. */
  at(level: number, x: number, y: number, prefer?: string): TopologyFloor | undefined {
    const p = prefer === undefined ? undefined : this.byId.get(prefer);
    if (p && p.level === level && covers(p, x, y)) return p;
    return this.byLevel.get(level)?.find((f) => covers(f, x, y));
  }
}

export function covers(f: TopologyFloor, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x <= f.widthM && y <= f.depthM;
}

export function doorPoints(site: SiteSurvey): FloorPoint[] {
  const floors = new Floors(site);
  return site.doors.map((d) => ({ floor: d.floor, level: floors.level(d.floor), x: d.x, y: d.y }));
}

export function sitePoints(site: SiteSurvey): FloorPoint[] {
  const floors = new Floors(site);
  return site.iqSites.map((s) => ({ floor: s.floor, level: floors.level(s.floor), x: s.x, y: s.y }));
}

/**
 * Uniform grid over (level, x, y) with cells of one hop range: a range query looks at
 * 3×3 cells on each level within reach, so 10,000 doors plan in milliseconds.
 */
export class GridIndex<T extends { readonly level: number; readonly x: number; readonly y: number }> {
  private readonly cells = new Map<string, number[]>();
  private readonly reach: number;
  private readonly cell: number;

  constructor(
    readonly items: readonly T[],
    private readonly radio: RadioParams,
    cellM?: number,
  ) {
    this.cell = cellM ?? radio.hopRangeM;
    this.reach = Math.min(maxLevelReach(radio), 64);
    items.forEach((p, i) => {
      const k = this.key(p.level, Math.floor(p.x / this.cell), Math.floor(p.y / this.cell));
      const list = this.cells.get(k);
      if (list) list.push(i);
      else this.cells.set(k, [i]);
    });
  }

  private key(level: number, cx: number, cy: number): string {
    return `${level}:${cx}:${cy}`;
  }

  /** Indices of items within `radiusM` radio distance of p (default: one hop). */
  within(p: { level: number; x: number; y: number }, radiusM = this.radio.hopRangeM): number[] {
    const out: number[] = [];
    const span = Math.ceil(radiusM / this.cell);
    const perFloor = this.radio.floorHeightM + this.radio.floorPenaltyM;
    const levels = perFloor <= 0 ? this.reach : Math.min(this.reach * Math.ceil(radiusM / this.radio.hopRangeM), Math.floor((radiusM + RANGE_EPSILON_M) / perFloor));
    const cx = Math.floor(p.x / this.cell);
    const cy = Math.floor(p.y / this.cell);
    for (let l = p.level - levels; l <= p.level + levels; l++) {
      for (let i = cx - span; i <= cx + span; i++) {
        for (let j = cy - span; j <= cy + span; j++) {
          const list = this.cells.get(this.key(l, i, j));
          if (!list) continue;
          for (const idx of list) {
            const q = this.items[idx];
            if (q && dist(p, q, this.radio) <= radiusM + RANGE_EPSILON_M) out.push(idx);
          }
        }
      }
    }
    return out;
  }
}

function dist(a: { level: number; x: number; y: number }, b: { level: number; x: number; y: number }, radio: RadioParams): number {
  const dl = Math.abs(a.level - b.level);
  const dz = dl * radio.floorHeightM;
  return Math.hypot(a.x - b.x, a.y - b.y, dz) + dl * radio.floorPenaltyM;
}

/** Points strictly between a and b splitting the segment into `hops` equal hops. */
function splitSegment(a: FloorPoint, b: { x: number; y: number }, hops: number, floorId: string): FloorPoint[] {
  const out: FloorPoint[] = [];
  for (let i = 1; i < hops; i++) {
    const t = i / hops;
    out.push({ floor: floorId, level: a.level, x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
  }
  return out;
}

/**
 * A chain of repeater positions from `from` (an IQ or repeater) to `to` (a door):
 * straight equal hops on one level, and for other levels the vertical route (stack of
 * repeaters above `from`, or above `to`) — whichever needs fewer repeaters. Every hop
 * is checked with the format's radio model and every repeater stands on a floor.
 * Returns null when more than `maxRepeaters` would be needed. `minRepeaters` = 1 is
 * for an IQ that already has repeaters (a lock may not hang on it).
 */
export function buildChain(
  floors: Floors,
  radio: RadioParams,
  from: FloorPoint,
  to: FloorPoint,
  maxRepeaters: number,
  minRepeaters = 0,
): FloorPoint[] | null {
  const routes: FloorPoint[][] = [];
  const flat = (a: FloorPoint, b: FloorPoint, min: number): FloorPoint[] | null => {
    const d = Math.hypot(a.x - b.x, a.y - b.y);
    const hops = Math.max(min + 1, Math.ceil(d / radio.hopRangeM), 1);
    if (hops - 1 > maxRepeaters) return null;
    const fl = floors.at(a.level, (a.x + b.x) / 2, (a.y + b.y) / 2, a.floor) ?? floors.byId.get(a.floor);
    if (!fl) return null;
    const pts = splitSegment(a, b, hops, fl.id);
    // A floor rectangle is convex, so if both ends are on it every split point is too.
    return pts.every((p) => floors.at(p.level, p.x, p.y, fl.id)) ? pts.map((p) => ({ ...p, floor: floors.at(p.level, p.x, p.y, fl.id)!.id })) : null;
  };
  if (from.level === to.level) {
    const r = flat(from, to, minRepeaters);
    if (r) routes.push(r);
  } else {
    const step = to.level > from.level ? 1 : -1;
    // Vertical first: repeaters stacked above `from`, then across the door's level.
    const up: FloorPoint[] = [];
    let ok = true;
    for (let l = from.level + step; l !== to.level + step; l += step) {
      const f = floors.at(l, from.x, from.y);
      if (!f) {
        ok = false;
        break;
      }
      up.push({ floor: f.id, level: l, x: from.x, y: from.y });
    }
    const top = up[up.length - 1];
    if (ok && top) {
      const rest = flat(top, to, 0);
      if (rest) routes.push([...up, ...rest]);
    }
    // Across first on `from`'s level to below the door, then stacked up to it.
    const below: FloorPoint = { floor: from.floor, level: from.level, x: to.x, y: to.y };
    const base = floors.at(from.level, to.x, to.y, from.floor);
    if (base) {
      const across = flat(from, { ...below, floor: base.id }, 0);
      if (across) {
        const stack: FloorPoint[] = [{ ...below, floor: base.id }];
        let fine = true;
        for (let l = from.level + step; l !== to.level; l += step) {
          const f = floors.at(l, to.x, to.y);
          if (!f) {
            fine = false;
            break;
          }
          stack.push({ floor: f.id, level: l, x: to.x, y: to.y });
        }
        if (fine) routes.push([...across, ...stack]);
      }
    }
  }
  const valid = routes.filter((r) => r.length >= minRepeaters && r.length <= maxRepeaters && hopsOk([from, ...r, to], radio));
  valid.sort((a, b) => a.length - b.length);
  return valid[0] ?? null;
}

function hopsOk(path: readonly FloorPoint[], radio: RadioParams): boolean {
  for (let i = 1; i < path.length; i++) if (!inRange(path[i - 1]!, path[i]!, radio)) return false;
  return true;
}
