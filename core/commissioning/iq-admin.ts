import { IQ_LIMITS, type Iq } from "../domain/index.ts";
import { AppError, KsError } from "../errors/index.ts";
import type { StoreTx } from "../store/index.ts";
import { rewind, stepIndex } from "./machine.ts";
import { siteTreeOf, slotsFromSiteTree } from "./plan-tree.ts";
import type { CommissioningJob } from "./records.ts";
import { treeProblems } from "./tree-limits.ts";

/** The limits of each IQ model (the vendor publishes one set for both today). */
export const MODEL_LIMITS: Readonly<Record<Iq["model"], typeof IQ_LIMITS>> = { "IQ 2.0": IQ_LIMITS, "IQ 3.0": IQ_LIMITS };

type Reader = Pick<StoreTx, "get" | "list">;

function iqOf(r: Reader, iqId: string): Iq {
  const iq = r.get("iq", iqId);
  if (!iq) throw new AppError("iq.not_found", "That IQ is not part of this site.", { iqId });
  return iq;
}

/** What hangs on an IQ in the site file: repeaters, locks (through repeaters too) and as-built rows. */
export function attachedTo(r: Reader, iqId: string): { readonly repeaterIds: string[]; readonly lockIds: string[]; readonly deviceIds: string[] } {
  const tree = siteTreeOf(iqId, { locks: r.list("lock"), repeaters: r.list("repeater") });
  const rows = r.list("iqDevice").filter((d) => d.iqId === iqId);
  return { repeaterIds: tree.repeaters.map((x) => x.id), lockIds: tree.locks.map((x) => x.id), deviceIds: rows.map((d) => d.deviceId) };
}

function isEmpty(a: ReturnType<typeof attachedTo>): boolean {
  return a.repeaterIds.length === 0 && a.lockIds.length === 0 && a.deviceIds.length === 0;
}

/**
 * Deletes an IQ that has nothing attached (KS 2209 otherwise), with its commissioning
 * job. Returns the job (so the caller can forget its session and vault entries) and
 * the vault keys only this IQ used.
 */
export function deleteIq(tx: StoreTx, iqId: string): { readonly iq: Iq; readonly job: CommissioningJob | undefined; readonly vaultKeys: readonly string[] } {
  const iq = iqOf(tx, iqId);
  const attached = attachedTo(tx, iqId);
  if (!isEmpty(attached)) {
    const n = attached.repeaterIds.length + attached.lockIds.length;
    throw new KsError(2209, {
      message: `IQ "${iq.name}" still has ${n || attached.deviceIds.length} device${(n || attached.deviceIds.length) === 1 ? "" : "s"} attached. Detach them, or replace the IQ, first.`,
      details: { iqId, ...attached },
    });
  }
  const job = tx.list("commissioningJob").find((j) => j.iqId === iqId);
  if (job) tx.remove("commissioningJob", job.id);
  tx.remove("iq", iqId);
  // A Wi-Fi passphrase is shared by SSID across IQs and stays; a SIM PIN is this IQ's own.
  const keys = iq.network.kind === "cellular" && iq.network.pinRef !== null ? [iq.network.pinRef] : [];
  return { iq, job, vaultKeys: keys };
}

/** Why a replacement is refused (KS 2206), in the details. */
export type ReplaceRefusal = "same-iq" | "not-identified" | "not-empty" | "model" | "limits";

function refuse(reason: ReplaceRefusal, message: string, details: Record<string, unknown>): KsError {
  return new KsError(2206, { message, details: { reason, ...details } });
}

/**
 * Moves the whole tree of `oldIqId` (repeaters, locks, as-built rows and its place in
 * the plan) to `newIqId`, in the caller's action. Refused with KS 2206 when the new IQ
 * is the same, not yet identified over Bluetooth, not empty, of another model, or
 * cannot hold the tree. The new IQ's job (if any) then goes to its attach step with
 * the moved devices, so running it attaches them to the new box.
 */
export function replaceIq(tx: StoreTx, oldIqId: string, newIqId: string): { readonly moved: { readonly repeaters: number; readonly locks: number }; readonly newJob: CommissioningJob | undefined } {
  if (oldIqId === newIqId) throw refuse("same-iq", "An IQ cannot replace itself. Pick the new IQ.", { oldIqId, newIqId });
  const oldIq = iqOf(tx, oldIqId);
  const newIq = iqOf(tx, newIqId);
  if (newIq.serial === null) {
    throw refuse("not-identified", `"${newIq.name}" has not been identified over Bluetooth yet. Commission it up to the identify step first.`, { newIqId });
  }
  const onNew = attachedTo(tx, newIqId);
  if (!isEmpty(onNew)) {
    throw refuse("not-empty", `"${newIq.name}" already has devices attached; a replacement IQ must be empty.`, { newIqId, ...onNew });
  }
  if (newIq.model !== oldIq.model) {
    throw refuse("model", `"${newIq.name}" is an ${newIq.model}, "${oldIq.name}" an ${oldIq.model}: a tree moves only to the same model.`, { oldModel: oldIq.model, newModel: newIq.model });
  }
  const site = { locks: tx.list("lock"), repeaters: tx.list("repeater") };
  const slots = slotsFromSiteTree(oldIqId, site);
  const problems = treeProblems(slots, MODEL_LIMITS[newIq.model]);
  if (problems.length > 0) {
    throw refuse("limits", `The tree of "${oldIq.name}" does not fit an ${newIq.model}: ${problems.map((p) => p.message).join("; ")}.`, { problems });
  }

  // Only the top of the tree names the IQ; everything below hangs on repeaters that move with it.
  const onOld = (p: { kind: string; id: string } | null) => p !== null && p.kind === "iq" && p.id === oldIqId;
  const parent = { kind: "iq" as const, id: newIqId };
  for (const r of site.repeaters) if (onOld(r.parent)) tx.update("repeater", r.id, { ...r, parent });
  for (const l of site.locks) if (onOld(l.parent)) tx.update("lock", l.id, { ...l, parent });
  for (const d of tx.list("iqDevice")) if (d.iqId === oldIqId) tx.update("iqDevice", d.id, { ...d, iqId: newIqId });

  const jobs = tx.list("commissioningJob");
  const oldJob = jobs.find((j) => j.iqId === oldIqId);
  let newJob = jobs.find((j) => j.iqId === newIqId);
  const at = tx.at;
  // The planned IQ is the new box now: the plan reference moves with the tree.
  if (oldJob && oldJob.planId !== null) tx.update("commissioningJob", oldJob.id, { ...oldJob, planId: null, planIqId: null, updatedAt: at });
  if (newJob) {
    const devices = slots.map((s) => ({ ...s, attachedAt: null, test: null }));
    const base = stepIndex(newJob.step) > stepIndex("attach") ? rewind(newJob, "attach", at) : newJob;
    newJob = tx.update("commissioningJob", newJob.id, {
      ...base,
      devices,
      unknownOnIq: [],
      planId: oldJob?.planId ?? newJob.planId,
      planIqId: oldJob?.planIqId ?? newJob.planIqId,
      updatedAt: at,
    });
  }
  const tree = siteTreeOf(newIqId, { locks: tx.list("lock"), repeaters: tx.list("repeater") });
  return { moved: { repeaters: tree.repeaters.length, locks: tree.locks.length }, newJob };
}
