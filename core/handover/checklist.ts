import type { SiteStore } from "../store/index.ts";
import type { CloudSite } from "./cloud-handover.ts";
import { presetsProblem, type OwnerPresets } from "./presets.ts";
import type { SyncView } from "./records.ts";
import { checkTrees } from "./tree-check.ts";

/**
 * The handover checklist: what must hold before the owner is invited and before the
 * site is released. Each item is ok, failing (with the ids at fault and what to do),
 * or unknown (Lintel cannot tell: not signed in, the cloud unreachable). The handover
 * goes ahead only when every item is ok.
 */

export const CHECKLIST_ITEMS = ["iqs-online", "doors-tested", "trees-valid", "subscription", "sync-clean", "presets"] as const;
export type ChecklistItemId = (typeof CHECKLIST_ITEMS)[number];
export type ItemState = "ok" | "failing" | "unknown";

export interface Problem {
  /** The entity at fault (IQ, lock, door, ...) or the rule's name when there is no single one. */
  readonly id: string;
  readonly label: string;
  readonly message: string;
}

export interface ChecklistItem {
  readonly id: ChecklistItemId;
  readonly title: string;
  readonly state: ItemState;
  /** One sentence: what holds, or what is wrong. */
  readonly summary: string;
  /** The first problems (at most {@link MAX_PROBLEMS}); `problemCount` says how many in all. */
  readonly problems: readonly Problem[];
  readonly problemCount: number;
  /** What to do about it; null when the item is ok. */
  readonly action: string | null;
  readonly ksCode: number | null;
}

export interface Checklist {
  readonly passed: boolean;
  readonly checkedAt: string;
  readonly items: readonly ChecklistItem[];
}

/** What the cloud said about the site, or why it could not. */
export type CloudView =
  | { readonly kind: "signed-out" }
  | { readonly kind: "not-in-cloud" }
  | { readonly kind: "error"; readonly code: string; readonly message: string; readonly ksCode: number | null }
  | { readonly kind: "site"; readonly site: CloudSite };

export interface ChecklistInput {
  readonly store: Pick<SiteStore, "list" | "latestPlan" | "site">;
  readonly sync: SyncView;
  readonly cloud: CloudView;
  readonly presets: { readonly doc: OwnerPresets; readonly savedAt: string } | null;
  readonly now: number;
}

export const MAX_PROBLEMS = 50;

type Draft = Omit<ChecklistItem, "problems" | "problemCount"> & { readonly problems?: readonly Problem[] };

function item(d: Draft): ChecklistItem {
  const all = d.problems ?? [];
  return { ...d, problems: all.slice(0, MAX_PROBLEMS), problemCount: all.length, action: d.state === "ok" ? null : d.action };
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function computeChecklist(input: ChecklistInput): Checklist {
  const items = [iqsOnline(input), doorsTested(input), treesValid(input), subscription(input), syncClean(input), presets(input)];
  return { passed: items.every((i) => i.state === "ok"), checkedAt: new Date(input.now).toISOString(), items };
}

/** Every IQ activated and connected to the cloud, as commissioning last saw it. */
function iqsOnline({ store }: ChecklistInput): ChecklistItem {
  const title = "Every IQ online";
  const iqs = store.list("iq");
  if (iqs.length === 0) {
    return item({ id: "iqs-online", title, state: "failing", summary: "The site has no IQ; a site needs at least one.", problems: [], action: "Add and commission an IQ (Commission).", ksCode: null });
  }
  const problems: Problem[] = [];
  for (const q of iqs) {
    if (q.activation !== "activated") problems.push({ id: q.id, label: q.name, message: `not activated in the cloud (${q.activation})` });
    else if (!q.cloudConnected) problems.push({ id: q.id, label: q.name, message: "offline: not connected to the cloud (KS 3105)" });
  }
  if (problems.length === 0) return item({ id: "iqs-online", title, state: "ok", summary: `${count(iqs.length, "IQ")} activated and online.`, action: null, ksCode: null });
  return item({
    id: "iqs-online",
    title,
    state: "failing",
    summary: `${count(problems.length, "IQ")} of ${iqs.length} not online.`,
    problems,
    action: "Check the IQ's network and power, then run its cloud step again (Commission).",
    ksCode: 3105,
  });
}

/** Every door has a lock whose latest door test opened it. */
function doorsTested({ store }: ChecklistInput): ChecklistItem {
  const title = "Every door tested";
  const doors = store.list("door");
  const lockOf = new Map(store.list("lock").map((l) => [l.doorId, l]));
  const latest = new Map<string, { outcome: string; at: string }>();
  for (const t of store.list("doorTest")) {
    const seen = latest.get(t.lockId);
    if (!seen || seen.at <= t.at) latest.set(t.lockId, t);
  }
  if (doors.length === 0) return item({ id: "doors-tested", title, state: "failing", summary: "The site has no doors.", action: "Add the doors and their locks first.", ksCode: null });
  const problems: Problem[] = [];
  for (const d of doors) {
    const lock = lockOf.get(d.id);
    if (!lock) {
      problems.push({ id: d.id, label: d.name, message: "no lock on this door" });
      continue;
    }
    const t = latest.get(lock.id);
    if (!t) problems.push({ id: lock.id, label: lock.name, message: "not tested yet" });
    else if (t.outcome !== "opened") problems.push({ id: lock.id, label: lock.name, message: `last test: ${t.outcome}` });
  }
  if (problems.length === 0) return item({ id: "doors-tested", title, state: "ok", summary: `${count(doors.length, "door")}, each opened in its last test.`, action: null, ksCode: null });
  return item({
    id: "doors-tested",
    title,
    state: "failing",
    summary: `${count(problems.length, "door")} of ${doors.length} not tested with success.`,
    problems,
    action: "Test these doors (Commission → Test), fix what fails, or remove a door that has no lock.",
    ksCode: null,
  });
}

function treesValid({ store }: ChecklistInput): ChecklistItem {
  const title = "No invalid IQ tree";
  const check = checkTrees(store);
  const what = check.source === "as-built" ? "as built" : check.source === "plan" ? "in the latest plan" : "";
  if (check.violations.length === 0) {
    const hops = check.source === "as-built" && !check.hopsChecked ? " (hop lengths unchecked: some devices have no place)" : "";
    return item({ id: "trees-valid", title, state: "ok", summary: `Every IQ tree ${what} keeps the KS limits${hops}.`, action: null, ksCode: null });
  }
  const problems = check.violations.map((v) => ({ id: v.ids[0] ?? v.rule, label: v.rule, message: v.message }));
  return item({
    id: "trees-valid",
    title,
    state: "failing",
    summary: check.source === "none" ? "There is no IQ tree to check." : `${count(check.violations.length, "broken rule")} ${what} (KS 2204).`,
    problems,
    action: check.source === "plan" ? "Fix the plan (Plan), then commission it." : "Re-attach the devices as the plan says (Commission → As built), or plan again.",
    ksCode: check.source === "none" ? null : 2204,
  });
}

function subscription({ cloud, store, now }: ChecklistInput): ChecklistItem {
  const title = "Subscription valid";
  const id = "subscription" as const;
  if (cloud.kind === "signed-out") {
    const local = store.site().subscription;
    const known = local ? ` The site file last saw ${local.plan} until ${local.validUntil.slice(0, 10)}.` : "";
    return item({ id, title, state: "unknown", summary: `Only the KS cloud can tell.${known}`, action: "Sign in to the KS cloud.", ksCode: null });
  }
  if (cloud.kind === "not-in-cloud") {
    return item({ id, title, state: "failing", summary: "The site is not in the KS cloud yet.", action: "Sync the site with a subscription.", ksCode: null });
  }
  if (cloud.kind === "error") {
    return item({ id, title, state: "unknown", summary: `The KS cloud did not answer: ${cloud.message}`, action: "Check the connection and check again.", ksCode: cloud.ksCode });
  }
  const sub = cloud.site.subscription;
  if (!sub) {
    return item({ id, title, state: "failing", summary: "The site has no subscription: the cloud refuses its content (KS 2212).", action: "Put a subscription on the site (Sync).", ksCode: 2212 });
  }
  if (Date.parse(sub.validUntil) <= now) {
    return item({ id, title, state: "failing", summary: `${sub.plan} ended on ${sub.validUntil.slice(0, 10)} (KS 2212).`, action: "Renew the subscription or put another one on the site.", ksCode: 2212 });
  }
  return item({ id, title, state: "ok", summary: `${sub.plan}, valid until ${sub.validUntil.slice(0, 10)}.`, action: null, ksCode: null });
}

function syncClean({ sync }: ChecklistInput): ChecklistItem {
  const title = "Sync clean";
  const id = "sync-clean" as const;
  const problems: Problem[] = [
    ...sync.setAside.map((s) => ({ id: s.entityId, label: s.entity, message: `refused by the cloud: ${s.message}` })),
    ...sync.conflicts.map((c) => ({ id: c.entityId, label: c.entity, message: "changed here and in the cloud: choose which to keep" })),
  ];
  const waiting = sync.pending.reduce((n, p) => n + p.count, 0);
  const parts: string[] = [];
  if (sync.lastSyncedAt === null) parts.push("never synced");
  if (waiting > 0) parts.push(`${count(waiting, "change")} waiting (${sync.pending.map((p) => `${p.entity} ${p.count}`).join(", ")})`);
  if (sync.inflight) parts.push("a batch is still on its way");
  if (sync.setAside.length > 0) parts.push(`${count(sync.setAside.length, "change")} set aside`);
  if (sync.conflicts.length > 0) parts.push(`${count(sync.conflicts.length, "conflict")} open`);
  if (parts.length === 0) return item({ id, title, state: "ok", summary: `Everything is in the cloud (last sync ${sync.lastSyncedAt}).`, action: null, ksCode: null });
  return item({
    id,
    title,
    state: "failing",
    summary: `${parts.join("; ")}.`,
    problems,
    action: sync.setAside.length > 0 || sync.conflicts.length > 0 ? "Resolve the conflicts and set-aside changes, then sync again." : "Sync the site.",
    ksCode: null,
  });
}

function presets({ presets, store }: ChecklistInput): ChecklistItem {
  const title = "Owner presets set up";
  const id = "presets" as const;
  if (!presets) {
    return item({ id, title, state: "failing", summary: "Notification rules and NOT CLOSED alerts are not set up yet.", action: "Set up the owner presets below and save them.", ksCode: null });
  }
  const problem = presetsProblem(store, presets.doc);
  if (problem) return item({ id, title, state: "failing", summary: problem.message, problems: [{ id: problem.code, label: problem.code, message: problem.message }], action: "Fix the presets and save them again.", ksCode: null });
  const on = presets.doc.notClosed.filter((a) => a.enabled).length;
  return item({ id, title, state: "ok", summary: `${count(presets.doc.rules.length, "notification rule")}, NOT CLOSED alerts on ${count(on, "door")}.`, action: null, ksCode: null });
}
