import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/ports/clock.ts";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, docs, expectKs, id, readySite, signedIn } from "./support.ts";

/**
 * The handover (API.md §9): the installer invites the owner-to-be (a Site Admin) by
 * e-mail, the owner accepts, ownership moves, the installer keeps 24 h of installer
 * access, and the site opens to its owner only once the installer released it.
 */

let cloud: RunningCloud;
const clock = new ManualClock(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  cloud = await startCloud({ port: 0, clock });
});
afterAll(async () => {
  await cloud.close();
});

async function siteWithAdmin() {
  const s = await readySite(cloud);
  const owner = await signedIn(cloud);
  const adminUserId = id();
  const formerOwnerUserId = id();
  await s.put("users", formerOwnerUserId, docs.user({ first_name: "Planned", email: "planned.owner@aurora.example", role: "owner" }));
  await s.put("users", adminUserId, docs.user({ first_name: "Maren", email: owner.email.toUpperCase(), role: "site-admin" }));
  return { s, owner, adminUserId, formerOwnerUserId };
}

const invite = (s: Awaited<ReturnType<typeof readySite>>, email: string) => call(cloud, "POST", s.path("/ownership-invitations"), { token: s.token, body: { email } });
const tokenFor = (email: string) => cloud.outbox({ to: email, channel: "email" }).at(-1)!.token!;

describe("handover", () => {
  it("moves ownership to the invited Site Admin, keeps the installer for 24 hours, and opens the site on release", async () => {
    const { s, owner, adminUserId, formerOwnerUserId } = await siteWithAdmin();
    const inv = await invite(s, owner.email);
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ email: owner.email, status: "pending" });
    const mail = cloud.outbox({ to: owner.email, channel: "email" }).at(-1)!;
    expect(mail.subject).toContain("Hotel Aurora");
    expect(mail.body).toContain(mail.token!);

    const before = await call(cloud, "GET", s.path("/changes"), { token: s.token });
    const accepted = await call(cloud, "POST", `/v1/ownership-invitations/${mail.token}:accept`, { token: owner.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ my_role: "owner", owner: { account_id: owner.accountId }, released_at: null });

    const installerView = await call(cloud, "GET", s.path(""), { token: s.token });
    expect(installerView.body.my_role).toBe("installer");
    expect(installerView.body.installer_access_expires_at).toBe(new Date(clock.now() + 86_400_000).toISOString());

    const feed = await call(cloud, "GET", s.path(`/changes?since=${before.body.cursor}`), { token: s.token });
    const roles = feed.body.items.filter((e: { resource: string }) => e.resource === "users").map((e: { id: string; origin: string; body: { role: string } }) => [e.id, e.origin, e.body.role]);
    expect(roles).toEqual([
      [formerOwnerUserId, "cloud", "site-admin"],
      [adminUserId, "cloud", "owner"],
    ]);
    expect(feed.body.items.at(-1)).toMatchObject({ resource: "site", origin: "cloud", body: { owner: { account_id: owner.accountId } } });

    expectKs(await call(cloud, "GET", s.path(""), { token: owner.token }), 2210);
    expectKs(await call(cloud, "POST", s.path(":release"), { token: owner.token }), 2210);
    const released = await call(cloud, "POST", s.path(":release"), { token: s.token });
    expect(released.status).toBe(200);
    expect(released.body.released_at).toBe(new Date(clock.now()).toISOString());
    expect((await call(cloud, "POST", s.path(":release"), { token: s.token })).body.released_at).toBe(released.body.released_at);
    expect((await call(cloud, "GET", s.path("/users"), { token: owner.token })).status).toBe(200);
    expectKs(await call(cloud, "POST", s.path(":release"), { token: owner.token }), 2203);

    clock.advance(86_400_000);
    const later = await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: s.email, password: s.password } });
    const expired = await call(cloud, "GET", s.path("/users"), { token: later.body.access_token });
    expectKs(expired, 2203);
    expect(expired.body.details.reason).toBe("installer_access_expired");
    const stillOwner = await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: owner.email, password: owner.password } });
    expect((await call(cloud, "GET", s.path("/users"), { token: stillOwner.body.access_token })).status).toBe(200);
  });

  it("replaces a pending invitation, and an invitation works only for its e-mail and only once", async () => {
    const { s, owner } = await siteWithAdmin();
    await invite(s, owner.email);
    const first = tokenFor(owner.email);
    await invite(s, owner.email);
    const second = tokenFor(owner.email);
    expectKs(await call(cloud, "POST", `/v1/ownership-invitations/${first}:accept`, { token: owner.token }), 1101, 404);
    const stranger = await signedIn(cloud);
    expectKs(await call(cloud, "POST", `/v1/ownership-invitations/${second}:accept`, { token: stranger.token }), 2203);
    expect((await call(cloud, "POST", `/v1/ownership-invitations/${second}:accept`, { token: owner.token })).status).toBe(200);
    expectKs(await call(cloud, "POST", `/v1/ownership-invitations/${second}:accept`, { token: owner.token }), 1101, 404);
    const list = await call(cloud, "GET", s.path("/ownership-invitations"), { token: s.token });
    expect(list.body.items.map((i: { status: string }) => i.status)).toEqual(["revoked", "accepted"]);
  });

  it("lets invitations expire after 7 days", async () => {
    const { s, owner } = await siteWithAdmin();
    await invite(s, owner.email);
    clock.advance(7 * 86_400_000);
    const fresh = await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: owner.email, password: owner.password } });
    expectKs(await call(cloud, "POST", `/v1/ownership-invitations/${tokenFor(owner.email)}:accept`, { token: fresh.body.access_token }), 1101, 404);
  });

  it("releases only with a valid subscription", async () => {
    const who = await signedIn(cloud);
    const siteId = id();
    await call(cloud, "PUT", `/v1/sites/${siteId}`, { token: who.token, body: { name: "Unpaid" } });
    expectKs(await call(cloud, "POST", `/v1/sites/${siteId}:release`, { token: who.token }), 2212);
  });

  it("refuses a subscription of someone else or already serving another site", async () => {
    const a = await readySite(cloud);
    const b = await readySite(cloud);
    expectKs(await call(cloud, "PUT", b.path("/subscription"), { token: b.token, body: { subscription_id: a.subscriptionId } }), 1101, 404);
    const siteId = id();
    await call(cloud, "PUT", `/v1/sites/${siteId}`, { token: a.token, body: { name: "Second site" } });
    expectKs(await call(cloud, "PUT", `/v1/sites/${siteId}/subscription`, { token: a.token, body: { subscription_id: a.subscriptionId } }), 2203);
    const subs = await call(cloud, "GET", "/v1/subscriptions", { token: a.token });
    expect(subs.body.items).toEqual([expect.objectContaining({ id: a.subscriptionId, site_id: a.siteId })]);
  });

  it("keeps a site id to the one who created it", async () => {
    const s = await readySite(cloud);
    const other = await signedIn(cloud);
    expectKs(await call(cloud, "PUT", s.path(""), { token: other.token, body: { name: "Mine now" } }), 2203);
    const renamed = await call(cloud, "PUT", s.path(""), { token: s.token, body: { name: "Hotel Aurora & Spa" } });
    expect(renamed.body).toMatchObject({ name: "Hotel Aurora & Spa", version: 3 });
  });
});
