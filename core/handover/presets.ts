import { z } from "zod";
import { NOT_CLOSED_AFTER_SECONDS, NotClosedAlert, NotificationRule } from "../domain/index.ts";
import type { AppError } from "../errors/index.ts";
import type { IdSource } from "../ports/ids.ts";
import { checkNotClosedAlerts, checkNotificationRules, type NotificationView } from "../rules/notifications.ts";
import type { SiteStore } from "../store/index.ts";

/**
 * The owner presets as the site file keeps them (migration 0009, `handover_presets`):
 * the notification rules and one NOT CLOSED switch per lock. Locks added after the
 * presets were saved get the vendor's default, alert on (L281: "pre fixed in every
 * Owner's account").
 */
export const OwnerPresets = z.object({
  rules: z.array(NotificationRule).max(1000),
  notClosed: z.array(NotClosedAlert).max(100_000),
});
export type OwnerPresets = z.infer<typeof OwnerPresets>;

/** A rule as the presets form sends it: an id only when it edits a saved rule. */
export const RuleDraft = NotificationRule.extend({ id: NotificationRule.shape.id.optional() });
export type RuleDraft = z.input<typeof RuleDraft>;

export const PresetsDraft = z.object({
  rules: z.array(RuleDraft).max(1000),
  notClosed: z.array(z.object({ lockId: z.uuid(), enabled: z.boolean() })).max(100_000).default([]),
  /** Only 38 is accepted: the delay is the product's (L291). */
  notClosedAfterSeconds: z.number().int().default(NOT_CLOSED_AFTER_SECONDS),
});
export type PresetsDraft = z.input<typeof PresetsDraft>;

export interface NotClosedRow {
  readonly lockId: string;
  readonly lockName: string;
  readonly doorName: string;
  readonly enabled: boolean;
}

export interface PresetsView {
  /** False until the installer saved presets once (the checklist asks for it). */
  readonly saved: boolean;
  readonly savedAt: string | null;
  readonly rules: readonly NotificationRule[];
  /** Every lock of the site, in lock order. */
  readonly notClosed: readonly NotClosedRow[];
  readonly notClosedAfterSeconds: number;
  /** Saved presets that no longer fit the site (a door or person removed since): what to fix. */
  readonly problem: { readonly code: string; readonly message: string } | null;
}

type Reader = Pick<SiteStore, "list">;

export function notificationViewOf(r: Reader): NotificationView {
  return {
    users: new Map(r.list("user").map((u) => [u.id, u])),
    doorIds: new Set(r.list("door").map((d) => d.id)),
    lockIds: new Set(r.list("lock").map((l) => l.id)),
  };
}

/** What the form shows: the saved presets (or the defaults) against the site as it is now. */
export function presetsView(r: Reader, saved: { readonly doc: OwnerPresets; readonly savedAt: string } | null): PresetsView {
  const doors = new Map(r.list("door").map((d) => [d.id, d.name]));
  const switches = new Map((saved?.doc.notClosed ?? []).map((a) => [a.lockId, a.enabled]));
  const notClosed = r.list("lock").map((l) => ({ lockId: l.id, lockName: l.name, doorName: doors.get(l.doorId) ?? "", enabled: switches.get(l.id) ?? true }));
  const problem = saved ? presetsProblem(r, saved.doc) : null;
  return {
    saved: saved !== null,
    savedAt: saved?.savedAt ?? null,
    rules: saved?.doc.rules ?? [],
    notClosed,
    notClosedAfterSeconds: NOT_CLOSED_AFTER_SECONDS,
    problem: problem ? { code: problem.code, message: problem.message } : null,
  };
}

/** Saved presets checked again against the site now (locks deleted since are simply dropped from the switches). */
export function presetsProblem(r: Reader, doc: OwnerPresets): AppError | null {
  const view = notificationViewOf(r);
  return checkNotificationRules(view, doc.rules) ?? checkNotClosedAlerts(view, doc.notClosed.filter((a) => view.lockIds.has(a.lockId)));
}

/**
 * The presets to store from what the form sent: new rules get ids, every lock gets a
 * switch (on unless the form said off), and the whole is checked by the rules first.
 */
export function presetsFromDraft(r: Reader, draft: PresetsDraft, ids: IdSource): { readonly doc: OwnerPresets } | { readonly refusal: AppError } {
  const d = PresetsDraft.parse(draft);
  const view = notificationViewOf(r);
  const rules = d.rules.map((rule) => NotificationRule.parse({ ...rule, id: rule.id ?? ids.next() }));
  const refusal = checkNotificationRules(view, rules) ?? checkNotClosedAlerts(view, d.notClosed, d.notClosedAfterSeconds);
  if (refusal) return { refusal };
  const off = new Map(d.notClosed.map((a) => [a.lockId, a.enabled]));
  const notClosed = r.list("lock").map((l) => ({ lockId: l.id, enabled: off.get(l.id) ?? true }));
  return { doc: { rules, notClosed } };
}
