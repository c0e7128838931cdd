import { ref, type Ref } from "vue";
import type { Output } from "../../../../core/api/contract.ts";
import type { RuleInput } from "../../../../core/api/features/handover.contract.ts";
import type { NotificationRule, Timeframe, User } from "../../../../core/domain/index.ts";
import { KsError, ksRow } from "../../../../core/errors/index.ts";
import { call } from "../../api/client.ts";
import { describeError } from "../../errors/describe.ts";

export type Checklist = Output<"handover.checklist">;
export type Presets = Output<"handover.presets">;
export type Status = Output<"handover.status">;
export type Report = Output<"handover.report">;

/** A refusal shown next to the button that caused it: the KS code and table message, or the app's words. */
export interface Refusal {
  readonly headline: string;
  readonly detail: string | null;
  /** Checklist items that block the step (handover.checklist_failing). */
  readonly items: readonly { readonly id: string; readonly summary: string }[];
}

export function refusalOf(e: unknown): Refusal {
  const view = describeError(e);
  const details = (e as { details?: { items?: unknown } } | null)?.details;
  const items = Array.isArray(details?.items) ? (details.items as { id: string; summary: string }[]).map((i) => ({ id: i.id, summary: i.summary })) : [];
  if (e instanceof KsError) {
    const vendor = ksRow(e.ksCode)?.message ?? e.message;
    return { headline: `KS ${e.ksCode} · ${vendor}`, detail: e.message !== vendor ? e.message : null, items };
  }
  return { headline: view.title, detail: view.detail ?? (view.hint !== view.title ? view.hint : null), items };
}

export const STEP_LABELS = ["Checklist", "Owner presets", "Invite the owner", "Owner took over", "Released"] as const;

/** Which of the five steps the handover stands at (0-based; 5 when it is over). */
export function currentStep(checklist: Checklist | null, status: Status | null): number {
  if (status?.stage === "released") return 5;
  if (status?.stage === "transferred") return 4;
  if (status?.stage === "invited") return 3;
  if (checklist?.passed) return 2;
  const othersOk = checklist?.items.every((i) => i.id === "presets" || i.state === "ok") ?? false;
  return othersOk ? 1 : 0;
}

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const SHORT_DAYS: Readonly<Record<(typeof WEEKDAYS)[number], string>> = { monday: "Mon", tuesday: "Tue", wednesday: "Wed", thursday: "Thu", friday: "Fri", saturday: "Sat", sunday: "Sun" };

function days(tf: Pick<Timeframe, (typeof WEEKDAYS)[number]>): string {
  const on = WEEKDAYS.filter((d) => tf[d]);
  if (on.length === 7) return "every day";
  if (on.length === 5 && !tf.saturday && !tf.sunday) return "Mon-Fri";
  return on.map((d) => SHORT_DAYS[d]).join(", ");
}

const hhmm = (t: string) => t.slice(0, 5);
const CHANNEL_LABELS = { app: "the app", email: "e-mail", sms: "SMS" } as const;

/** "If anyone opened Room 1 outside Mon-Fri 08:00-18:00 via e-mail, tell Maren Claes." */
export function ruleSentence(rule: RuleInput | NotificationRule, names: { person(id: string): string; door(id: string): string }): string {
  const list = (xs: readonly string[], name: (id: string) => string) => (xs.length <= 3 ? xs.map(name).join(", ") : `${xs.slice(0, 2).map(name).join(", ")} and ${xs.length - 2} more`);
  const who = rule.people === "anyone" ? "anyone" : list(rule.people, names.person);
  const where = rule.doors === "any" ? "any door" : list(rule.doors, names.door);
  const when =
    rule.timing.kind === "always" ? "at any time" : `${rule.timing.kind} ${days(rule.timing.timeframe)} ${hhmm(rule.timing.timeframe.startTime)}-${hhmm(rule.timing.timeframe.endTime)}`;
  const via = rule.channels.map((c) => CHANNEL_LABELS[c]).join(" and ");
  return `If ${who} opened ${where} ${when} via ${via}, tell ${list(rule.recipientIds, names.person)}.`;
}

export function fullName(u: Pick<User, "firstName" | "lastName">): string {
  return `${u.firstName} ${u.lastName}`;
}

/** "23 h 12 min left", "ended". */
export function timeLeft(untilIso: string | null, now: number): string {
  if (!untilIso) return "";
  const ms = Date.parse(untilIso) - now;
  if (ms <= 0) return "ended";
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return h > 0 ? `${h} h ${m} min left` : `${m} min left`;
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

type Busy = null | "loading" | "checking" | "presets" | "inviting" | "status" | "releasing" | "report";

/**
 * The handover's state for one site, as the panel shows it: the checklist, the
 * presets, the status, the last report made in this session, what is running, and
 * the latest refusal per step.
 */
export function useHandover(siteId: Ref<string | null>) {
  const checklist = ref<Checklist | null>(null);
  const presets = ref<Presets | null>(null);
  const status = ref<Status | null>(null);
  const report = ref<(Report & { readonly url: string }) | null>(null);
  const busy = ref<Busy>(null);
  const refusal = ref<{ readonly step: "presets" | "invite" | "release" | "report" | "load"; readonly refusal: Refusal } | null>(null);

  async function run<T>(kind: Exclude<Busy, null>, step: NonNullable<typeof refusal.value>["step"], fn: (id: string) => Promise<T>): Promise<T | undefined> {
    const id = siteId.value;
    if (!id) return undefined;
    busy.value = kind;
    refusal.value = null;
    try {
      return await fn(id);
    } catch (e) {
      refusal.value = { step, refusal: refusalOf(e) };
      return undefined;
    } finally {
      busy.value = null;
    }
  }

  async function load(): Promise<void> {
    await run("loading", "load", async (id) => {
      const [c, p, s] = await Promise.all([call("handover.checklist", { siteId: id }), call("handover.presets", { siteId: id }), call("handover.status", { siteId: id })]);
      if (siteId.value !== id) return;
      checklist.value = c;
      presets.value = p;
      status.value = s;
    });
  }

  async function recheck(): Promise<void> {
    await run("checking", "load", async (id) => {
      const [c, s] = await Promise.all([call("handover.checklist", { siteId: id }), call("handover.status", { siteId: id })]);
      checklist.value = c;
      status.value = s;
    });
  }

  async function savePresets(rules: RuleInput[], notClosed: { lockId: string; enabled: boolean }[]): Promise<boolean> {
    const out = await run("presets", "presets", (id) => call("handover.setPresets", { siteId: id, rules, notClosed, notClosedAfterSeconds: 38 }));
    if (!out) return false;
    presets.value = out;
    checklist.value = (await run("checking", "load", (id) => call("handover.checklist", { siteId: id }))) ?? checklist.value;
    return true;
  }

  async function invite(email: string): Promise<void> {
    const out = await run("inviting", "invite", (id) => call("handover.inviteOwner", { siteId: id, email }));
    if (out) status.value = out;
  }

  async function refreshStatus(): Promise<void> {
    const out = await run("status", "invite", (id) => call("handover.status", { siteId: id }));
    if (out) status.value = out;
  }

  async function release(): Promise<void> {
    const out = await run("releasing", "release", (id) => call("handover.release", { siteId: id }));
    if (out) status.value = out;
  }

  async function makeReport(): Promise<void> {
    const out = await run("report", "report", (id) => call("handover.report", { siteId: id }));
    if (!out) return;
    if (report.value) URL.revokeObjectURL(report.value.url);
    report.value = { ...out, url: URL.createObjectURL(new Blob([base64ToBytes(out.dataBase64)], { type: "application/pdf" })) };
    const s = await run("status", "report", (id) => call("handover.status", { siteId: id }));
    if (s) status.value = s;
  }

  function reset(): void {
    checklist.value = null;
    presets.value = null;
    status.value = null;
    refusal.value = null;
    if (report.value) URL.revokeObjectURL(report.value.url);
    report.value = null;
  }

  return { checklist, presets, status, report, busy, refusal, load, recheck, savePresets, invite, refreshStatus, release, makeReport, reset };
}

export type HandoverState = ReturnType<typeof useHandover>;
