import { Position, type Door, type Lock, type Repeater } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";
import type { MeshPlan } from "../topology/format.ts";
import type { DeviceSlot } from "./records.ts";
import { attachOrder } from "./tree-limits.ts";

type SlotInput = Pick<DeviceSlot, "ref" | "role" | "name" | "parentRef"> & Partial<DeviceSlot>;

/** A slot with every optional field at its default. */
export function slot(input: SlotInput): DeviceSlot {
  return {
    deviceId: null,
    doorId: null,
    lockId: null,
    repeaterId: null,
    position: null,
    attachedAt: null,
    test: null,
    ...input,
  };
}

/** One planned IQ's repeaters (parents first) and lock entries, from the plan. */
export function plannedTree(plan: MeshPlan, planIqId: string): { readonly repeaters: MeshPlan["repeaters"]; readonly locks: MeshPlan["locks"] } {
  if (!plan.iqs.some((q) => q.id === planIqId)) {
    throw new AppError("commissioning.unknown_planned_iq", `The plan has no IQ "${planIqId}".`, { planIqId, planned: plan.iqs.map((q) => q.id) });
  }
  const inTree = new Set<string>([planIqId]);
  // Repeaters hang on the IQ or on repeaters already in the tree: grow until stable.
  const repeaters: MeshPlan["repeaters"][number][] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of plan.repeaters) {
      if (!inTree.has(r.id) && inTree.has(r.parent)) {
        inTree.add(r.id);
        repeaters.push(r);
        grew = true;
      }
    }
  }
  return { repeaters, locks: plan.locks.filter((l) => inTree.has(l.parent)) };
}

/**
 * The devices one planned IQ attaches, from a stored plan: its repeaters (ref = the
 * plan's repeater id) and the locks of its doors (ref = the door id), parents first.
 * A lock already in the site keeps its id and Device ID; a door without a lock gets
 * one when it is attached.
 */
export function slotsFromPlan(plan: MeshPlan, planIqId: string, site: { readonly doors: readonly Door[]; readonly locks: readonly Lock[] }): DeviceSlot[] {
  const { repeaters, locks } = plannedTree(plan, planIqId);
  const parentRef = (p: string) => (p === planIqId ? null : p);
  const doors = new Map(site.doors.map((d) => [d.id, d]));
  const lockOf = new Map(site.locks.map((l) => [l.doorId, l]));
  const slots: DeviceSlot[] = repeaters.map((r) => {
    const position = Position.safeParse({ floorId: r.floor, x: r.x, y: r.y });
    return slot({ ref: r.id, role: "repeater", name: `Repeater ${r.id}`, parentRef: parentRef(r.parent), position: position.success ? position.data : null });
  });
  for (const l of locks) {
    const door = doors.get(l.door);
    if (!door) throw new AppError("commissioning.plan_door_missing", `The plan names a door that is no longer in the site (${l.door}). Plan again first.`, { doorId: l.door });
    const lock = lockOf.get(door.id);
    slots.push(slot({ ref: door.id, role: "lock", name: lock?.name ?? door.name, parentRef: parentRef(l.parent), doorId: door.id, lockId: lock?.id ?? null, deviceId: lock?.deviceId ?? null }));
  }
  return attachOrder(slots);
}

/**
 * The tree an IQ holds in the site file, as slots to attach to another IQ (replace
 * IQ): refs are the repeaters' ids and the locks' door ids, Device IDs as recorded.
 */
export function slotsFromSiteTree(iqId: string, site: { readonly locks: readonly Lock[]; readonly repeaters: readonly Repeater[] }): DeviceSlot[] {
  const tree = siteTreeOf(iqId, site);
  // A repeater's ref is its own id, a lock's its door's.
  const parentRef = (p: Lock["parent"]) => (p === null || p.kind === "iq" ? null : p.id);
  const slots = [
    ...tree.repeaters.map((r) =>
      slot({ ref: r.id, role: "repeater", name: r.name, parentRef: parentRef(r.parent), deviceId: r.deviceId, repeaterId: r.id, position: r.position }),
    ),
    ...tree.locks.map((l) => slot({ ref: l.doorId, role: "lock", name: l.name, parentRef: parentRef(l.parent), deviceId: l.deviceId, doorId: l.doorId, lockId: l.id })),
  ];
  return attachOrder(slots);
}

/** The repeaters and locks hanging (directly or through repeaters) under one IQ in the site file. */
export function siteTreeOf(iqId: string, site: { readonly locks: readonly Lock[]; readonly repeaters: readonly Repeater[] }): { repeaters: Repeater[]; locks: Lock[] } {
  const repeaters: Repeater[] = [];
  const under = new Set<string>();
  const hangsHere = (p: Lock["parent"]) => p !== null && ((p.kind === "iq" && p.id === iqId) || (p.kind === "repeater" && under.has(p.id)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of site.repeaters) {
      if (!under.has(r.id) && hangsHere(r.parent)) {
        under.add(r.id);
        repeaters.push(r);
        grew = true;
      }
    }
  }
  return { repeaters, locks: site.locks.filter((l) => hangsHere(l.parent)) };
}
