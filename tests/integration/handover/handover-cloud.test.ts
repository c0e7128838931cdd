import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret, TOTP } from "otpauth";
import type { Output } from "../../../core/api/contract.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import { openReadWrite } from "../../../core/store/database.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import type { SecretVault } from "../../../core/ports/secret-vault.ts";
import { startCloud, type RunningCloud } from "../../cloud/server.ts";
import { handoverSite, OWNER_EMAIL, ADMIN_EMAIL, T0 } from "../../unit/handover/fixture.ts";
import { pdfPageTexts } from "../../unit/handover/pdf-text.ts";

/**
 * The whole handover against the KS cloud emulator over real HTTP, through the app's
 * router as the UI calls it: refused while the checklist fails, then invite the owner
 * → the owner accepts in the cloud → ownership transferred, the installer keeps 24 h
 * of installer access → released → after 24 h the installer's access has ended.
 */

class MemoryVault implements SecretVault {
  readonly entries = new Map<string, string>();
  async get(key: string) {
    return this.entries.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.entries.set(key, value);
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
}

const ctx = { transport: "cli", actor: "installer@test" } as const;
const INSTALLER = "installer.handover@lintel.example";
const PASSWORD = "correct horse battery";
const OWNER_PASSWORD = "aurora-owner-2026";
const DAY = 86_400_000;

/** A site made by the unit fixture, as a file the app opens: nothing synced yet. */
function siteFile(seed: number): { readonly path: string; readonly lockIds: readonly string[]; readonly doorIds: readonly string[]; readonly ownerId: string; readonly userId: string; cleanup(): void } {
  const s = handoverSite(seed);
  s.records.state();
  const { path, lockIds, doorIds, ownerId, userId } = s;
  s.store.close();
  const db = openReadWrite(path, { mustExist: true });
  db.prepare(`UPDATE sync_state SET checkpoint_seq = 0, last_synced_at = NULL`).run();
  db.close();
  return { path, lockIds, doorIds, ownerId, userId, cleanup: () => s.cleanup() };
}

async function fetchJson(url: string, init: { method: string; token?: string; body?: unknown }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: init.method,
    headers: { "content-type": "application/json", ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("handover against the KS cloud emulator", () => {
  const clock = new ManualClock(T0 + DAY);
  const vault = new MemoryVault();
  let cloud: RunningCloud;
  let app: LintelApp;
  let subscriptionId: string;
  const events: { name: string; payload: unknown }[] = [];
  const call = <T>(name: string, input: unknown = {}) => app.router.call(name, input, ctx) as Promise<T>;
  const files: { cleanup(): void }[] = [];

  beforeAll(async () => {
    cloud = await startCloud({ port: 0, clock });
    const seeded = cloud.createAccount({ email: INSTALLER, password: PASSWORD, totp: true });
    subscriptionId = cloud.grantSubscription({ email: INSTALLER, valid_until: new Date(clock.now() + 365 * DAY).toISOString() }).id;
    cloud.createAccount({ email: OWNER_EMAIL, password: OWNER_PASSWORD });
    app = createLintelApp({ dataDir: (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/lintel-handover-app-`), transport: "cli", vault, clock, cloudUrl: cloud.url, tagReaders: { usb: "off" } });
    app.events.subscribe((name, payload) => events.push({ name, payload }));
    const step1 = await call<Output<"cloud.signIn">>("cloud.signIn", { email: INSTALLER, password: PASSWORD });
    if (step1.kind !== "second-factor") throw new Error("expected a second factor");
    const code = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(seeded.totp_secret!) }).generate({ timestamp: clock.now() });
    await call("cloud.verify2fa", { challengeId: step1.challengeId, method: "totp", code });
  });
  afterAll(async () => {
    app.close();
    await cloud.close();
    for (const f of files) f.cleanup();
  });

  async function open(seed: number) {
    const file = siteFile(seed);
    files.push(file);
    const summary = await call<Output<"sites.open">>("sites.open", { path: file.path });
    return { ...file, siteId: summary.siteId };
  }

  const failing = (c: Output<"handover.checklist">) => c.items.filter((i) => i.state !== "ok").map((i) => i.id);

  it("refuses while the checklist fails, then invites, follows the transfer and the time-boxed installer access, and releases", async () => {
    const site = await open(21);

    // Not synced, no presets: the checklist says what is missing, and the handover waits.
    const before = await call<Output<"handover.checklist">>("handover.checklist", { siteId: site.siteId });
    expect(failing(before)).toEqual(["subscription", "sync-clean", "presets"]);
    expect(before.items.find((i) => i.id === "subscription")!.summary).toMatch(/not in the KS cloud/);
    await expect(call("handover.inviteOwner", { siteId: site.siteId, email: OWNER_EMAIL })).rejects.toMatchObject({
      code: "handover.checklist_failing",
      details: { items: expect.arrayContaining([expect.objectContaining({ id: "presets" })]) },
    });
    expect(cloud.outbox({ to: OWNER_EMAIL, channel: "email" })).toEqual([]);

    // Owner presets: a refusal first, then a rule and the NOT CLOSED alerts.
    await expect(call("handover.setPresets", { siteId: site.siteId, rules: [], notClosedAfterSeconds: 60 })).rejects.toMatchObject({ code: "notification.not_closed_fixed" });
    const presets = await call<Output<"handover.setPresets">>("handover.setPresets", {
      siteId: site.siteId,
      rules: [{ name: "Room 1 at night", people: "anyone", doors: [site.doorIds[0]], timing: { kind: "always" }, channels: ["app", "email"], recipientIds: [site.ownerId] }],
      notClosed: [{ lockId: site.lockIds[3], enabled: false }],
    });
    expect(presets).toMatchObject({ saved: true, notClosedAfterSeconds: 38, problem: null });
    expect(presets.notClosed.filter((a) => a.enabled)).toHaveLength(3);

    // Sync with a subscription: now everything passes.
    const synced = await call<Output<"sync.start">>("sync.start", { siteId: site.siteId, subscriptionId });
    expect(synced).toMatchObject({ outcome: "done", setAside: 0, conflicts: 0 });
    const ready = await call<Output<"handover.checklist">>("handover.checklist", { siteId: site.siteId });
    expect(failing(ready)).toEqual([]);
    expect(ready.passed).toBe(true);

    // Release before the owner took over, an invitation to someone who is not a Site Admin, or to yourself: refused.
    await expect(call("handover.release", { siteId: site.siteId })).rejects.toMatchObject({ code: "handover.not_transferred" });
    await expect(call("handover.inviteOwner", { siteId: site.siteId, email: "someone@else.example" })).rejects.toMatchObject({ ksCode: 2203, details: { reason: "not_site_admin" } });
    await expect(call("handover.inviteOwner", { siteId: site.siteId, email: INSTALLER })).rejects.toMatchObject({ ksCode: 4201 });

    // Invite → the cloud e-mails the owner.
    const invited = await call<Output<"handover.inviteOwner">>("handover.inviteOwner", { siteId: site.siteId, email: OWNER_EMAIL });
    expect(invited).toMatchObject({ stage: "invited", ownerEmail: OWNER_EMAIL, installerEmail: INSTALLER, installerAccess: "full", invitation: { email: OWNER_EMAIL, status: "pending" } });
    const mail = cloud.outbox({ to: OWNER_EMAIL, channel: "email" }).at(-1)!;
    expect(mail.token).toBeTruthy();

    // The owner accepts in the cloud: ownership moves, the installer keeps 24 hours.
    const ownerIn = await fetchJson(`${cloud.url}/v1/auth/sign-in`, { method: "POST", body: { email: OWNER_EMAIL, password: OWNER_PASSWORD } });
    const ownerToken = ownerIn.body["access_token"] as string;
    expect((await fetchJson(`${cloud.url}/v1/ownership-invitations/${mail.token}:accept`, { method: "POST", token: ownerToken })).status).toBe(200);
    expect((await fetchJson(`${cloud.url}/v1/sites/${site.siteId}`, { method: "GET", token: ownerToken })).body).toMatchObject({ ksCode: 2210 });

    const transferred = await call<Output<"handover.status">>("handover.status", { siteId: site.siteId });
    expect(transferred).toMatchObject({
      stage: "transferred",
      installerAccess: "time-boxed",
      installerAccessExpiresAt: new Date(clock.now() + DAY).toISOString(),
      invitation: { status: "accepted" },
      cloud: { state: "ok" },
    });
    await expect(call("handover.inviteOwner", { siteId: site.siteId, email: OWNER_EMAIL })).rejects.toMatchObject({ code: "handover.already_transferred" });

    // A change made meanwhile makes the sync unclean: release waits for it.
    await call("doors.move", { siteId: site.siteId, doorId: site.doorIds[0], x: 8.5, y: 3 });
    await expect(call("handover.release", { siteId: site.siteId })).rejects.toMatchObject({
      code: "handover.checklist_failing",
      details: { items: [expect.objectContaining({ id: "sync-clean" })] },
    });
    expect((await call<Output<"sync.start">>("sync.start", { siteId: site.siteId })).outcome).toBe("done");

    // Release: the owner reaches the site; the site file says handed over; releasing again answers the same.
    const released = await call<Output<"handover.release">>("handover.release", { siteId: site.siteId });
    expect(released).toMatchObject({ stage: "released", releasedAt: new Date(clock.now()).toISOString(), installerAccess: "time-boxed" });
    expect((await fetchJson(`${cloud.url}/v1/sites/${site.siteId}`, { method: "GET", token: ownerToken })).body).toMatchObject({ released_at: released.releasedAt, my_role: "owner" });
    expect((await call<Output<"site.overview">>("site.overview", { siteId: site.siteId })).site.stage).toBe("handed-over");
    expect((await call<Output<"handover.release">>("handover.release", { siteId: site.siteId })).releasedAt).toBe(released.releasedAt);
    expect(events.filter((e) => e.name === "handover.changed").map((e) => (e.payload as { what: string }).what)).toEqual(["presets", "invited", "status", "released"]);

    // The report describes the handed-over site and carries its hash.
    const report = await call<Output<"handover.report">>("handover.report", { siteId: site.siteId });
    expect(report.counts).toEqual({ iqs: 1, repeaters: 0, locks: 4, doors: 4, users: 3, tags: 3, doorsOpened: 4 });
    const pages = await pdfPageTexts(Buffer.from(report.dataBase64, "base64"));
    expect(pages[0]).toEqual(expect.arrayContaining([`Site state SHA-256: ${report.hash}`, INSTALLER, "Maren Claes <maren.claes@aurora-hotel.example>"]));
    expect((await call<Output<"handover.report">>("handover.report", { siteId: site.siteId })).hash).toBe(report.hash);
    expect((await call<Output<"handover.status">>("handover.status", { siteId: site.siteId })).lastReport).toMatchObject({ hash: report.hash, matchesSite: true });

    // 24 hours later the installer's access has ended; Lintel says so instead of failing.
    clock.advance(DAY + 1000);
    const later = await call<Output<"handover.status">>("handover.status", { siteId: site.siteId });
    expect(later).toMatchObject({ stage: "released", installerAccess: "ended", cloud: { state: "access-ended" } });
    expect(later.log.map((l) => l.event)).toEqual(expect.arrayContaining(["installer-access-ended", "released", "transferred", "invited", "presets-saved", "report"]));
  });

  it("fails the subscription item with KS 2212 for a site in the cloud without a subscription", async () => {
    const site = await open(22);
    const run = await call<Output<"sync.start">>("sync.start", { siteId: site.siteId });
    expect(run.outcome).toBe("failed");
    expect(run.error?.ksCode).toBe(2212);
    const c = await call<Output<"handover.checklist">>("handover.checklist", { siteId: site.siteId });
    expect(c.items.find((i) => i.id === "subscription")).toMatchObject({ state: "failing", ksCode: 2212 });
    expect(c.passed).toBe(false);
  });

  it("says unknown, not ok, about the cloud once signed out, and refuses to invite", async () => {
    const site = await open(23);
    await call("cloud.signOut");
    const c = await call<Output<"handover.checklist">>("handover.checklist", { siteId: site.siteId });
    expect(c.items.find((i) => i.id === "subscription")).toMatchObject({ state: "unknown", action: "Sign in to the KS cloud." });
    await expect(call("handover.inviteOwner", { siteId: site.siteId, email: ADMIN_EMAIL })).rejects.toMatchObject({ code: "cloud.not_signed_in" });
    expect((await call<Output<"handover.status">>("handover.status", { siteId: site.siteId })).cloud.state).toBe("signed-out");
  });
});
