import { z } from "zod";
import type { KsRequest, KsResponse } from "../cloud/http.ts";
import { KsError } from "../errors/index.ts";

/**
 * The handover's calls to the KS cloud (tests/cloud/API.md §3 and §9): the site as the
 * cloud sees it (subscription, owner, release, the installer's time-boxed access), the
 * ownership invitation and the release. Requests go through the signed-in session's
 * `authorized` (core/cloud/session.ts: fresh access token, one refresh on 1500), so
 * this module never touches a token.
 */

/** What the handover needs of a signed-in session; `CloudSession` is one. */
export interface AuthorizedCloud {
  authorized<T>(req: Omit<KsRequest<T>, "bearer">): Promise<KsResponse<T>>;
  status(): Promise<{ readonly signedIn: boolean; readonly email: string | null }>;
}

const SiteDoc = z
  .object({
    id: z.string(),
    name: z.string(),
    subscription: z.object({ id: z.string(), plan: z.string(), valid_until: z.string() }).nullable().optional(),
    released_at: z.string().nullable().optional(),
    owner: z.object({ account_id: z.string(), email: z.string() }).nullable().optional(),
    my_role: z.string().optional(),
    installer_access_expires_at: z.string().nullable().optional(),
  })
  .loose();

const InvitationDoc = z.object({ id: z.string(), email: z.string(), status: z.string(), created_at: z.string(), expires_at: z.string() }).loose();
const InvitationList = z.object({ items: z.array(InvitationDoc) });

export interface CloudSite {
  readonly id: string;
  readonly name: string;
  readonly subscription: { readonly id: string; readonly plan: string; readonly validUntil: string } | null;
  readonly releasedAt: string | null;
  readonly owner: { readonly accountId: string; readonly email: string } | null;
  readonly myRole: string | null;
  readonly installerAccessExpiresAt: string | null;
}

export interface CloudInvitation {
  readonly id: string;
  readonly email: string;
  readonly status: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

function siteOf(b: z.infer<typeof SiteDoc>): CloudSite {
  return {
    id: b.id,
    name: b.name,
    subscription: b.subscription ? { id: b.subscription.id, plan: b.subscription.plan, validUntil: b.subscription.valid_until } : null,
    releasedAt: b.released_at ?? null,
    owner: b.owner ? { accountId: b.owner.account_id, email: b.owner.email } : null,
    myRole: b.my_role ?? null,
    installerAccessExpiresAt: b.installer_access_expires_at ?? null,
  };
}

function invitationOf(b: z.infer<typeof InvitationDoc>): CloudInvitation {
  return { id: b.id, email: b.email, status: b.status, createdAt: b.created_at, expiresAt: b.expires_at };
}

/** KS 1101 about the path's site id: the cloud has no such site this account can reach (not synced yet). */
export function isUnknownSite(e: unknown): boolean {
  if (!(e instanceof KsError) || e.ksCode !== 1101) return false;
  const cloud = (e.details as { cloud?: { parameter?: unknown } } | undefined)?.cloud;
  return cloud?.parameter === "site_id";
}

/** KS 2203 because the installer's 24 hours after the transfer are over. */
export function isInstallerAccessExpired(e: unknown): boolean {
  if (!(e instanceof KsError) || e.ksCode !== 2203) return false;
  const cloud = (e.details as { cloud?: { reason?: unknown } } | undefined)?.cloud;
  return cloud?.reason === "installer_access_expired";
}

export class HandoverCloud {
  constructor(private readonly auth: AuthorizedCloud) {}

  private base(siteId: string): string {
    return `/v1/sites/${encodeURIComponent(siteId)}`;
  }

  /** Who is signed in (null when nobody). */
  async signedInAs(): Promise<string | null> {
    const s = await this.auth.status();
    return s.signedIn ? s.email : null;
  }

  async site(siteId: string, signal?: AbortSignal): Promise<CloudSite> {
    const res = await this.auth.authorized({ method: "GET", path: this.base(siteId), schema: SiteDoc, ...(signal ? { signal } : {}) });
    return siteOf(res.body);
  }

  async invitations(siteId: string, signal?: AbortSignal): Promise<CloudInvitation[]> {
    const res = await this.auth.authorized({ method: "GET", path: `${this.base(siteId)}/ownership-invitations`, schema: InvitationList, ...(signal ? { signal } : {}) });
    return res.body.items.map(invitationOf);
  }

  /** Invites the owner-to-be (a Site Admin of the site); a new invitation replaces a pending one. */
  async invite(siteId: string, email: string, idempotencyKey: string, signal?: AbortSignal): Promise<CloudInvitation> {
    const res = await this.auth.authorized({
      method: "POST",
      path: `${this.base(siteId)}/ownership-invitations`,
      body: { email },
      idempotencyKey,
      schema: InvitationDoc,
      ...(signal ? { signal } : {}),
    });
    return invitationOf(res.body);
  }

  /** Opens the site to its owner; the same answer when it is released already. */
  async release(siteId: string, idempotencyKey: string, signal?: AbortSignal): Promise<CloudSite> {
    const res = await this.auth.authorized({ method: "POST", path: `${this.base(siteId)}:release`, idempotencyKey, schema: SiteDoc, ...(signal ? { signal } : {}) });
    return siteOf(res.body);
  }
}
