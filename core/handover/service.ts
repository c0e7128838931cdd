import { AppError, KsError } from "../errors/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { IdSource } from "../ports/ids.ts";
import type { SiteStore } from "../store/index.ts";
import { computeChecklist, type Checklist, type CloudView } from "./checklist.ts";
import { isInstallerAccessExpired, isUnknownSite, type CloudSite, type HandoverCloud } from "./cloud-handover.ts";
import { presetsFromDraft, presetsView, type PresetsDraft, type PresetsView } from "./presets.ts";
import type { HandoverRecords, HandoverRow, HandoverStage, Invitation } from "./records.ts";
import { describeSite, reportHash, type ReportState } from "./report.ts";
import { reportPdf } from "./report-pdf.ts";

/**
 * The handover, step by step: the checklist (site file, sync bookkeeping, and the
 * cloud when signed in), the owner presets, inviting the owner by e-mail, following
 * the transfer of ownership and the installer's time-boxed access, releasing the site,
 * and the report. Inviting and releasing are refused until every checklist item is ok;
 * the cloud enforces the rest (API.md §9) and its answers come back as typed errors.
 */

export interface HandoverContext {
  readonly store: SiteStore;
  readonly records: HandoverRecords;
  /** The cloud through the signed-in session; null when this device cannot hold a session at all. */
  readonly cloud: HandoverCloud | null;
  readonly clock: Clock;
  readonly ids: IdSource;
}

export type InstallerAccess = "full" | "time-boxed" | "ended";

export interface HandoverStatus {
  readonly stage: HandoverStage;
  readonly ownerEmail: string | null;
  readonly invitation: Invitation | null;
  readonly installerEmail: string | null;
  readonly transferredAt: string | null;
  /** Full until the owner accepts; then until this time (24 h in the KS cloud), then ended. */
  readonly installerAccess: InstallerAccess;
  readonly installerAccessExpiresAt: string | null;
  readonly releasedAt: string | null;
  /** What the cloud said just now. */
  readonly cloud: { readonly state: "signed-out" | "ok" | "not-in-cloud" | "unreachable" | "access-ended"; readonly message: string | null };
  /** The site's Owner user (or a Site Admin), the e-mail to invite by default. */
  readonly suggestedOwnerEmail: string | null;
  readonly lastReport: { readonly hash: string; readonly at: string; readonly matchesSite: boolean } | null;
  readonly log: readonly { readonly at: string; readonly event: string; readonly details: unknown }[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const sameEmail = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

function errorView(e: unknown): { code: string; message: string; ksCode: number | null } {
  if (e instanceof KsError) return { code: e.code, message: e.message, ksCode: e.ksCode };
  if (e instanceof AppError) return { code: e.code, message: e.message, ksCode: null };
  return { code: "unknown", message: e instanceof Error ? e.message : String(e), ksCode: null };
}

/** The site as the cloud sees it, or why not. Never throws for the cloud's sake. */
export async function cloudViewOf(ctx: HandoverContext): Promise<{ readonly view: CloudView; readonly me: string | null; readonly error: unknown }> {
  if (!ctx.cloud) return { view: { kind: "signed-out" }, me: null, error: null };
  let me: string | null;
  try {
    me = await ctx.cloud.signedInAs();
  } catch (e) {
    return { view: { kind: "error", ...errorView(e) }, me: null, error: e };
  }
  if (me === null) return { view: { kind: "signed-out" }, me, error: null };
  try {
    return { view: { kind: "site", site: await ctx.cloud.site(ctx.store.siteId) }, me, error: null };
  } catch (e) {
    if (e instanceof KsError && e.ksCode === 1500) return { view: { kind: "signed-out" }, me: null, error: e };
    if (isUnknownSite(e)) return { view: { kind: "not-in-cloud" }, me, error: e };
    return { view: { kind: "error", ...errorView(e) }, me, error: e };
  }
}

export async function checklistOf(ctx: HandoverContext, cloud?: CloudView): Promise<Checklist> {
  const view = cloud ?? (await cloudViewOf(ctx)).view;
  return computeChecklist({ store: ctx.store, sync: ctx.records.syncView(), cloud: view, presets: ctx.records.presets(), now: ctx.clock.now() });
}

export function presetsOf(ctx: HandoverContext): PresetsView {
  return presetsView(ctx.store, ctx.records.presets());
}

/** Saves the owner presets after the rules accepted them; refused once the site is released. */
export function savePresets(ctx: HandoverContext, draft: PresetsDraft): PresetsView {
  if (ctx.records.state().stage === "released") throw handoverErrors.released();
  const made = presetsFromDraft(ctx.store, draft, ctx.ids);
  if ("refusal" in made) throw made.refusal;
  ctx.records.savePresets(made.doc, iso(ctx.clock.now()));
  return presetsOf(ctx);
}

export const handoverErrors = {
  checklistFailing: (c: Checklist) =>
    new AppError("handover.checklist_failing", `The handover checklist does not pass yet: ${c.items.filter((i) => i.state !== "ok").map((i) => i.title.toLowerCase()).join(", ")}.`, {
      items: c.items.filter((i) => i.state !== "ok").map((i) => ({ id: i.id, state: i.state, summary: i.summary, action: i.action })),
    }),
  released: () => new AppError("handover.released", "The site is released to its owner: the handover is over."),
  alreadyTransferred: () => new AppError("handover.already_transferred", "The owner already took over this site; release it to finish the handover."),
  notTransferred: (stage: HandoverStage) =>
    new AppError(
      "handover.not_transferred",
      stage === "preparing" ? "Invite the owner first: the site is released once they took over." : "The owner has not accepted the invitation yet. Ask them to open the e-mail, then check again.",
      { stage },
    ),
  accessEnded: (until: string | null) =>
    new KsError(2203, { message: "Your installer access to this site has ended; the owner can release it or invite you again.", details: { reason: "installer_access_expired", until } }),
  notSignedIn: () => new AppError("cloud.not_signed_in", "Sign in to the KS cloud first."),
} as const;

/** Invites the owner-to-be by e-mail: a Site Admin (or the Owner) of the site, never yourself, only when the checklist passes. */
export async function inviteOwner(ctx: HandoverContext, rawEmail: string): Promise<HandoverStatus> {
  const email = rawEmail.trim();
  const row = ctx.records.state();
  if (row.stage === "released") throw handoverErrors.released();
  if (row.stage === "transferred") throw handoverErrors.alreadyTransferred();
  const { view, me } = await cloudViewOf(ctx);
  if (!ctx.cloud || me === null) throw handoverErrors.notSignedIn();
  if (sameEmail(email, me)) throw new KsError(4201, { message: "You cannot hand the site over to yourself: invite the owner's e-mail.", details: { email } });
  const user = ctx.store.list("user").find((u) => sameEmail(u.email, email));
  if (!user || (user.role !== "owner" && user.role !== "site-admin")) {
    throw new KsError(2203, {
      message: "Ownership goes only to a Site Admin: add the owner as a user with the Owner or Site Admin role, sync, and invite again.",
      details: { reason: "not_site_admin", email, role: user?.role ?? null },
    });
  }
  const checklist = await checklistOf(ctx, view);
  if (!checklist.passed) throw handoverErrors.checklistFailing(checklist);
  const inv = await ctx.cloud.invite(ctx.store.siteId, email, `handover-invite-${ctx.ids.next()}`);
  ctx.records.update({ stage: "invited", ownerEmail: inv.email, invitation: inv, installerEmail: me }, iso(ctx.clock.now()), {
    name: "invited",
    details: { email: inv.email, invitationId: inv.id, expiresAt: inv.expiresAt },
  });
  return statusOf(ctx, { view, me, error: null });
}

/** Where the handover stands, brought up to date with the cloud when signed in. */
export async function handoverStatus(ctx: HandoverContext): Promise<HandoverStatus> {
  return statusOf(ctx, await cloudViewOf(ctx));
}

/** Releases the site to its owner once they took over and the checklist passes; again: the same answer. */
export async function releaseSite(ctx: HandoverContext): Promise<HandoverStatus> {
  const cloud = await cloudViewOf(ctx);
  const status = await statusOf(ctx, cloud);
  if (status.stage === "released") return status;
  if (!ctx.cloud || cloud.me === null) throw handoverErrors.notSignedIn();
  if (status.installerAccess === "ended") throw handoverErrors.accessEnded(status.installerAccessExpiresAt);
  if (status.stage !== "transferred") throw handoverErrors.notTransferred(status.stage);
  const checklist = await checklistOf(ctx, cloud.view);
  if (!checklist.passed) throw handoverErrors.checklistFailing(checklist);
  const site = await ctx.cloud.release(ctx.store.siteId, `handover-release-${ctx.store.siteId}`);
  markReleased(ctx, site);
  return statusOf(ctx, { view: { kind: "site", site }, me: cloud.me, error: null });
}

function markReleased(ctx: HandoverContext, site: CloudSite): void {
  const row = ctx.records.state();
  const at = iso(ctx.clock.now());
  ctx.records.update(
    {
      stage: "released",
      releasedAt: site.releasedAt ?? at,
      ownerAccountId: row.ownerAccountId ?? site.owner?.accountId ?? "unknown",
      transferredAt: row.transferredAt ?? at,
      ownerEmail: row.ownerEmail ?? site.owner?.email ?? "unknown",
    },
    at,
    { name: "released", details: { releasedAt: site.releasedAt } },
  );
  if (ctx.store.site().stage !== "handed-over") ctx.store.act({ name: "handover.release" }, (tx) => tx.update("site", ctx.store.siteId, (s) => ({ ...s, stage: "handed-over" })));
}

/** Takes in what the cloud says (transfer, installer access, release) and answers the status. */
async function statusOf(ctx: HandoverContext, cloud: { readonly view: CloudView; readonly me: string | null; readonly error: unknown }): Promise<HandoverStatus> {
  const now = ctx.clock.now();
  const at = iso(now);
  let row = ctx.records.state();
  let state: HandoverStatus["cloud"] = { state: "signed-out", message: null };
  const view = cloud.view;
  if (view.kind === "site") {
    state = { state: "ok", message: null };
    const site = view.site;
    const transferred = site.owner !== null && sameEmail(site.owner.email, row.ownerEmail) && !sameEmail(site.owner.email, cloud.me) && site.myRole === "installer";
    if (transferred && row.stage === "invited") {
      row = ctx.records.update(
        { stage: "transferred", ownerAccountId: site.owner!.accountId, transferredAt: at, installerAccessExpiresAt: site.installerAccessExpiresAt },
        at,
        { name: "transferred", details: { owner: site.owner, installerAccessExpiresAt: site.installerAccessExpiresAt } },
      );
    } else if (transferred && site.installerAccessExpiresAt !== row.installerAccessExpiresAt) {
      row = ctx.records.update({ installerAccessExpiresAt: site.installerAccessExpiresAt }, at);
    }
    if (site.releasedAt !== null && row.stage === "transferred") {
      markReleased(ctx, site);
      row = ctx.records.state();
    }
    if (row.invitation && ctx.cloud && row.stage !== "released") {
      const fresh = (await ctx.cloud.invitations(ctx.store.siteId).catch(() => [])).find((i) => i.id === row.invitation!.id);
      if (fresh && fresh.status !== row.invitation.status) row = ctx.records.update({ invitation: fresh }, at);
    }
  } else if (view.kind === "not-in-cloud") {
    state = { state: "not-in-cloud", message: "The site is not in the KS cloud yet: sync it first." };
  } else if (view.kind === "error") {
    if (isInstallerAccessExpired(cloud.error)) {
      state = { state: "access-ended", message: view.message };
      if (row.stage === "transferred" || row.stage === "released") {
        const ended = row.installerAccessExpiresAt !== null && Date.parse(row.installerAccessExpiresAt) <= now ? row.installerAccessExpiresAt : at;
        row = ctx.records.update({ installerAccessExpiresAt: ended }, at);
        ctx.records.logOnce("installer-access-ended", { at: ended }, at);
      }
    } else state = { state: "unreachable", message: view.message };
  }
  return {
    stage: row.stage,
    ownerEmail: row.ownerEmail,
    invitation: row.invitation,
    installerEmail: row.installerEmail,
    transferredAt: row.transferredAt,
    installerAccess: installerAccessOf(row, now, state.state === "access-ended"),
    installerAccessExpiresAt: row.installerAccessExpiresAt,
    releasedAt: row.releasedAt,
    cloud: state,
    suggestedOwnerEmail: suggestedOwner(ctx.store),
    lastReport: row.reportHash && row.reportAt ? { hash: row.reportHash, at: row.reportAt, matchesSite: reportHash(describe(ctx, row)) === row.reportHash } : null,
    log: ctx.records.log(20),
  };
}

function installerAccessOf(row: HandoverRow, now: number, cloudSaysEnded: boolean): InstallerAccess {
  if (row.stage === "preparing" || row.stage === "invited") return "full";
  if (cloudSaysEnded) return "ended";
  if (row.installerAccessExpiresAt !== null && Date.parse(row.installerAccessExpiresAt) <= now) return "ended";
  return "time-boxed";
}

function suggestedOwner(store: SiteStore): string | null {
  const users = store.list("user");
  return users.find((u) => u.role === "owner" && u.email !== null)?.email ?? users.find((u) => u.role === "site-admin" && u.email !== null)?.email ?? null;
}

function describe(ctx: HandoverContext, row: HandoverRow): ReportState {
  return describeSite({ store: ctx.store, presets: ctx.records.presets()?.doc ?? null, ownerEmail: row.ownerEmail, installerEmail: row.installerEmail });
}

export interface HandoverReport {
  readonly fileName: string;
  readonly pdf: Uint8Array;
  readonly hash: string;
  readonly state: ReportState;
  readonly generatedAt: string;
}

/**
 * The handover report of the site as it is now. The installer's e-mail is taken from
 * the session once and kept, so the hash depends on the site file alone.
 */
export async function makeReport(ctx: HandoverContext): Promise<HandoverReport> {
  const now = ctx.clock.now();
  let row = ctx.records.state();
  if (row.installerEmail === null && ctx.cloud) {
    const me = await ctx.cloud.signedInAs().catch(() => null);
    if (me !== null) row = ctx.records.update({ installerEmail: me }, iso(now));
  }
  const state = describe(ctx, row);
  const hash = reportHash(state);
  const pdf = await reportPdf({ state, hash, at: now });
  ctx.records.update({ reportHash: hash, reportAt: iso(now) }, iso(now), { name: "report", details: { hash } });
  const slug = state.site.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "site";
  return { fileName: `handover-report-${slug}-${iso(now).slice(0, 10)}.pdf`, pdf, hash, state, generatedAt: iso(now) };
}
