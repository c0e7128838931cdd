import { z } from "zod";
import { Email, Id, Instant, NotificationRule } from "../../domain/index.ts";
import { mutation, query, type ProcedureDef } from "../define.ts";
import type { HANDOVER_EVENT_NAMES, HANDOVER_PROCEDURE_NAMES } from "./handover.names.ts";

/**
 * The handover (issue 7): the checklist that must pass, the owner presets
 * (notification rules "if _ opened _ in _ via _" and NOT CLOSED alerts after 38 s),
 * inviting the owner by e-mail, following the transfer and the installer's
 * time-boxed access, releasing the site, and the handover report with the hash of the
 * site state it describes.
 */

const SiteInput = z.object({ siteId: Id });

export const ChecklistItemOut = z.object({
  id: z.enum(["iqs-online", "doors-tested", "trees-valid", "subscription", "sync-clean", "presets"]),
  title: z.string(),
  state: z.enum(["ok", "failing", "unknown"]),
  summary: z.string(),
  problems: z.array(z.object({ id: z.string(), label: z.string(), message: z.string() })),
  problemCount: z.number().int().nonnegative(),
  action: z.string().nullable(),
  ksCode: z.number().int().nullable(),
});
export type ChecklistItemOut = z.infer<typeof ChecklistItemOut>;

export const ChecklistOut = z.object({ passed: z.boolean(), checkedAt: Instant, items: z.array(ChecklistItemOut) });
export type ChecklistOut = z.infer<typeof ChecklistOut>;

export const PresetsOut = z.object({
  saved: z.boolean(),
  savedAt: Instant.nullable(),
  rules: z.array(NotificationRule),
  notClosed: z.array(z.object({ lockId: Id, lockName: z.string(), doorName: z.string(), enabled: z.boolean() })),
  notClosedAfterSeconds: z.number().int(),
  problem: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type PresetsOut = z.infer<typeof PresetsOut>;

/** A rule as the form sends it: `id` only when it edits a saved rule. */
export const RuleInput = NotificationRule.extend({ id: Id.optional() });
export type RuleInput = z.input<typeof RuleInput>;

export const InvitationOut = z.object({ id: z.string(), email: z.string(), status: z.string(), createdAt: z.string(), expiresAt: z.string() });

export const HandoverStatusOut = z.object({
  stage: z.enum(["preparing", "invited", "transferred", "released"]),
  ownerEmail: z.string().nullable(),
  invitation: InvitationOut.nullable(),
  installerEmail: z.string().nullable(),
  transferredAt: z.string().nullable(),
  installerAccess: z.enum(["full", "time-boxed", "ended"]),
  installerAccessExpiresAt: z.string().nullable(),
  releasedAt: z.string().nullable(),
  cloud: z.object({ state: z.enum(["signed-out", "ok", "not-in-cloud", "unreachable", "access-ended"]), message: z.string().nullable() }),
  suggestedOwnerEmail: z.string().nullable(),
  lastReport: z.object({ hash: z.string(), at: z.string(), matchesSite: z.boolean() }).nullable(),
  log: z.array(z.object({ at: z.string(), event: z.string(), details: z.unknown() })),
});
export type HandoverStatusOut = z.infer<typeof HandoverStatusOut>;

export const ReportOut = z.object({
  fileName: z.string(),
  dataBase64: z.string(),
  /** SHA-256 (hex) of the canonical JSON of the site state the report describes. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  generatedAt: Instant,
  counts: z.object({ iqs: z.number().int(), repeaters: z.number().int(), locks: z.number().int(), doors: z.number().int(), users: z.number().int(), tags: z.number().int(), doorsOpened: z.number().int() }),
});
export type ReportOut = z.infer<typeof ReportOut>;

export const handoverProcedures = {
  "handover.checklist": query(
    "The handover checklist: every IQ online, every door tested, no invalid tree, subscription valid (from the cloud), sync clean, owner presets set up; each item ok, failing (with ids and what to do) or unknown.",
    SiteInput,
    ChecklistOut,
  ),
  "handover.presets": query("The owner presets: notification rules and the NOT CLOSED alert (38 s) per lock, as saved or by default.", SiteInput, PresetsOut),
  "handover.setPresets": mutation(
    "Save the owner presets; every rule is checked (people, doors, recipients who can be reached, unique names) and the NOT CLOSED delay stays 38 s.",
    SiteInput.extend({
      rules: z.array(RuleInput).max(1000),
      notClosed: z.array(z.object({ lockId: Id, enabled: z.boolean() })).max(100_000).default([]),
      notClosedAfterSeconds: z.number().int().min(1).max(3600).default(38),
    }),
    PresetsOut,
  ),
  "handover.inviteOwner": mutation(
    "Invite the owner by e-mail (a Site Admin or the Owner of the site) once the checklist passes; the cloud sends the invitation.",
    SiteInput.extend({ email: Email }),
    HandoverStatusOut,
  ),
  "handover.status": query("Where the handover stands: invitation, transfer of ownership, the installer's time-boxed access, release, the last report.", SiteInput, HandoverStatusOut),
  "handover.release": mutation("Release the site to its owner once they took over and the checklist passes (again: the same answer).", SiteInput, HandoverStatusOut),
  "handover.report": mutation("The handover report as a PDF, with the SHA-256 of the site state it describes.", SiteInput, ReportOut),
} as const satisfies Record<(typeof HANDOVER_PROCEDURE_NAMES)[number], ProcedureDef>;

export const handoverEvents = {
  "handover.changed": z.object({ siteId: Id, stage: HandoverStatusOut.shape.stage, what: z.enum(["presets", "invited", "status", "released", "report"]) }),
} as const satisfies Record<(typeof HANDOVER_EVENT_NAMES)[number], z.ZodType>;
