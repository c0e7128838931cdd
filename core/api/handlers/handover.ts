import type { Workspace } from "../../app/workspace.ts";
import { CloudSession } from "../../cloud/session.ts";
import { KsHttp, type FetchLike } from "../../cloud/http.ts";
import { HandoverCloud, type AuthorizedCloud } from "../../handover/cloud-handover.ts";
import { openHandoverRecords } from "../../handover/records.ts";
import { checklistOf, handoverStatus, inviteOwner, makeReport, presetsOf, releaseSite, savePresets, type HandoverContext } from "../../handover/service.ts";
import type { Clock } from "../../ports/clock.ts";
import type { IdSource } from "../../ports/ids.ts";
import type { SecretVault } from "../../ports/secret-vault.ts";
import type { EventHub, HandlerModule } from "../router.ts";

export interface HandoverHandlerDeps {
  readonly clock: Clock;
  readonly ids: IdSource;
  /**
   * The signed-in KS cloud session, as the cloud feature keeps it. Until that feature
   * hands its session over, `sessionFromVault` builds one per call from the same vault
   * (so it always sees the current sign-in; refreshes carry idempotency keys, so two
   * sessions refreshing the same token get the same new pair).
   */
  readonly session?: (() => AuthorizedCloud | null) | undefined;
  readonly nativeBinding?: string | undefined;
}

/** The core's readonly views as the contract's plain arrays: only `readonly` goes, the shape is checked as is. */
type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
const plain = <T>(v: T): Plain<T> => v as Plain<T>;

/** A session per call over the vault the cloud feature writes its tokens to; null without a vault. */
export function sessionFromVault(o: { readonly cloudUrl: string; readonly clock: Clock; readonly vault: SecretVault | undefined; readonly fetch?: FetchLike | undefined }): () => AuthorizedCloud | null {
  if (!o.vault) return () => null;
  const http = new KsHttp({ baseUrl: o.cloudUrl, clock: o.clock, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const vault = o.vault;
  return () => new CloudSession({ http, vault, clock: o.clock });
}

/**
 * The handover over the API. Each call opens the handover's own connection to the site
 * file (migration 0009's tables) and closes it again, and reaches the cloud through
 * the signed-in session.
 */
export function handoverHandlers(ws: Workspace, hub: EventHub, deps: HandoverHandlerDeps): HandlerModule {
  const withContext = async <T>(siteId: string, fn: (ctx: HandoverContext) => T | Promise<T>): Promise<T> => {
    const store = ws.get(siteId);
    const conn = openHandoverRecords(store.path, { nativeBinding: deps.nativeBinding });
    try {
      const auth = deps.session?.() ?? null;
      return await fn({ store, records: conn.records, cloud: auth ? new HandoverCloud(auth) : null, clock: deps.clock, ids: deps.ids });
    } finally {
      conn.close();
    }
  };
  const changed = (siteId: string, stage: "preparing" | "invited" | "transferred" | "released", what: "presets" | "invited" | "status" | "released" | "report") =>
    hub.emit("handover.changed", { siteId, stage, what });

  return {
    "handover.checklist": ({ siteId }) => withContext(siteId, async (ctx) => plain(await checklistOf(ctx))),

    "handover.presets": ({ siteId }) => withContext(siteId, (ctx) => plain(presetsOf(ctx))),

    "handover.setPresets": ({ siteId, rules, notClosed, notClosedAfterSeconds }) =>
      withContext(siteId, (ctx) => {
        const out = savePresets(ctx, { rules, notClosed, notClosedAfterSeconds });
        changed(siteId, ctx.records.state().stage, "presets");
        return plain(out);
      }),

    "handover.inviteOwner": ({ siteId, email }) =>
      withContext(siteId, async (ctx) => {
        const out = await inviteOwner(ctx, email);
        changed(siteId, out.stage, "invited");
        return plain(out);
      }),

    "handover.status": ({ siteId }) =>
      withContext(siteId, async (ctx) => {
        const before = ctx.records.state().stage;
        const out = await handoverStatus(ctx);
        if (out.stage !== before) changed(siteId, out.stage, "status");
        if (out.stage === "released" && before !== "released") hub.emit("site.changed", { siteId, action: "handover.release" });
        return plain(out);
      }),

    "handover.release": ({ siteId }) =>
      withContext(siteId, async (ctx) => {
        const before = ctx.records.state().stage;
        const out = await releaseSite(ctx);
        if (before !== "released") {
          changed(siteId, out.stage, "released");
          hub.emit("site.changed", { siteId, action: "handover.release" });
        }
        return plain(out);
      }),

    "handover.report": ({ siteId }) =>
      withContext(siteId, async (ctx) => {
        const r = await makeReport(ctx);
        changed(siteId, ctx.records.state().stage, "report");
        const c = r.state.counts;
        return {
          fileName: r.fileName,
          dataBase64: Buffer.from(r.pdf).toString("base64"),
          hash: r.hash,
          generatedAt: r.generatedAt,
          counts: { iqs: c.iqs, repeaters: c.repeaters, locks: c.locks, doors: c.doors, users: c.users, tags: c.tags, doorsOpened: c.doorsOpened },
        };
      }),
  };
}
