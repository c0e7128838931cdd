import type { PlanDiff } from "../api/contract.ts";
import type { StoredPlan } from "../domain/index.ts";
import type { MeshPlan } from "../topology/format.ts";

/**
 * What changed from one plan to the next, as an installer sees it on site: devices
 * are compared by where they stand (kind, floor, x and y to the centimetre), not by
 * their ids, which a new planner run renumbers. Several IQs may share one place, so
 * places are counted, not merely compared.
 */

type DeviceKind = "iq" | "repeater";
interface Device {
  readonly kind: DeviceKind;
  readonly floor: string;
  readonly x: number;
  readonly y: number;
}

const centimetres = (m: number): number => Math.round(m * 100);
const placeKey = (d: Device): string => `${d.kind}|${d.floor}|${centimetres(d.x)}|${centimetres(d.y)}`;
const round2 = (m: number): number => centimetres(m) / 100;

function devices(plan: MeshPlan): Device[] {
  return [
    ...plan.iqs.map((q) => ({ kind: "iq" as const, floor: q.floor, x: q.x, y: q.y })),
    ...plan.repeaters.map((r) => ({ kind: "repeater" as const, floor: r.floor, x: r.x, y: r.y })),
  ];
}

/** Devices of `a` left over after taking away one of each place in `b` (a multiset difference). */
function without(a: readonly Device[], b: readonly Device[]): Device[] {
  const left = new Map<string, number>();
  for (const d of b) left.set(placeKey(d), (left.get(placeKey(d)) ?? 0) + 1);
  const out: Device[] = [];
  for (const d of a) {
    const n = left.get(placeKey(d)) ?? 0;
    if (n > 0) left.set(placeKey(d), n - 1);
    else out.push({ kind: d.kind, floor: d.floor, x: round2(d.x), y: round2(d.y) });
  }
  return out;
}

/** Door id → the place of the device its lock hangs on (undefined when the parent is missing). */
function parentPlaces(plan: MeshPlan): Map<string, string | undefined> {
  const place = new Map<string, string>();
  for (const q of plan.iqs) if (!place.has(q.id)) place.set(q.id, placeKey({ kind: "iq", ...q }));
  for (const r of plan.repeaters) if (!place.has(r.id)) place.set(r.id, placeKey({ kind: "repeater", ...r }));
  return new Map(plan.locks.map((l) => [l.door, place.get(l.parent)]));
}

export function diffPlans(previous: StoredPlan, next: MeshPlan): PlanDiff {
  const before = devices(previous.plan);
  const after = devices(next);
  const wasOn = parentPlaces(previous.plan);
  const movedDoors: string[] = [];
  for (const [door, place] of parentPlaces(next)) {
    // A door new to this plan did not move; it arrived.
    if (wasOn.has(door) && wasOn.get(door) !== place) movedDoors.push(door);
  }
  return {
    previousId: previous.id,
    cost: { before: previous.plan.cost, after: next.cost },
    iqs: { before: previous.plan.iqs.length, after: next.iqs.length },
    repeaters: { before: previous.plan.repeaters.length, after: next.repeaters.length },
    movedDoors,
    addedDevices: without(after, before),
    removedDevices: without(before, after),
  };
}
