import { z } from "zod";
import { Email, Id, Instant } from "../../domain/index.ts";
import { mutation, query, type ProcedureDef } from "../define.ts";
import type { CLOUD_EVENT_NAMES, CLOUD_PROCEDURE_NAMES } from "./cloud.names.ts";

/**
 * The KS cloud (issue 7): signing in with a second factor (tokens stay in the secret
 * vault, never in an output), and syncing a site — a dry run, the run itself with
 * progress events, its conflicts to resolve and the changes the cloud refused, each
 * with its KS code and what to do.
 */

const SiteInput = z.object({ siteId: Id });

export const CloudStatus = z.object({
  cloudUrl: z.string(),
  signedIn: z.boolean(),
  email: z.string().nullable(),
  accessExpiresAt: Instant.nullable(),
});
export type CloudStatus = z.infer<typeof CloudStatus>;

export const SecondFactorMethod = z.enum(["totp", "sms", "email"]);

export const SignInOut = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("signed-in"), email: z.string(), trustedDevice: z.boolean() }),
  z.object({
    kind: z.literal("second-factor"),
    challengeId: z.string(),
    /** The methods this account has on; a recovery code is always accepted as well. */
    methods: z.array(SecondFactorMethod),
    expiresAt: Instant,
  }),
]);
export type SignInOut = z.infer<typeof SignInOut>;

export const VerifyOut = z.object({
  kind: z.literal("signed-in"),
  email: z.string(),
  trustedDevice: z.boolean(),
  /** A recovery code was used: two-factor authentication is off now; set it up again. */
  twoFactorReset: z.boolean(),
});

const ChallengeId = z.string().min(1).max(200);

const EntityKind = z.string();

/** How a failure reads to a person: the code, the KS code where there is one, and what to do. */
export const SyncErrorOut = z.object({ code: z.string(), message: z.string(), ksCode: z.number().int().nullable(), advice: z.string() });

export const SyncProgressOut = z.object({
  phase: z.enum(["starting", "pull", "push", "waiting", "done", "failed", "cancelled"]),
  totalEntries: z.number().int().nonnegative(),
  doneEntries: z.number().int().nonnegative(),
  changesSent: z.number().int().nonnegative(),
  setAside: z.number().int().nonnegative(),
  conflicts: z.number().int().nonnegative(),
  pulled: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  elapsedMs: z.number().nonnegative(),
  /** Estimated time left; null until the first batch went through. */
  etaMs: z.number().nonnegative().nullable(),
  /** While waiting before a retry: for how long. */
  waitMs: z.number().nonnegative().nullable(),
});

export const SyncReportOut = SyncProgressOut.extend({
  outcome: z.enum(["done", "failed", "cancelled"]),
  checkpointSeq: z.number().int().nonnegative(),
  error: SyncErrorOut.nullable(),
});
export type SyncReportOut = z.infer<typeof SyncReportOut>;

export const SyncStatusOut = z.object({
  running: z.boolean(),
  checkpointSeq: z.number().int().nonnegative(),
  pendingEntries: z.number().int().nonnegative(),
  inflight: z.boolean(),
  lastSyncedAt: Instant.nullable(),
  setAside: z.number().int().nonnegative(),
  openConflicts: z.number().int().nonnegative(),
  last: SyncReportOut.nullable(),
});

const OpCounts = z.object({ insert: z.number().int(), update: z.number().int(), delete: z.number().int() });

export const DryRunOut = z.object({
  entries: z.number().int().nonnegative(),
  changes: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  byEntity: z.record(EntityKind, OpCounts),
  first: z.array(z.object({ entity: EntityKind, entityId: z.string(), op: z.enum(["insert", "update", "delete"]), label: z.string() })),
  heldBack: z.number().int().nonnegative(),
  setAside: z.number().int().nonnegative(),
  openConflicts: z.number().int().nonnegative(),
});

export const ConflictOut = z.object({
  id: z.number().int(),
  entity: EntityKind,
  entityId: z.string(),
  label: z.string(),
  localDoc: z.unknown(),
  remoteDoc: z.unknown(),
  remoteVersion: z.number().int().nullable(),
  detectedAt: Instant,
  state: z.enum(["open", "kept-mine", "took-theirs"]),
});
export type ConflictOut = z.infer<typeof ConflictOut>;

export const SetAsideOut = z.object({
  id: z.number().int(),
  entity: EntityKind,
  entityId: z.string(),
  label: z.string(),
  op: z.enum(["insert", "update", "delete"]),
  code: z.string(),
  ksCode: z.number().int().nullable(),
  status: z.number().int().nullable(),
  message: z.string(),
  advice: z.string(),
  attempts: z.number().int().positive(),
  at: Instant,
});
export type SetAsideOut = z.infer<typeof SetAsideOut>;

export const CloudSubscriptionOut = z.object({ id: Id, plan: z.string(), validUntil: Instant, siteId: Id.nullable() });
export type CloudSubscriptionOut = z.infer<typeof CloudSubscriptionOut>;

export const cloudProcedures = {
  "cloud.status": query("Whether this device is signed in to the KS cloud, as whom, and where.", z.object({}), CloudStatus),
  "cloud.signIn": mutation(
    "Step one of signing in: e-mail and password. Answers signed-in (2FA off, or a trusted device) or the second factors to choose from.",
    z.object({ email: Email, password: z.string().min(1).max(200) }),
    SignInOut,
  ),
  "cloud.verify2fa": mutation(
    "Step two: the 6-digit code of the chosen factor; trustDevice = don't ask again on this device for 60 days.",
    z.object({ challengeId: ChallengeId, method: SecondFactorMethod, code: z.string().trim().regex(/^\d{6}$/, "a code is 6 digits"), trustDevice: z.boolean().default(false) }),
    VerifyOut,
  ),
  "cloud.resend": mutation(
    "Send an SMS or e-mail code (again): the code sent before stops working.",
    z.object({ challengeId: ChallengeId, method: z.enum(["sms", "email"]) }),
    z.object({ sentTo: z.string(), expiresAt: Instant }),
  ),
  "cloud.useRecoveryCode": mutation(
    "Sign in with the recovery code instead of a second factor: it works once and turns two-factor authentication off.",
    z.object({ challengeId: ChallengeId, code: z.string().trim().min(8).max(64) }),
    VerifyOut,
  ),
  "cloud.signOut": mutation("Sign out of the KS cloud on this device (the tokens leave the vault).", z.object({}), z.object({ signedOut: z.boolean() })),
  "cloud.subscriptions": query(
    "The signed-in account's subscriptions in the KS cloud, and which site each serves: a site's content needs one (else KS 2212); sync.start puts a free one on the site.",
    z.object({}),
    z.array(CloudSubscriptionOut),
  ),
  "sync.dryRun": query(
    "What a sync would send now: counts per entity kind and the first items, without sending anything.",
    SiteInput.extend({ sample: z.number().int().min(0).max(200).default(20) }),
    DryRunOut,
  ),
  "sync.start": mutation(
    "Sync the site with the KS cloud (progress as sync.progress events) and say how it ended. With subscriptionId, that subscription is put on the site first.",
    SiteInput.extend({ subscriptionId: Id.optional() }),
    SyncReportOut,
  ),
  "sync.cancel": mutation("Stop a running sync at the next safe point; what was sent stays sent, the rest resumes next time.", SiteInput, z.object({ cancelled: z.boolean() })),
  "sync.status": query("Where the site's sync stands: checkpoint, what waits, conflicts, set-aside changes, the last run.", SiteInput, SyncStatusOut),
  "sync.conflicts": query("Entities changed both here and in the cloud since the last sync, for the person to resolve.", SiteInput, z.array(ConflictOut)),
  "sync.resolve": mutation(
    "Resolve a conflict: keep mine (this copy's version goes to the cloud) or take theirs (the cloud's version comes here).",
    SiteInput.extend({ conflictId: z.number().int().positive(), choice: z.enum(["mine", "theirs"]) }),
    ConflictOut,
  ),
  "sync.setAside": mutation(
    "Changes the cloud refused by a rule, with the KS code and what to do: list them, retry one (as it is now here), or discard one (the cloud never gets it).",
    z.discriminatedUnion("action", [
      SiteInput.extend({ action: z.literal("list") }),
      SiteInput.extend({ action: z.literal("retry"), id: z.number().int().positive() }),
      SiteInput.extend({ action: z.literal("discard"), id: z.number().int().positive() }),
    ]),
    z.object({ items: z.array(SetAsideOut), accepted: z.boolean().nullable() }),
  ),
} as const satisfies Record<(typeof CLOUD_PROCEDURE_NAMES)[number], ProcedureDef>;

export const cloudEvents = {
  "sync.progress": SyncProgressOut.extend({
    siteId: Id,
    outcome: z.enum(["done", "failed", "cancelled"]).optional(),
    error: SyncErrorOut.nullable().optional(),
  }),
  "cloud.session": CloudStatus,
} as const satisfies Record<(typeof CLOUD_EVENT_NAMES)[number], z.ZodType>;
