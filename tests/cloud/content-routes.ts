import { z } from "zod";
import type { AuthService } from "./auth.ts";
import { ChangeSchema, type ContentStore } from "./content.ts";
import { readFeed } from "./feed.ts";
import { badRequest, invalidValue, issuesOf, jsonBody, parseBody, type Reply, type Req, type Routes } from "./http-kit.ts";
import { pageOf, readListQuery } from "./paging.ts";
import { ID_PARAM, RESOURCES, apiFieldsOf, isResource, type ResourceName } from "./resources.ts";
import type { SiteService } from "./sites.ts";

/** The HTTP face of site content (API.md §4, §5, §7, §8). */

const FIELDS = Object.fromEntries(Object.entries(RESOURCES).map(([name, spec]) => [name, apiFieldsOf(spec)])) as Record<ResourceName, ReadonlySet<string>>;

function resourceOf(req: Req): ResourceName {
  const r = req.params["resource"]!;
  if (!isResource(r)) throw invalidValue("resource", { resource: r, resources: Object.keys(RESOURCES) });
  return r;
}

/** `If-Match: "3"` (or 3) → 3; absent → undefined. */
function ifMatch(req: Req): number | undefined {
  const h = req.headers["if-match"];
  if (typeof h !== "string") return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(h);
  if (!m) throw invalidValue("If-Match");
  return Number(m[1]);
}

const BatchBody = z.object({ changes: z.array(ChangeSchema).min(1), dry_run: z.boolean().optional() });

export function contentRoutes(routes: Routes, auth: AuthService, sites: SiteService, content: ContentStore): void {
  const cx = content.cx;
  const siteOf = (req: Req, mode: "read" | "write") => {
    const p = auth.authenticate(req);
    const siteId = req.params["site_id"]!;
    return { p, siteId, access: sites.access(p, siteId, mode) };
  };

  routes
    .add("GET", "/v1/sites/{site_id}/changes", (req) => {
      const { siteId } = siteOf(req, "read");
      const sinceSrc = req.query.get("since");
      if (sinceSrc !== null && !/^\d{1,15}$/.test(sinceSrc)) throw invalidValue("since");
      const topSrc = req.query.get("$top");
      if (topSrc !== null && (!/^\d{1,4}$/.test(topSrc) || Number(topSrc) < 1 || Number(topSrc) > 1000)) throw invalidValue("$top", { min: 1, max: 1000 });
      return { status: 200, body: readFeed(cx.db, siteId, Number(sinceSrc ?? 0), Number(topSrc ?? 500)) };
    })
    .add("POST", "/v1/sites/{site_id}/changes:batch", (req) => {
      // Parse before the access check would be friendlier, but the vendor checks who you are first.
      const { siteId, access } = siteOf(req, "write");
      const raw = jsonBody(req);
      const count = (raw as { changes?: unknown }).changes;
      if (Array.isArray(count) && count.length > cx.settings.maxBatch) {
        throw badRequest(`A batch holds at most ${cx.settings.maxBatch} changes; this one has ${count.length}.`, { reason: "batch_too_big", max: cx.settings.maxBatch });
      }
      const parsed = BatchBody.safeParse(raw);
      if (!parsed.success) throw badRequest("The request received is invalid", { issues: issuesOf(parsed.error) });
      const dryRun = parsed.data.dry_run ?? false;
      const results = content.batch(siteId, parsed.data.changes, access.actor, dryRun);
      return { status: 200, body: { results, dry_run: dryRun } };
    })
    .add("GET", "/v1/sites/{site_id}/iqs/{iq_id}/tree", (req) => {
      const { siteId } = siteOf(req, "read");
      const iqId = req.params["iq_id"]!;
      if (!content.get(siteId, "iqs", iqId)) throw invalidValue("iq_id", { id: iqId });
      return { status: 200, body: content.treeView(siteId, iqId) };
    })
    .add("PUT", "/v1/sites/{site_id}/iqs/{iq_id}/tree", (req) => {
      const { siteId, access } = siteOf(req, "write");
      const out = content.apply(siteId, { op: "upsert", resource: "iq-trees", id: req.params["iq_id"]!, body: jsonBody(req), ifVersion: ifMatch(req) }, access.actor);
      return { status: 200, body: out.doc };
    })
    .add("POST", "/v1/sites/{site_id}/iqs/{iq_id}:activate", (req) => {
      const { siteId, access } = siteOf(req, "write");
      const b = parseBody(req, z.object({ activation_code: z.string().min(1).max(64) }));
      return { status: 200, body: content.activate(siteId, req.params["iq_id"]!, b.activation_code, access.actor).doc };
    })
    .add("GET", "/v1/sites/{site_id}/{resource}", (req) => {
      const { siteId } = siteOf(req, "read");
      const resource = resourceOf(req);
      const fields = FIELDS[resource];
      const q = readListQuery(req, JSON.stringify([siteId, resource]), (f) => fields.has(f), cx.secret);
      const page = pageOf(content.all(siteId, resource), q, cx.secret, cx.settings.scanBudget);
      return { status: 200, body: { items: page.items }, ...(page.token ? { headers: { "X-Continuation-Token": page.token } } : {}) } satisfies Reply;
    })
    .add("GET", "/v1/sites/{site_id}/{resource}/{id}", (req) => {
      const { siteId } = siteOf(req, "read");
      const resource = resourceOf(req);
      const doc = content.get(siteId, resource, req.params["id"]!);
      if (!doc) throw invalidValue(ID_PARAM[resource], { id: req.params["id"] });
      return { status: 200, headers: { ETag: `"${String(doc["version"])}"` }, body: doc };
    })
    .add("PUT", "/v1/sites/{site_id}/{resource}/{id}", (req) => {
      const { siteId, access } = siteOf(req, "write");
      const resource = resourceOf(req);
      const out = content.apply(siteId, { op: "upsert", resource, id: req.params["id"]!, body: jsonBody(req), ifVersion: ifMatch(req) }, access.actor);
      return { status: out.status, headers: { ETag: `"${String(out.version)}"` }, body: out.doc };
    })
    .add("DELETE", "/v1/sites/{site_id}/{resource}/{id}", (req) => {
      const { siteId, access } = siteOf(req, "write");
      const resource = resourceOf(req);
      content.apply(siteId, { op: "delete", resource, id: req.params["id"]!, ifVersion: ifMatch(req) }, access.actor);
      return { status: 204 };
    });
}
