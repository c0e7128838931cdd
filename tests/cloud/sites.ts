import { z } from "zod";
import { Email, Site } from "../../core/domain/index.ts";
import { KsError } from "../../core/errors/index.ts";
import { canonicalJson } from "../../core/store/canonical-json.ts";
import { emailKey } from "../../core/rules/people.ts";
import type { AuthService, Principal } from "./auth.ts";
import type { Actor, ContentStore } from "./content.ts";
import { sha256, type CloudContext } from "./context.ts";
import { appendFeed } from "./feed.ts";
import { badRequest, forbidden, invalidValue, issuesOf, jsonBody, parseBody, toCamel, toSnake, type Reply, type Req, type Routes } from "./http-kit.ts";
import { readListQuery, pageOf } from "./paging.ts";

/**
 * Sites as a whole (API.md §3, §9): who may reach one, its document, its
 * subscription, and the handover — ownership to a Site Admin by e-mail invitation,
 * time-boxed installer access afterwards, and the release that opens the site to
 * its owner.
 */

interface SiteRow {
  id: string;
  doc: string;
  version: number;
  updated_at: string;
  owner_account_id: string;
  installer_id: string;
  released_at: string | null;
}

interface AccessRow {
  role: "installer" | "owner";
  expires_at: number | null;
}

export interface SiteAccess {
  readonly site: SiteRow;
  readonly role: "installer" | "owner";
  readonly actor: Actor;
}

const SITE_FIELDS = new Set([
  "id",
  "name",
  "address",
  "timezone",
  "stage",
  "created_at",
  "subscription",
  "released_at",
  "owner",
  "my_role",
  "installer_access_expires_at",
  "version",
  "updated_at",
]);

export class SiteService {
  constructor(
    private readonly cx: CloudContext,
    private readonly auth: AuthService,
    private readonly content: ContentStore,
  ) {}

  private get db() {
    return this.cx.db;
  }

  private siteRow(id: string): SiteRow | undefined {
    return this.db.prepare(`SELECT * FROM sites WHERE id = ?`).get(id) as SiteRow | undefined;
  }

  private accessRow(siteId: string, accountId: string): AccessRow | undefined {
    return this.db.prepare(`SELECT role, expires_at FROM site_access WHERE site_id = ? AND account_id = ?`).get(siteId, accountId) as AccessRow | undefined;
  }

  subscriptionOf(siteId: string): { id: string; plan: string; valid_until: string } | null {
    return (this.db.prepare(`SELECT id, plan, valid_until FROM subscriptions WHERE site_id = ?`).get(siteId) as { id: string; plan: string; valid_until: string } | undefined) ?? null;
  }

  hasValidSubscription(siteId: string): boolean {
    const s = this.subscriptionOf(siteId);
    return s !== null && Date.parse(s.valid_until) > this.cx.now();
  }

  /** The site document without the viewer's own fields (as the feed carries it). */
  siteDoc(siteId: string): Record<string, unknown> {
    const row = this.siteRow(siteId)!;
    const owner = this.auth.account(row.owner_account_id);
    return {
      ...(JSON.parse(row.doc) as Record<string, unknown>),
      subscription: this.subscriptionOf(siteId),
      released_at: row.released_at,
      owner: { account_id: owner.id, email: owner.email },
      version: row.version,
      updated_at: row.updated_at,
    };
  }

  siteView(siteId: string, accountId: string): Record<string, unknown> {
    const a = this.accessRow(siteId, accountId);
    return {
      ...this.siteDoc(siteId),
      my_role: a?.role ?? null,
      installer_access_expires_at: a?.expires_at == null ? null : this.cx.iso(a.expires_at),
    };
  }

  /** Bumps the site's version and puts its document in the feed (subscription, owner, release changed). */
  private touch(siteId: string, actor: Actor): void {
    this.db.prepare(`UPDATE sites SET version = version + 1, updated_at = ? WHERE id = ?`).run(this.cx.iso(), siteId);
    const doc = this.siteDoc(siteId);
    appendFeed(this.db, {
      siteId,
      resource: "site",
      id: siteId,
      op: "upsert",
      version: doc["version"] as number,
      body: doc,
      at: this.cx.iso(),
      origin: actor.origin,
      accountId: actor.origin === "api" ? actor.accountId : null,
      idempotencyKey: null,
    });
  }

  /**
   * Who may reach a site, in the documented order: unknown → 1101, expired installer
   * → 2203, not released (for anyone but the installer) → 2210, writing content
   * without a valid subscription → 2212.
   */
  access(p: Principal, siteId: string, mode: "read" | "write"): SiteAccess {
    const site = this.siteRow(siteId);
    const a = site ? this.accessRow(siteId, p.accountId) : undefined;
    if (!site || !a) throw invalidValue("site_id", { id: siteId });
    if (a.role === "installer" && a.expires_at !== null && a.expires_at <= this.cx.now()) {
      throw forbidden("installer_access_expired", "Your installer access to this site has expired; the owner can grant it again.", { expired_at: this.cx.iso(a.expires_at) });
    }
    if (a.role !== "installer" && site.released_at === null) throw new KsError(2210, { details: { site_id: siteId } });
    if (mode === "write" && !this.hasValidSubscription(siteId)) {
      const s = this.subscriptionOf(siteId);
      throw new KsError(2212, { details: { site_id: siteId, subscription: s } });
    }
    return { site, role: a.role, actor: { origin: "api", accountId: p.accountId, role: "owner" } };
  }

  putSite(p: Principal, siteId: string, body: unknown): Reply {
    if (!z.uuid().safeParse(siteId).success) throw invalidValue("site_id", { id: siteId });
    const existing = this.siteRow(siteId);
    if (existing && !this.accessRow(siteId, p.accountId)) throw forbidden("not_yours", "This site id belongs to a site you cannot reach.");
    if (existing) this.access(p, siteId, "read");
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("The document must be a JSON object.");
    const stored = existing ? (toCamel(JSON.parse(existing.doc)) as Record<string, unknown>) : null;
    const input = { ...(toCamel(body) as Record<string, unknown>), id: siteId, subscription: null } as Record<string, unknown>;
    input["createdAt"] ??= stored?.["createdAt"] ?? this.cx.iso();
    const parsed = Site.safeParse(input);
    if (!parsed.success) throw badRequest("The request received is invalid", { resource: "site", issues: issuesOf(parsed.error) });
    const { subscription: _ignored, ...doc } = parsed.data;
    const json = canonicalJson(toSnake(doc));
    const actor: Actor = { origin: "api", accountId: p.accountId, role: "owner" };
    if (!existing) {
      const now = this.cx.iso();
      this.db
        .prepare(`INSERT INTO sites (id, doc, version, updated_at, owner_account_id, installer_id) VALUES (?, ?, 0, ?, ?, ?)`)
        .run(siteId, json, now, p.accountId, p.accountId);
      this.db.prepare(`INSERT INTO site_access (site_id, account_id, role, expires_at) VALUES (?, ?, 'installer', NULL)`).run(siteId, p.accountId);
      this.touch(siteId, actor);
      return { status: 201, body: this.siteView(siteId, p.accountId) };
    }
    if (existing.doc !== json) {
      this.db.prepare(`UPDATE sites SET doc = ? WHERE id = ?`).run(json, siteId);
      this.touch(siteId, actor);
    }
    return { status: 200, body: this.siteView(siteId, p.accountId) };
  }

  listSites(p: Principal, req: Req): Reply {
    const rows = this.db
      .prepare(`SELECT site_id, role, expires_at FROM site_access WHERE account_id = ?`)
      .all(p.accountId) as { site_id: string; role: string; expires_at: number | null }[];
    const live = rows.filter((r) => r.expires_at === null || r.expires_at > this.cx.now());
    const q = readListQuery(req, JSON.stringify(["sites", p.accountId]), (f) => SITE_FIELDS.has(f), this.cx.secret);
    const page = pageOf(
      live.map((r) => this.siteView(r.site_id, p.accountId)),
      q,
      this.cx.secret,
      this.cx.settings.scanBudget,
    );
    return { status: 200, body: { items: page.items }, ...(page.token ? { headers: { "X-Continuation-Token": page.token } } : {}) };
  }

  assignSubscription(p: Principal, siteId: string, subscriptionId: string): Reply {
    const acc = this.access(p, siteId, "read");
    const sub = this.db.prepare(`SELECT id, site_id FROM subscriptions WHERE id = ? AND account_id = ?`).get(subscriptionId, p.accountId) as
      | { id: string; site_id: string | null }
      | undefined;
    if (!sub) throw invalidValue("subscription_id", { id: subscriptionId });
    if (sub.site_id !== null && sub.site_id !== siteId) throw forbidden("subscription_in_use", "This subscription already serves another site.", { site_id: sub.site_id });
    if (sub.site_id !== siteId) {
      this.db.prepare(`UPDATE subscriptions SET site_id = NULL WHERE site_id = ?`).run(siteId);
      this.db.prepare(`UPDATE subscriptions SET site_id = ? WHERE id = ?`).run(siteId, sub.id);
      this.touch(siteId, acc.actor);
    }
    return { status: 200, body: this.siteView(siteId, p.accountId) };
  }

  // ---------------------------------------------------------------- handover

  private invitationView(r: { id: string; email: string; created_at: string; expires_at: number; accepted_at: string | null; revoked_at: string | null }) {
    const status = r.accepted_at ? "accepted" : r.revoked_at ? "revoked" : r.expires_at <= this.cx.now() ? "expired" : "pending";
    return { id: r.id, email: r.email, status, created_at: r.created_at, expires_at: this.cx.iso(r.expires_at), accepted_at: r.accepted_at };
  }

  invite(p: Principal, siteId: string, email: string): Reply {
    const acc = this.access(p, siteId, "read");
    if (acc.role !== "installer" || acc.site.owner_account_id !== p.accountId) {
      throw forbidden("not_owner", "Only the installer who still owns the site can hand it over.");
    }
    const key = emailKey(email);
    if (key === p.email) throw new KsError(4201, { message: "You cannot invite yourself to take over your own site.", details: { email: key } });
    const site = this.content.reader(siteId);
    const userId = site.lookup("user-email", key)[0];
    const user = userId === undefined ? undefined : site.domain("users", userId);
    if (!user || (user["role"] !== "site-admin" && user["role"] !== "owner")) {
      throw forbidden("not_site_admin", "Ownership can be handed only to a Site Admin: make this person a Site Admin of the site first.", { email: key, user_id: userId ?? null });
    }
    const now = this.cx.iso();
    this.db.prepare(`UPDATE invitations SET revoked_at = ? WHERE site_id = ? AND accepted_at IS NULL AND revoked_at IS NULL`).run(now, siteId);
    const token = this.cx.newSecret();
    const id = this.cx.newId();
    const expires = this.cx.now() + this.cx.settings.invitationTtlMs;
    this.db
      .prepare(`INSERT INTO invitations (id, site_id, email, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, siteId, key, sha256(token), p.accountId, now, expires);
    const name = String((JSON.parse(acc.site.doc) as { name?: string }).name ?? siteId);
    this.cx.send({
      channel: "email",
      to: key,
      subject: `You are invited to take over ${name}`,
      body: `${p.email} hands the site "${name}" over to you. Accept with the token ${token} (POST /v1/ownership-invitations/{token}:accept) within 7 days.`,
      code: null,
      token,
    });
    return { status: 201, body: this.invitationView(this.db.prepare(`SELECT * FROM invitations WHERE id = ?`).get(id) as never) };
  }

  invitations(p: Principal, siteId: string): Reply {
    this.access(p, siteId, "read");
    const rows = this.db.prepare(`SELECT * FROM invitations WHERE site_id = ? ORDER BY created_at, rowid`).all(siteId) as never[];
    return { status: 200, body: { items: rows.map((r) => this.invitationView(r)) } };
  }

  accept(p: Principal, token: string): Reply {
    const inv = this.db.prepare(`SELECT * FROM invitations WHERE token_hash = ?`).get(sha256(token)) as
      | { id: string; site_id: string; email: string; expires_at: number; accepted_at: string | null; revoked_at: string | null }
      | undefined;
    if (!inv || inv.accepted_at !== null || inv.revoked_at !== null || inv.expires_at <= this.cx.now()) throw invalidValue("token");
    if (inv.email !== p.email) throw forbidden("wrong_account", `This invitation is for ${inv.email}: sign in with that account to accept it.`);
    const site = this.siteRow(inv.site_id)!;
    const now = this.cx.now();
    const cloud: Actor = { origin: "cloud", role: "owner" };
    this.db.prepare(`UPDATE invitations SET accepted_at = ? WHERE id = ?`).run(this.cx.iso(), inv.id);
    this.db.prepare(`UPDATE sites SET owner_account_id = ? WHERE id = ?`).run(p.accountId, site.id);
    this.db
      .prepare(`INSERT INTO site_access (site_id, account_id, role, expires_at) VALUES (?, ?, 'owner', NULL) ON CONFLICT (site_id, account_id) DO UPDATE SET role = 'owner', expires_at = NULL`)
      .run(site.id, p.accountId);
    if (site.installer_id !== p.accountId) {
      // The installer keeps only time-boxed installer access from now on.
      this.db.prepare(`UPDATE site_access SET role = 'installer', expires_at = ? WHERE site_id = ? AND account_id = ?`).run(now + this.cx.settings.installerAccessMs, site.id, site.installer_id);
    }
    const reader = this.content.reader(site.id);
    const newOwner = reader.lookup("user-email", inv.email)[0];
    for (const id of reader.lookup("user-owner", "owner")) if (id !== newOwner) this.content.setUserRole(site.id, id, "site-admin", cloud);
    if (newOwner !== undefined) this.content.setUserRole(site.id, newOwner, "owner", cloud);
    this.touch(site.id, cloud);
    return { status: 200, body: this.siteView(site.id, p.accountId) };
  }

  release(p: Principal, siteId: string): Reply {
    const acc = this.access(p, siteId, "read");
    if (acc.role !== "installer") throw forbidden("not_installer", "Only the installer releases a site.");
    if (!this.hasValidSubscription(siteId)) throw new KsError(2212, { details: { site_id: siteId, subscription: this.subscriptionOf(siteId) } });
    if (acc.site.released_at === null) {
      this.db.prepare(`UPDATE sites SET released_at = ? WHERE id = ?`).run(this.cx.iso(), siteId);
      this.touch(siteId, acc.actor);
    }
    return { status: 200, body: this.siteView(siteId, p.accountId) };
  }
}

export function siteRoutes(routes: Routes, auth: AuthService, sites: SiteService): void {
  routes
    .add("GET", "/v1/sites", (req) => sites.listSites(auth.authenticate(req), req))
    .add("GET", "/v1/sites/{site_id}", (req) => {
      const p = auth.authenticate(req);
      sites.access(p, req.params["site_id"]!, "read");
      return { status: 200, body: sites.siteView(req.params["site_id"]!, p.accountId) };
    })
    .add("PUT", "/v1/sites/{site_id}", (req) => sites.putSite(auth.authenticate(req), req.params["site_id"]!, jsonBody(req)))
    .add("GET", "/v1/subscriptions", (req) => {
      const p = auth.authenticate(req);
      const rows = auth.cx.db.prepare(`SELECT id, plan, valid_until, site_id FROM subscriptions WHERE account_id = ? ORDER BY valid_until, rowid`).all(p.accountId);
      return { status: 200, body: { items: rows } };
    })
    .add("PUT", "/v1/sites/{site_id}/subscription", (req) => {
      const p = auth.authenticate(req);
      const b = parseBody(req, z.object({ subscription_id: z.string().min(1).max(200) }));
      return sites.assignSubscription(p, req.params["site_id"]!, b.subscription_id);
    })
    .add("POST", "/v1/sites/{site_id}/ownership-invitations", (req) => {
      const p = auth.authenticate(req);
      return sites.invite(p, req.params["site_id"]!, parseBody(req, z.object({ email: Email })).email);
    })
    .add("GET", "/v1/sites/{site_id}/ownership-invitations", (req) => sites.invitations(auth.authenticate(req), req.params["site_id"]!))
    .add("POST", "/v1/ownership-invitations/{token}:accept", (req) => sites.accept(auth.authenticate(req), req.params["token"]!))
    .add("POST", "/v1/sites/{site_id}:release", (req) => sites.release(auth.authenticate(req), req.params["site_id"]!));
}
