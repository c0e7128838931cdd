import { z } from "zod";
import { AppError, KsError } from "../errors/index.ts";
import type { EntityName } from "../store/index.ts";
import type { PullPage, PushItem, PushResult, RemoteChange, SyncRemote } from "../sync/remote.ts";
import { entityOfResource, fromCloudBody, fromCloudSite, IQ_TREES, RESOURCE_OF, toCloudBody, toCloudSite } from "./documents.ts";
import { cloudErrors, retryInfo } from "./errors.ts";
import { errorFromWire } from "./http.ts";
import type { CloudSession } from "./session.ts";

/** The cloud takes at most this many changes per batch (API.md §7.2). */
export const MAX_BATCH = 1000;

const BatchResult = z.object({
  idempotency_key: z.string(),
  resource: z.string(),
  id: z.string(),
  op: z.string(),
  status: z.number().int(),
  version: z.number().int().nullable().optional(),
  replayed: z.boolean().optional(),
  error: z.unknown().optional(),
});
const BatchResponse = z.object({ results: z.array(BatchResult), dry_run: z.boolean().optional() });

const FeedItem = z.object({
  seq: z.number().int(),
  resource: z.string(),
  id: z.string(),
  op: z.enum(["upsert", "delete"]),
  version: z.number().int().nullable(),
  body: z.unknown(),
  at: z.string(),
  origin: z.string(),
  account_id: z.string().nullable().optional(),
  idempotency_key: z.string().nullable().optional(),
});
const FeedPage = z.object({ items: z.array(FeedItem), cursor: z.string().nullable(), has_more: z.boolean() });

const SiteView = z.object({ id: z.string(), subscription: z.object({ id: z.string(), plan: z.string(), valid_until: z.string() }).nullable().optional() }).loose();
const Subscriptions = z.object({ items: z.array(z.object({ id: z.string(), plan: z.string(), valid_until: z.string(), site_id: z.string().nullable().optional() })) });

export interface CloudSubscription {
  readonly id: string;
  readonly plan: string;
  readonly validUntil: string;
  readonly siteId: string | null;
}

/**
 * The sync engine's view of one site in the KS cloud (core/sync/remote.ts) over the
 * HTTP API: changes go out through `changes:batch` with one idempotency key each (the
 * site document itself through `PUT /v1/sites/{id}` with a request-level key), the
 * feed comes in from `GET …/changes`. Documents are translated both ways by
 * documents.ts; each per-change refusal becomes the typed error of its wire body.
 */
export class KsSyncRemote implements SyncRemote {
  constructor(
    private readonly session: CloudSession,
    readonly siteId: string,
    private readonly options: { readonly feedPageSize?: number } = {},
  ) {}

  private get base(): string {
    return `/v1/sites/${encodeURIComponent(this.siteId)}`;
  }

  async push(items: readonly PushItem[], signal: AbortSignal): Promise<readonly PushResult[]> {
    const out: PushResult[] = [];
    let i = 0;
    while (i < items.length) {
      const item = items[i]!;
      if (item.entity === "site") {
        out.push(await this.putSite(item, signal));
        i += 1;
        continue;
      }
      let j = i;
      while (j < items.length && items[j]!.entity !== "site" && j - i < MAX_BATCH) j += 1;
      out.push(...(await this.batch(items.slice(i, j), signal)));
      i = j;
    }
    return out;
  }

  async pull(cursor: string | null, signal: AbortSignal, ownKeyPrefix?: string): Promise<PullPage> {
    let res;
    try {
      res = await this.session.authorized({
        method: "GET",
        path: `${this.base}/changes`,
        query: { since: cursor ?? undefined, $top: this.options.feedPageSize ?? 1000 },
        schema: FeedPage,
        signal,
      });
    } catch (e) {
      // Before the first push the site is not in the cloud yet: nothing to pull. (For a
      // site someone else owns, the push of the site document then says so.)
      if (cursor === null && isUnknownSite(e)) return { changes: [], cursor: null, more: false };
      throw e;
    }
    const changes: RemoteChange[] = [];
    for (const item of res.body.items) {
      const change = this.fromFeed(item, ownKeyPrefix);
      if (change) changes.push(change);
    }
    return { changes, cursor: res.body.cursor, more: res.body.has_more };
  }

  /** Subscriptions of the signed-in account (for the person to pick one for this site). */
  async subscriptions(signal?: AbortSignal): Promise<CloudSubscription[]> {
    const res = await this.session.authorized({ method: "GET", path: "/v1/subscriptions", schema: Subscriptions, ...(signal ? { signal } : {}) });
    return res.body.items.map((s) => ({ id: s.id, plan: s.plan, validUntil: s.valid_until, siteId: s.site_id ?? null }));
  }

  /** Puts a subscription of the account on this site (the site must be in the cloud). */
  async attachSubscription(subscriptionId: string, signal?: AbortSignal): Promise<void> {
    await this.session.authorized({
      method: "PUT",
      path: `${this.base}/subscription`,
      body: { subscription_id: subscriptionId },
      schema: SiteView,
      ...(signal ? { signal } : {}),
    });
  }

  /** Creates or replaces the site document in the cloud (the caller becomes its installer). */
  async putSiteDoc(doc: unknown, key: string, signal?: AbortSignal): Promise<void> {
    await this.session.authorized({ method: "PUT", path: this.base, body: toCloudSite(doc), idempotencyKey: key, schema: SiteView, ...(signal ? { signal } : {}) });
  }

  private async putSite(item: PushItem, signal: AbortSignal): Promise<PushResult> {
    if (item.op === "delete") return { status: "rejected", error: new AppError("cloud.refused", "A site is never deleted by a sync.", { siteId: item.entityId }) };
    try {
      const res = await this.session.authorized({
        method: "PUT",
        path: this.base,
        body: toCloudSite(item.doc),
        idempotencyKey: item.key,
        schema: SiteView.extend({ version: z.number().int().optional() }),
        signal,
      });
      return { status: res.headers.get("idempotent-replayed") === "true" ? "duplicate" : "applied", version: res.body.version ?? null };
    } catch (e) {
      // Transient failures fail the whole push (the engine retries it); an answer about the site is this change's result.
      if (e instanceof AppError && isRefusal(e)) return { status: "rejected", error: e };
      throw e;
    }
  }

  private async batch(items: readonly PushItem[], signal: AbortSignal): Promise<PushResult[]> {
    const changes = items.map((it) => {
      const resource = it.entity === "iqTree" ? IQ_TREES : RESOURCE_OF[it.entity];
      if (resource === undefined) throw new AppError("cloud.not_synced", `The cloud does not keep ${it.entity} entities.`, { entity: it.entity });
      const op = it.op === "delete" ? "delete" : "upsert";
      const body = op === "delete" ? undefined : it.entity === "iqTree" ? it.doc : toCloudBody(it.entity, it.doc);
      return {
        idempotency_key: it.key,
        op,
        resource,
        id: it.entityId,
        ...(body === undefined ? {} : { body }),
        ...(it.ifVersion === undefined ? {} : { if_version: it.ifVersion }),
      };
    });
    const res = await this.session.authorized({ method: "POST", path: `${this.base}/changes:batch`, body: { changes, dry_run: false }, schema: BatchResponse, signal });
    const results = res.body.results;
    if (results.length !== items.length || results.some((r, k) => r.idempotency_key !== items[k]!.key)) {
      throw cloudErrors.badResponse({ method: "POST", path: `${this.base}/changes:batch`, cause: "the results do not match the changes sent" });
    }
    return results.map((r, k): PushResult => {
      if (r.status >= 200 && r.status < 300) return { status: r.replayed ? "duplicate" : "applied", version: r.version ?? null };
      const error = errorFromWire(r.error, r.status) ?? cloudErrors.refused({ status: r.status, body: r.error });
      if (error.code === "cloud.conflict") {
        const details = ((error.details as { cloud?: { current_version?: unknown; current?: unknown } } | undefined)?.cloud ?? {}) as { current_version?: unknown; current?: unknown };
        const item = items[k]!;
        const remoteVersion = typeof details.current_version === "number" ? details.current_version : null;
        const remoteDoc = item.entity === "iqTree" || details.current === null || details.current === undefined ? null : this.readDoc(item.entity, item.entityId, details.current);
        return { status: "conflict", remoteDoc: remoteVersion === 0 ? null : remoteDoc, remoteVersion };
      }
      return { status: "rejected", error };
    });
  }

  private readDoc(entity: EntityName, id: string, body: unknown): unknown {
    if (entity === "site") {
      const s = fromCloudSite(id, body);
      return s.ok ? s.doc : body;
    }
    const r = fromCloudBody(entity, id, body);
    return r.ok ? r.doc : r.raw;
  }

  private fromFeed(item: z.infer<typeof FeedItem>, ownKeyPrefix: string | undefined): RemoteChange | null {
    if (item.resource === IQ_TREES) return null; // the devices' own entries carry their parents
    const entity = entityOfResource(item.resource);
    if (entity === undefined) return null;
    const own = ownKeyPrefix !== undefined && item.idempotency_key?.startsWith(ownKeyPrefix) === true;
    const doc = item.op === "delete" || own ? null : this.readDoc(entity, item.id, item.body);
    return { entity, entityId: item.id, op: item.op, doc, version: item.version, key: item.idempotency_key ?? null };
  }
}

/** A 4xx answer about this request (not 1500, which ends the run: the person must sign in). */
function isRefusal(e: AppError): boolean {
  if (retryInfo(e) !== null) return false;
  const status = e instanceof KsError ? e.status : (e.details as { status?: unknown } | undefined)?.status;
  return typeof status === "number" && status >= 400 && status < 500 && e.code !== "ks.1500";
}

/** KS 1101 about the path's site id: the cloud has no such site, or none this account can reach. */
function isUnknownSite(e: unknown): boolean {
  if (!(e instanceof KsError) || e.ksCode !== 1101) return false;
  const cloud = (e.details as { cloud?: { parameter?: unknown } } | undefined)?.cloud;
  return cloud?.parameter === "site_id";
}
