import type { IqSite, SiteSurvey, TopologyDoor, TopologyFloor } from "../../../core/topology/format.ts";
import { buildChain, Floors, GridIndex, type FloorPoint } from "./geometry.ts";

/**
 * Seeded generator of realistic `lintel-site/1` instances for the topology bench.
 * Deterministic (own PRNG, no Math.random) so a bench figure always refers to the same
 * site. Every instance is feasible by construction and checked: with `iqSites`, each
 * door is reached by a chain IQ > R > R > R > lock from some site (`unreachableDoors`).
 */

export type Family = "shop" | "hotel" | "campus" | "warehouse" | "cowork" | "stacked";

export interface InstanceSpec {
  readonly name: string;
  readonly family: Family;
  readonly doors: number;
  readonly seed: number;
  /** Whether the site lists comms rooms (IQs only there) or lets an IQ stand anywhere. */
  readonly iqSites: boolean;
  /** Floors (hotel, stacked); the family picks a sensible number when absent. */
  readonly floors?: number;
}

/** The bench's named set; the ≤ 40-door ones are small enough for the exact MILP. */
export const NAMED_INSTANCES: readonly InstanceSpec[] = [
  { name: "shop-8", family: "shop", doors: 8, seed: 8, iqSites: false },
  { name: "cowork-24", family: "cowork", doors: 24, seed: 24, iqSites: false },
  { name: "warehouse-30", family: "warehouse", doors: 30, seed: 30, iqSites: true },
  { name: "hotel-40", family: "hotel", doors: 40, seed: 40, iqSites: true, floors: 2 },
  { name: "stacked-36", family: "stacked", doors: 36, seed: 36, iqSites: true, floors: 9 },
  { name: "hotel-500", family: "hotel", doors: 500, seed: 500, iqSites: true, floors: 10 },
  { name: "campus-2000", family: "campus", doors: 2000, seed: 2000, iqSites: false },
  { name: "warehouse-1000", family: "warehouse", doors: 1000, seed: 1000, iqSites: true },
  { name: "campus-10000", family: "campus", doors: 10_000, seed: 10_000, iqSites: true },
];

export function namedSpec(name: string): InstanceSpec {
  const spec = NAMED_INSTANCES.find((s) => s.name === name);
  if (!spec) throw new Error(`no bench instance ${name} (have ${NAMED_INSTANCES.map((s) => s.name).join(", ")})`);
  return spec;
}

export function namedSite(name: string): SiteSurvey {
  return generateSite(namedSpec(name));
}

/** mulberry32: tiny, fast, and good enough to scatter doors reproducibly. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    const v = list[Math.floor(this.next() * list.length)];
    if (v === undefined) throw new Error("pick from an empty list");
    return v;
  }
}

const RADIO = { hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 } as const;
const COST = { iq: 1, repeater: 0.5 } as const;
/** Every door is kept within this straight distance of a comms room on its floor (4 hops = 40 m). */
const SITE_COVER_M = 38;

/** Centimetre rounding keeps the JSON readable and the instance identical after a round trip. */
const cm = (v: number) => Math.round(v * 100) / 100;

class Builder {
  readonly floors: TopologyFloor[] = [];
  readonly doors: TopologyDoor[] = [];
  readonly sites: IqSite[] = [];
  constructor(readonly rng: Rng) {}

  floor(id: string, level: number, widthM: number, depthM: number): string {
    this.floors.push({ id, level, widthM: cm(widthM), depthM: cm(depthM) });
    return id;
  }
  door(floor: string, x: number, y: number, kind: TopologyDoor["kind"] = "escutcheon"): void {
    this.doors.push({ id: `D${String(this.doors.length + 1).padStart(5, "0")}`, floor, x: cm(x), y: cm(y), kind });
  }
  site(floor: string, x: number, y: number): void {
    this.sites.push({ id: `C${this.sites.length + 1}`, floor, x: cm(x), y: cm(y) });
  }
}

/** Splits `total` into `parts` near-equal positive counts (earlier parts take the remainder). */
function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

/**
 * Doors on both walls of a corridor running along x at `cy`, 3.5 m pitch (jittered),
 * starting at `x0`. `xs` fixes the pitch positions so stacked floors line up.
 */
function corridor(b: Builder, floor: string, x0: number, cy: number, count: number, xs: readonly number[]): void {
  for (let i = 0; i < count; i++) {
    const slot = Math.floor(i / 2);
    const side = i % 2 === 0 ? -1.5 : 1.5;
    const x = x0 + (xs[slot] ?? slot * 3.5) + b.rng.range(-0.2, 0.2);
    const kind = i === 0 ? "cylinder" : "escutcheon";
    b.door(floor, x, cy + side + b.rng.range(-0.1, 0.1), kind);
  }
}

function pitch(rng: Rng, slots: number): number[] {
  return Array.from({ length: slots }, (_, i) => 2 + i * 3.5 + rng.range(-0.3, 0.3));
}

/** Comms rooms along a corridor: one per 60 m, so no door is more than ~32 m from one. */
function corridorSites(b: Builder, floor: string, x0: number, cy: number, lengthM: number): void {
  const count = Math.max(1, Math.ceil(lengthM / 60));
  for (let j = 0; j < count; j++) b.site(floor, x0 + (lengthM * (j + 0.5)) / count, cy);
}

function hotel(b: Builder, spec: InstanceSpec): void {
  const floors = spec.floors ?? Math.max(1, Math.ceil(spec.doors / 50));
  const perFloor = split(spec.doors, floors);
  const slots = Math.ceil((perFloor[0] ?? 0) / 2);
  const xs = pitch(b.rng, slots);
  const length = slots * 3.5 + 2;
  perFloor.forEach((count, level) => {
    const id = b.floor(`F${level}`, level, length + 6, 14);
    corridor(b, id, 2, 7, count, xs);
    if (spec.iqSites) corridorSites(b, id, 2, 7, length);
  });
}

function stacked(b: Builder, spec: InstanceSpec): void {
  const floors = spec.floors ?? Math.max(1, Math.ceil(spec.doors / 4));
  // Around a lift/stair core: the same plan on every storey of a tall narrow building.
  const plan = [
    [3, 3], [13, 3], [3, 9], [13, 9], [8, 1.5], [8, 10.5], [1.5, 6], [14.5, 6],
  ] as const;
  split(spec.doors, floors).forEach((count, level) => {
    const id = b.floor(`L${level}`, level, 16, 12);
    for (let i = 0; i < count; i++) {
      const p = plan[i % plan.length]!;
      b.door(id, p[0] + b.rng.range(-0.3, 0.3), p[1] + b.rng.range(-0.3, 0.3), i === 4 ? "wall-reader" : "escutcheon");
    }
    // A riser comms room on every third storey: the others reach it through the slab.
    if (spec.iqSites && (level % 3 === 1 || (level === floors - 1 && level % 3 === 0))) b.site(id, 8, 6);
  });
}

function shop(b: Builder, spec: InstanceSpec): void {
  // A small shop is 26 × 14 m; a bigger one keeps ~40 m² per door.
  const w = Math.max(26, Math.ceil(Math.sqrt(spec.doors * 80)));
  const d = Math.max(14, Math.ceil(w / 2));
  const id = b.floor("F0", 0, w, d);
  const placed: { x: number; y: number }[] = [];
  b.door(id, w / 2, 0, "wall-reader"); // the shop front
  placed.push({ x: w / 2, y: 0 });
  let tries = 0;
  while (placed.length < spec.doors) {
    if (++tries > spec.doors * 5000) throw new Error("generator: could not place the shop's doors");
    const x = b.rng.range(1, w - 1);
    const y = b.rng.range(1, d - 1);
    if (placed.some((p) => Math.hypot(p.x - x, p.y - y) < 3)) continue;
    placed.push({ x, y });
    b.door(id, x, y, placed.length % 4 === 0 ? "locker" : "escutcheon");
  }
  if (spec.iqSites) {
    // The back office first; a bigger shop gets more rooms until every door is in reach.
    b.site(id, 2, d - 1);
    const floor = b.floors[b.floors.length - 1]!;
    const rest = placed.filter((p) => Math.hypot(p.x - 2, p.y - (d - 1)) > SITE_COVER_M);
    coverSites(b, floor, rest);
  }
}

function campus(b: Builder, spec: InstanceSpec): void {
  let remaining = spec.doors;
  let bx = 10;
  let by = 10;
  let rowDepth = 0;
  let n = 0;
  const rowLimit = Math.max(600, Math.sqrt(spec.doors) * 25);
  while (remaining > 0) {
    n++;
    let floorCount = b.rng.int(2, 5);
    let perFloor = b.rng.int(15, 60);
    if (floorCount * perFloor >= remaining) {
      floorCount = Math.min(floorCount, remaining);
      perFloor = Math.ceil(remaining / floorCount);
    }
    const counts = Array.from({ length: floorCount }, (_, f) => Math.max(0, Math.min(perFloor, remaining - f * perFloor))).filter((c) => c > 0);
    const corridors = perFloor > 36 ? 2 : 1;
    const slots = Math.ceil(perFloor / (2 * corridors));
    const bw = slots * 3.5 + 6;
    const bd = corridors === 2 ? 28 : 14;
    if (bx > rowLimit) {
      bx = 10;
      by += rowDepth + b.rng.range(60, 300);
      rowDepth = 0;
    }
    const xs = pitch(b.rng, slots);
    counts.forEach((count, level) => {
      const id = b.floor(`B${String(n).padStart(3, "0")}-L${level}`, level, bx + bw + 2, by + bd + 2);
      const perCorridor = split(count, corridors);
      perCorridor.forEach((c, k) => {
        const cy = by + 7 + k * 14;
        corridor(b, id, bx + 2, cy, c, xs);
        if (spec.iqSites) corridorSites(b, id, bx + 2, cy, slots * 3.5 + 2);
      });
    });
    remaining -= counts.reduce((s, c) => s + c, 0);
    rowDepth = Math.max(rowDepth, bd);
    bx += bw + b.rng.range(60, 300);
  }
}

/** Comms rooms by greedy cover: an uncovered door gets a room 1.5 m beside it. */
function coverSites<P extends { x: number; y: number }>(b: Builder, floor: TopologyFloor, doors: readonly P[], at?: (d: P) => { x: number; y: number }): void {
  const rooms: { x: number; y: number }[] = [];
  for (const d of doors) {
    if (rooms.some((r) => Math.hypot(r.x - d.x, r.y - d.y) <= SITE_COVER_M)) continue;
    const p = at ? at(d) : { x: Math.min(floor.widthM, d.x + 1.5), y: d.y };
    rooms.push(p);
    b.site(floor.id, p.x, p.y);
  }
}

function warehouse(b: Builder, spec: InstanceSpec): void {
  const raw = grow(b.rng, spec.doors, 15, 60);
  const minX = Math.min(...raw.map((p) => p.x));
  const minY = Math.min(...raw.map((p) => p.y));
  const pts = raw.map((p) => ({ x: p.x - minX + 5, y: p.y - minY + 5 }));
  const w = Math.max(...pts.map((p) => p.x)) + 5;
  const d = Math.max(...pts.map((p) => p.y)) + 5;
  const id = b.floor("W0", 0, w, d);
  const floor = b.floors[b.floors.length - 1]!;
  // Doors that end up near the outer wall are gates with wall readers (barriers, shutters).
  const placed = pts.map((p) => {
    const edges = [
      { gap: p.x, at: { x: 0, y: p.y } },
      { gap: p.y, at: { x: p.x, y: 0 } },
      { gap: w - p.x, at: { x: w, y: p.y } },
      { gap: d - p.y, at: { x: p.x, y: d } },
    ].sort((a, c) => a.gap - c.gap);
    const nearest = edges[0]!;
    if (nearest.gap < 12) return { ...nearest.at, kind: "wall-reader" as const };
    return { ...p, kind: b.rng.next() < 0.5 ? ("cylinder" as const) : ("escutcheon" as const) };
  });
  for (const p of placed) b.door(id, p.x, p.y, p.kind);
  if (spec.iqSites) coverSites(b, floor, placed);
}

/**
 * Grows a sparse layout: each new point lands 15-60 m (minGap-maxGap) from a random
 * earlier one and at least minGap from all, as doors in a warehouse or cluster centres
 * on a coworking floor. A grid keeps 1,000 points in milliseconds. The frame may be
 * negative; callers shift it onto the floor.
 */
function grow(rng: Rng, count: number, minGap: number, maxGap: number): { x: number; y: number }[] {
  const pts = [{ x: 0, y: 0 }];
  const cell = new Map<string, number[]>();
  const key = (x: number, y: number) => `${Math.floor(x / minGap)}:${Math.floor(y / minGap)}`;
  cell.set(key(0, 0), [0]);
  let tries = 0;
  while (pts.length < count) {
    if (++tries > count * 5000) throw new Error("generator: could not place points");
    const from = rng.pick(pts);
    const a = rng.range(0, 2 * Math.PI);
    const r = rng.range(minGap, maxGap);
    const p = { x: from.x + r * Math.cos(a), y: from.y + r * Math.sin(a) };
    const cx = Math.floor(p.x / minGap);
    const cy = Math.floor(p.y / minGap);
    let ok = true;
    for (let i = cx - 1; i <= cx + 1 && ok; i++)
      for (let j = cy - 1; j <= cy + 1 && ok; j++)
        for (const idx of cell.get(`${i}:${j}`) ?? []) {
          const q = pts[idx]!;
          if (Math.hypot(q.x - p.x, q.y - p.y) < minGap) {
            ok = false;
            break;
          }
        }
    if (!ok) continue;
    const k = key(p.x, p.y);
    const list = cell.get(k) ?? [];
    list.push(pts.length);
    cell.set(k, list);
    pts.push(p);
  }
  return pts;
}

function cowork(b: Builder, spec: InstanceSpec): void {
  const floors = spec.doors <= 40 ? 1 : Math.ceil(spec.doors / 150);
  split(spec.doors, floors).forEach((quota, level) => {
    const sizes: number[] = [];
    let left = quota;
    while (left > 0) {
      const s = Math.min(left, b.rng.int(4, 12));
      sizes.push(s);
      left -= s;
    }
    // Cluster centres 18-40 m apart (15-35 m between the outer doors of two clusters).
    const centres = grow(b.rng, sizes.length, 18, 40);
    const doors: { x: number; y: number; c: number }[] = [];
    sizes.forEach((size, c) => {
      const centre = centres[c]!;
      const radius = 2 + size * 0.35;
      const phase = b.rng.range(0, Math.PI);
      for (let i = 0; i < size; i++) {
        const a = phase + (2 * Math.PI * i) / size + b.rng.range(-0.1, 0.1);
        doors.push({ x: centre.x + radius * Math.cos(a), y: centre.y + radius * Math.sin(a), c });
      }
    });
    const minX = Math.min(...doors.map((p) => p.x)) - 5;
    const minY = Math.min(...doors.map((p) => p.y)) - 5;
    const shifted = doors.map((p) => ({ x: p.x - minX, y: p.y - minY, c: p.c }));
    const w = Math.max(...shifted.map((p) => p.x)) + 5;
    const d = Math.max(...shifted.map((p) => p.y)) + 5;
    const id = b.floor(`F${level}`, level, w, d);
    shifted.forEach((p, i) => b.door(id, p.x, p.y, i % 9 === 0 ? "locker" : "escutcheon"));
    if (spec.iqSites) {
      const floor = b.floors[b.floors.length - 1]!;
      coverSites(b, floor, shifted, (p) => ({ x: centres[p.c]!.x - minX, y: centres[p.c]!.y - minY }));
    }
  });
}

const FAMILIES: Record<Family, (b: Builder, spec: InstanceSpec) => void> = { shop, hotel, campus, warehouse, cowork, stacked };

export function generateSite(spec: InstanceSpec): SiteSurvey {
  if (!Number.isInteger(spec.doors) || spec.doors < 1) throw new Error(`bad door count ${spec.doors}`);
  const b = new Builder(new Rng(spec.seed));
  FAMILIES[spec.family](b, spec);
  const site: SiteSurvey = {
    format: "lintel-site/1",
    name: spec.name,
    radio: { ...RADIO },
    cost: { ...COST },
    floors: b.floors,
    doors: b.doors,
    iqSites: b.sites,
  };
  if (site.doors.length !== spec.doors) throw new Error(`generator: ${spec.name} has ${site.doors.length} doors, not ${spec.doors}`);
  const off = offFloor(site);
  if (off.length > 0) throw new Error(`generator: ${spec.name}: doors off their floor: ${off.slice(0, 5).join(", ")}`);
  const unreachable = unreachableDoors(site);
  if (unreachable.length > 0) throw new Error(`generator: ${spec.name}: doors out of reach of every IQ site: ${unreachable.slice(0, 5).join(", ")}`);
  return site;
}

function offFloor(site: SiteSurvey): string[] {
  const floors = new Floors(site);
  const bad = (p: { floor: string; x: number; y: number }) => {
    const f = floors.byId.get(p.floor);
    return !f || p.x < 0 || p.y < 0 || p.x > f.widthM || p.y > f.depthM;
  };
  return [...site.doors.filter(bad).map((d) => d.id), ...site.iqSites.filter(bad).map((s) => s.id)];
}

/**
 * Doors with no constructive chain IQ > R > R > R > lock from any IQ site (each hop
 * checked with the format's radio model). Without iqSites an IQ may stand at the door
 * itself, so every door on its floor is reachable.
 */
export function unreachableDoors(site: SiteSurvey): string[] {
  if (site.iqSites.length === 0) return [];
  const floors = new Floors(site);
  const sites: FloorPoint[] = site.iqSites.map((s) => ({ floor: s.floor, level: floors.level(s.floor), x: s.x, y: s.y }));
  const index = new GridIndex(sites, site.radio);
  const out: string[] = [];
  for (const d of site.doors) {
    const p: FloorPoint = { floor: d.floor, level: floors.level(d.floor), x: d.x, y: d.y };
    const near = index.within(p, 4 * site.radio.hopRangeM);
    if (!near.some((i) => buildChain(floors, site.radio, sites[i]!, p, 3) !== null)) out.push(d.id);
  }
  return out;
}
