import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import type { RunningCloud } from "../../cloud/server.ts";
import { CountingFetch, makeTempDir, MemoryVault, newAccount, testCloud, totpCode, type TestAccount } from "./cloud-fixtures.ts";

const ctx = { transport: "cli", actor: "installer@test" } as const;

describe("the cloud procedures over the app's router", () => {
  let cloud: RunningCloud;
  let app: LintelApp;
  let account: TestAccount;
  const vault = new MemoryVault();
  const counting = new CountingFetch();
  const temp = makeTempDir("lintel-cloud-api-");
  const events: { name: string; payload: unknown }[] = [];
  const call = <T>(name: string, input: unknown = {}) => app.router.call(name, input, ctx) as Promise<T>;

  beforeAll(async () => {
    cloud = await testCloud();
    account = newAccount(cloud);
    app = createLintelApp({ dataDir: temp.dir, transport: "cli", vault, cloudUrl: cloud.url, fetch: counting.fetch, tagReaders: { usb: "off" } });
    app.events.subscribe((name, payload) => events.push({ name, payload }));
  });
  afterAll(async () => {
    app.close();
    await cloud.close();
    temp.remove();
  });

  it("signs in with TOTP, syncs the demo hotel with progress events, then resolves a conflict", async () => {
    expect(await call<Output<"cloud.status">>("cloud.status")).toEqual({ cloudUrl: cloud.url, signedIn: false, email: null, accessExpiresAt: null });
    const step1 = await call<Output<"cloud.signIn">>("cloud.signIn", { email: account.email, password: account.password });
    expect(step1.kind).toBe("second-factor");
    if (step1.kind !== "second-factor") return;
    await expect(call("cloud.verify2fa", { challengeId: step1.challengeId, method: "totp", code: "12a456" })).rejects.toMatchObject({ ksCode: 1100 });
    const step2 = await call<Output<"cloud.verify2fa">>("cloud.verify2fa", { challengeId: step1.challengeId, method: "totp", code: totpCode(account, cloud.clock.now()) });
    expect(step2).toMatchObject({ kind: "signed-in", email: account.email, twoFactorReset: false });
    expect(events.filter((e) => e.name === "cloud.session").at(-1)?.payload).toMatchObject({ signedIn: true, email: account.email });
    // No procedure output carries a token.
    expect(JSON.stringify(step2)).not.toMatch(/token/i);

    const demo = await call<Output<"sites.openDemo">>("sites.openDemo");
    const dry = await call<Output<"sync.dryRun">>("sync.dryRun", { siteId: demo.siteId, sample: 3 });
    expect(dry.byEntity["door"]).toEqual({ insert: 20, update: 0, delete: 0 });
    expect(dry.first).toHaveLength(3);

    const report = await call<Output<"sync.start">>("sync.start", { siteId: demo.siteId, subscriptionId: account.subscriptionId });
    expect(report).toMatchObject({ outcome: "done", error: null, setAside: 0, conflicts: 0 });
    const progress = events.filter((e) => e.name === "sync.progress").map((e) => e.payload as { phase: string; siteId: string });
    expect(progress.every((p) => p.siteId === demo.siteId)).toBe(true);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(["starting", "pull", "push", "done"]));
    const status = await call<Output<"sync.status">>("sync.status", { siteId: demo.siteId });
    expect(status).toMatchObject({ running: false, pendingEntries: 0, setAside: 0, openConflicts: 0, last: { outcome: "done" } });

    // A tag assigned in the cloud while it is blocked here.
    const tags = await call<Output<"tags.list">>("tags.list", { siteId: demo.siteId });
    const free = tags.find((t) => t.state === "unassigned")!;
    const users = await call<Output<"users.search">>("users.search", { siteId: demo.siteId });
    const row = cloud.db.prepare(`SELECT doc FROM entities WHERE site_id = ? AND resource = 'tags' AND id = ?`).get(demo.siteId, free.id) as { doc: string };
    cloud.cloudChanges(demo.siteId, [{ op: "upsert", resource: "tags", id: free.id, body: { ...JSON.parse(row.doc), user_id: users.items[0]!.id, state: "assigned", assigned_at: "2026-11-25T10:00:00.000Z" } }]);
    await call("tags.block", { siteId: demo.siteId, tagId: free.id });
    const second = await call<Output<"sync.start">>("sync.start", { siteId: demo.siteId });
    expect(second.conflicts).toBe(1);
    const conflicts = await call<Output<"sync.conflicts">>("sync.conflicts", { siteId: demo.siteId });
    expect(conflicts).toEqual([expect.objectContaining({ entity: "tag", entityId: free.id, label: `Tag ${free.number}`, state: "open" })]);
    const resolved = await call<Output<"sync.resolve">>("sync.resolve", { siteId: demo.siteId, conflictId: conflicts[0]!.id, choice: "theirs" });
    expect(resolved.state).toBe("took-theirs");
    expect((await call<Output<"tags.list">>("tags.list", { siteId: demo.siteId })).find((t) => t.id === free.id)).toMatchObject({ state: "assigned", userId: users.items[0]!.id });
    expect(events.some((e) => e.name === "site.changed" && (e.payload as { action: string }).action === "sync.take-theirs")).toBe(true);

    expect(await call<Output<"sync.setAside">>("sync.setAside", { siteId: demo.siteId, action: "list" })).toEqual({ items: [], accepted: null });
    await expect(call("sync.setAside", { siteId: demo.siteId, action: "discard", id: 99 })).rejects.toMatchObject({ code: "sync.set_aside_not_found" });
    expect(await call<Output<"sync.cancel">>("sync.cancel", { siteId: demo.siteId })).toEqual({ cancelled: false });

    expect(await call<Output<"cloud.signOut">>("cloud.signOut")).toEqual({ signedOut: true });
    const after = await call<Output<"sync.start">>("sync.start", { siteId: demo.siteId });
    expect(after).toMatchObject({ outcome: "failed", error: { ksCode: 1500, advice: expect.stringMatching(/Sign in/) } });
    // The site file holds no token: the vault had them, and it is empty now.
    expect(vault.entries.has(`ks-cloud:${cloud.url}:session`)).toBe(false);
  });
});
