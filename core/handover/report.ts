import { createHash } from "node:crypto";
import { NOT_CLOSED_AFTER_SECONDS, type LockKind } from "../domain/index.ts";
import { canonicalJson } from "../store/canonical-json.ts";
import type { SiteStore } from "../store/index.ts";
import type { OwnerPresets } from "./presets.ts";

/**
 * What a handover report describes: the site, who hands over to whom, the hardware
 * with serials and firmware, the mesh (where each IQ, repeater and lock is and what it
 * hangs on), link quality per lock, the door tests, counts of people and tags, and the
 * owner presets. The report's hash is SHA-256 over the canonical JSON of exactly this
 * object (`reportHash`): the same site gives the same hash whenever the report is made,
 * and any change to what the report shows changes it. The date the report is printed
 * is not part of it.
 */

export const REPORT_FORMAT = "lintel-handover-report/1";

export interface MeshNode {
  readonly kind: "iq" | "repeater" | "lock";
  readonly id: string;
  readonly name: string;
  readonly floorId: string;
  readonly x: number;
  readonly y: number;
}

export interface MeshHop {
  /** The child (a repeater or lock) and the parent it hangs on. */
  readonly from: string;
  readonly to: string;
  readonly linkQuality: number | null;
}

export interface ReportState {
  readonly format: typeof REPORT_FORMAT;
  readonly site: { readonly id: string; readonly name: string; readonly address: string; readonly timezone: string };
  readonly owner: { readonly name: string | null; readonly email: string | null };
  readonly installer: { readonly email: string | null };
  readonly floors: readonly { readonly id: string; readonly name: string; readonly level: number; readonly widthM: number; readonly depthM: number }[];
  readonly iqs: readonly {
    readonly id: string;
    readonly name: string;
    readonly model: string;
    readonly serial: string | null;
    readonly firmware: string | null;
    readonly mac: string | null;
    readonly activation: string;
    readonly online: boolean;
    readonly network: string;
  }[];
  readonly repeaters: readonly {
    readonly id: string;
    readonly name: string;
    readonly deviceId: string | null;
    readonly parent: string | null;
    readonly linkQuality: number | null;
  }[];
  readonly locks: readonly {
    readonly id: string;
    readonly name: string;
    readonly door: string;
    readonly floor: string;
    readonly kind: LockKind;
    readonly deviceId: string | null;
    readonly parent: string | null;
    readonly linkQuality: number | null;
    readonly rssi: number | null;
    readonly test: { readonly outcome: string; readonly latencyMs: number; readonly at: string; readonly tests: number } | null;
  }[];
  readonly mesh: {
    /** What the map shows: the trees as built, the latest plan before anything is attached, or nothing. */
    readonly source: "as-built" | "plan" | "none";
    readonly nodes: readonly MeshNode[];
    readonly hops: readonly MeshHop[];
  };
  readonly counts: {
    readonly floors: number;
    readonly doors: number;
    readonly locks: number;
    readonly iqs: number;
    readonly repeaters: number;
    readonly users: number;
    readonly tags: number;
    readonly tagsAssigned: number;
    readonly tagsBlocked: number;
    readonly doorsOpened: number;
  };
  readonly presets: { readonly saved: boolean; readonly notificationRules: number; readonly notClosedOn: number; readonly notClosedAfterSeconds: number };
}

export interface DescribeInput {
  readonly store: Pick<SiteStore, "list" | "site" | "latestPlan">;
  readonly presets: OwnerPresets | null;
  /** The owner's e-mail as the handover knows it (invited or transferred); else the site's Owner user. */
  readonly ownerEmail: string | null;
  readonly installerEmail: string | null;
}

const byName = <T extends { readonly name: string; readonly id: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function describeSite(input: DescribeInput): ReportState {
  const { store } = input;
  const site = store.site();
  const floors = store.list("floor").sort((a, b) => a.level - b.level || byName(a, b));
  const floorName = new Map(floors.map((f) => [f.id, f.name]));
  const floorLevel = new Map(floors.map((f) => [f.id, f.level]));
  const doors = new Map(store.list("door").map((d) => [d.id, d]));
  const iqs = store.list("iq").sort(byName);
  const repeaters = store.list("repeater").sort(byName);
  const users = store.list("user");
  const tags = store.list("tag");
  const devices = new Map(store.list("iqDevice").map((d) => [d.lockId ?? d.repeaterId ?? d.id, d]));
  const names = new Map<string, string>([...iqs.map((q) => [q.id, q.name] as const), ...repeaters.map((r) => [r.id, r.name] as const)]);

  const tests = new Map<string, { outcome: string; latencyMs: number; at: string; tests: number }>();
  for (const t of store.list("doorTest")) {
    const seen = tests.get(t.lockId);
    const n = (seen?.tests ?? 0) + 1;
    if (!seen || seen.at < t.at || (seen.at === t.at && t.outcome === "opened")) tests.set(t.lockId, { outcome: t.outcome, latencyMs: t.latencyMs, at: t.at, tests: n });
    else tests.set(t.lockId, { ...seen, tests: n });
  }

  const locks = store
    .list("lock")
    .map((l) => {
      const door = doors.get(l.doorId);
      const dev = devices.get(l.id);
      return {
        id: l.id,
        name: l.name,
        door: door?.name ?? "",
        floor: door ? (floorName.get(door.floorId) ?? "") : "",
        level: door ? (floorLevel.get(door.floorId) ?? 0) : 0,
        kind: l.hardware.kind,
        deviceId: l.deviceId,
        parent: l.parent ? (names.get(l.parent.id) ?? l.parent.id) : null,
        linkQuality: dev?.linkQuality ?? null,
        rssi: dev?.rssi ?? null,
        test: tests.get(l.id) ?? null,
      };
    })
    .sort((a, b) => a.level - b.level || (a.door < b.door ? -1 : a.door > b.door ? 1 : a.id < b.id ? -1 : 1))
    .map(({ level: _level, ...rest }) => rest);

  const ownerEmail = input.ownerEmail ?? users.find((u) => u.role === "owner")?.email ?? null;
  const ownerUser = ownerEmail === null ? undefined : users.find((u) => u.email !== null && u.email.toLowerCase() === ownerEmail.toLowerCase());

  return {
    format: REPORT_FORMAT,
    site: { id: site.id, name: site.name, address: site.address, timezone: site.timezone },
    owner: { name: ownerUser ? `${ownerUser.firstName} ${ownerUser.lastName}` : null, email: ownerEmail },
    installer: { email: input.installerEmail },
    floors: floors.map((f) => ({ id: f.id, name: f.name, level: f.level, widthM: f.widthM, depthM: f.depthM })),
    iqs: iqs.map((q) => ({
      id: q.id,
      name: q.name,
      model: q.model,
      serial: q.serial,
      firmware: q.firmware,
      mac: q.mac,
      activation: q.activation,
      online: q.cloudConnected,
      network: q.network.kind === "wifi" ? `wifi ${q.network.ssid}` : q.network.kind,
    })),
    repeaters: repeaters.map((r) => ({ id: r.id, name: r.name, deviceId: r.deviceId, parent: r.parent ? (names.get(r.parent.id) ?? r.parent.id) : null, linkQuality: devices.get(r.id)?.linkQuality ?? null })),
    locks,
    mesh: meshOf(store, devices),
    counts: {
      floors: floors.length,
      doors: doors.size,
      locks: locks.length,
      iqs: iqs.length,
      repeaters: repeaters.length,
      users: users.length,
      tags: tags.length,
      tagsAssigned: tags.filter((t) => t.state === "assigned").length,
      tagsBlocked: tags.filter((t) => t.state === "blocked").length,
      doorsOpened: locks.filter((l) => l.test?.outcome === "opened").length,
    },
    presets: {
      saved: input.presets !== null,
      notificationRules: input.presets?.rules.length ?? 0,
      notClosedOn: input.presets?.notClosed.filter((a) => a.enabled).length ?? 0,
      notClosedAfterSeconds: NOT_CLOSED_AFTER_SECONDS,
    },
  };
}

/** Where everything stands and what hangs on what: as built when anything is attached, else as planned. */
function meshOf(store: DescribeInput["store"], devices: ReadonlyMap<string, { readonly linkQuality: number | null }>): ReportState["mesh"] {
  const doors = new Map(store.list("door").map((d) => [d.id, d]));
  const locks = store.list("lock");
  const repeaters = store.list("repeater");
  const nodes: MeshNode[] = [];
  const hops: MeshHop[] = [];
  if (locks.some((l) => l.parent !== null) || repeaters.some((r) => r.parent !== null)) {
    for (const q of store.list("iq")) if (q.position) nodes.push({ kind: "iq", id: q.id, name: q.name, ...q.position });
    for (const r of repeaters) {
      if (r.position) nodes.push({ kind: "repeater", id: r.id, name: r.name, ...r.position });
      if (r.parent) hops.push({ from: r.id, to: r.parent.id, linkQuality: devices.get(r.id)?.linkQuality ?? null });
    }
    for (const l of locks) {
      const d = doors.get(l.doorId);
      if (d) nodes.push({ kind: "lock", id: l.id, name: l.name, floorId: d.floorId, x: d.x, y: d.y });
      if (l.parent) hops.push({ from: l.id, to: l.parent.id, linkQuality: devices.get(l.id)?.linkQuality ?? null });
    }
    return { source: "as-built", nodes, hops };
  }
  const plan = store.latestPlan();
  if (!plan) return { source: "none", nodes, hops };
  const lockOfDoor = new Map(locks.map((l) => [l.doorId, l]));
  plan.plan.iqs.forEach((q, i) => nodes.push({ kind: "iq", id: q.id, name: `IQ ${i + 1}`, floorId: q.floor, x: q.x, y: q.y }));
  plan.plan.repeaters.forEach((r, i) => {
    nodes.push({ kind: "repeater", id: r.id, name: `R${i + 1}`, floorId: r.floor, x: r.x, y: r.y });
    hops.push({ from: r.id, to: r.parent, linkQuality: null });
  });
  for (const entry of plan.plan.locks) {
    const d = doors.get(entry.door);
    if (!d) continue;
    const lock = lockOfDoor.get(d.id);
    const id = lock?.id ?? d.id;
    nodes.push({ kind: "lock", id, name: lock?.name ?? d.name, floorId: d.floorId, x: d.x, y: d.y });
    hops.push({ from: id, to: entry.parent, linkQuality: null });
  }
  return { source: "plan", nodes, hops };
}

/** SHA-256 (hex) of the canonical JSON of a described state. */
export function reportHash(state: ReportState): string {
  return createHash("sha256").update(canonicalJson(state), "utf8").digest("hex");
}
