import type { Iq, IqNetwork } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";
import type { StoreTx } from "../store/index.ts";
import { siteTreeOf } from "./plan-tree.ts";
import type { CommissioningJob, DoorTestRecord, TestOutcome, UnknownNode } from "./records.ts";

type Reader = Pick<StoreTx, "get" | "list">;

/** A device of the as-built tree: what the site file holds under the IQ, with what the IQ measured. */
export interface BuiltNode {
  readonly role: "repeater" | "lock";
  /** The lock's or repeater's id. */
  readonly id: string;
  readonly name: string;
  readonly doorId: string | null;
  readonly deviceId: string | null;
  /** The parent in the site file: the IQ or a repeater (by id), with its name. */
  readonly parent: { readonly kind: "iq" | "repeater"; readonly id: string; readonly name: string };
  readonly linkQuality: number | null;
  readonly rssi: number | null;
  readonly attachedAt: string | null;
  readonly lastTest: { readonly outcome: TestOutcome; readonly latencyMs: number; readonly at: string } | null;
}

/** A device the job meant to attach (from the plan, or the installer's picks). */
export interface PlannedNode {
  readonly ref: string;
  readonly role: "repeater" | "lock";
  readonly name: string;
  /** The parent slot's ref; null for the IQ. */
  readonly parentRef: string | null;
  readonly deviceId: string | null;
}

export type Difference =
  | { readonly kind: "missing"; readonly role: "repeater" | "lock"; readonly ref: string; readonly name: string; readonly message: string }
  | { readonly kind: "extra"; readonly role: "repeater" | "lock"; readonly id: string | null; readonly deviceId: string | null; readonly name: string; readonly message: string }
  | {
      readonly kind: "wrong-parent";
      readonly role: "repeater" | "lock";
      readonly ref: string;
      readonly id: string;
      readonly name: string;
      readonly expectedParent: string;
      readonly actualParent: string;
      readonly message: string;
    };

export interface AsBuilt {
  readonly iq: {
    readonly id: string;
    readonly name: string;
    readonly serial: string | null;
    readonly model: Iq["model"];
    readonly firmware: string | null;
    readonly mac: string | null;
    /** Without secrets: a Wi-Fi network names its vault key, never its passphrase. */
    readonly network: IqNetwork;
    readonly cloudConnected: boolean;
  };
  readonly jobId: string | null;
  /** Null when the IQ has no job, so nothing to compare with. */
  readonly planned: readonly PlannedNode[] | null;
  /** Whether the job's tree came from the site's latest plan (false: plan again or compare with care). */
  readonly planIsLatest: boolean | null;
  readonly built: readonly BuiltNode[];
  /** Devices the IQ reported that the site file does not know. */
  readonly unknownOnIq: readonly UnknownNode[];
  readonly differences: readonly Difference[];
}

/**
 * The IQ's tree as built (site file, link qualities, latest door tests) next to what
 * its job planned, with every difference: planned but not attached (missing),
 * attached but not planned (extra), attached under another parent (wrong parent).
 */
export function asBuiltOf(r: Reader & { latestPlan?: () => { readonly id: string } | undefined }, iqId: string): AsBuilt {
  const iq = r.get("iq", iqId);
  if (!iq) throw new AppError("iq.not_found", "That IQ is not part of this site.", { iqId });
  const job: CommissioningJob | undefined = r.list("commissioningJob").find((j) => j.iqId === iqId);
  const tree = siteTreeOf(iqId, { locks: r.list("lock"), repeaters: r.list("repeater") });
  const rows = new Map(r.list("iqDevice").filter((d) => d.iqId === iqId).map((d) => [d.lockId ?? d.repeaterId, d]));
  const lockIds = new Set(tree.locks.map((l) => l.id));
  const latest = new Map<string, DoorTestRecord>();
  for (const t of r.list("doorTest")) {
    if (!lockIds.has(t.lockId)) continue;
    const seen = latest.get(t.lockId);
    if (!seen || seen.at <= t.at) latest.set(t.lockId, t);
  }
  const repeaterNames = new Map(tree.repeaters.map((x) => [x.id, x.name]));
  const parentOf = (p: { kind: "iq" | "repeater"; id: string }) => ({ ...p, name: p.kind === "iq" ? iq.name : (repeaterNames.get(p.id) ?? p.id) });
  const built: BuiltNode[] = [
    ...tree.repeaters.map((x): BuiltNode => {
      const row = rows.get(x.id);
      return { role: "repeater", id: x.id, name: x.name, doorId: null, deviceId: x.deviceId, parent: parentOf(x.parent!), linkQuality: row?.linkQuality ?? null, rssi: row?.rssi ?? null, attachedAt: row?.attachedAt ?? null, lastTest: null };
    }),
    ...tree.locks.map((l): BuiltNode => {
      const row = rows.get(l.id);
      const t = latest.get(l.id);
      return {
        role: "lock",
        id: l.id,
        name: l.name,
        doorId: l.doorId,
        deviceId: l.deviceId,
        parent: parentOf(l.parent!),
        linkQuality: row?.linkQuality ?? null,
        rssi: row?.rssi ?? null,
        attachedAt: row?.attachedAt ?? null,
        lastTest: t ? { outcome: t.outcome, latencyMs: t.latencyMs, at: t.at } : null,
      };
    }),
  ];

  const differences: Difference[] = [];
  let planned: PlannedNode[] | null = null;
  if (job) {
    planned = job.devices.map((d) => ({ ref: d.ref, role: d.role, name: d.name, parentRef: d.parentRef, deviceId: d.deviceId }));
    const builtById = new Map(built.map((b) => [b.id, b]));
    const lockByDoor = new Map(tree.locks.map((l) => [l.doorId, l.id]));
    const entityOf = new Map<string, string | undefined>(job.devices.map((d) => [d.ref, d.role === "lock" ? (d.lockId ?? (d.doorId === null ? undefined : lockByDoor.get(d.doorId))) : (d.repeaterId ?? undefined)]));
    const matched = new Set<string>();
    const nameOfRef = new Map(job.devices.map((d) => [d.ref, d.name]));
    for (const d of job.devices) {
      const id = entityOf.get(d.ref);
      const b = id === undefined ? undefined : builtById.get(id);
      if (!b) {
        differences.push({ kind: "missing", role: d.role, ref: d.ref, name: d.name, message: `${d.name} is planned on this IQ but not attached.` });
        continue;
      }
      matched.add(b.id);
      const expectedId = d.parentRef === null ? iqId : entityOf.get(d.parentRef);
      if (b.parent.id !== expectedId) {
        const expectedParent = d.parentRef === null ? iq.name : (nameOfRef.get(d.parentRef) ?? d.parentRef);
        differences.push({
          kind: "wrong-parent",
          role: d.role,
          ref: d.ref,
          id: b.id,
          name: d.name,
          expectedParent,
          actualParent: b.parent.name,
          message: `${d.name} hangs on ${b.parent.name}; the plan puts it on ${expectedParent}.`,
        });
      }
    }
    for (const b of built) {
      if (!matched.has(b.id)) differences.push({ kind: "extra", role: b.role, id: b.id, deviceId: b.deviceId, name: b.name, message: `${b.name} is attached to this IQ but not planned on it.` });
    }
    for (const u of job.unknownOnIq) {
      differences.push({ kind: "extra", role: u.role, id: null, deviceId: u.deviceId, name: u.deviceId, message: `The IQ holds a ${u.role} ${u.deviceId} that this site does not know.` });
    }
  }
  const latestPlan = r.latestPlan?.();
  return {
    iq: { id: iq.id, name: iq.name, serial: iq.serial, model: iq.model, firmware: iq.firmware, mac: iq.mac, network: iq.network, cloudConnected: iq.cloudConnected },
    jobId: job?.id ?? null,
    planned,
    planIsLatest: job && job.planId !== null ? job.planId === latestPlan?.id : null,
    built,
    unknownOnIq: job?.unknownOnIq ?? [],
    differences,
  };
}
