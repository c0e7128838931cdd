import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KsHttp, type FetchLike } from "../../../core/cloud/http.ts";
import { CloudSession } from "../../../core/cloud/session.ts";
import type { SiteStore } from "../../../core/store/index.ts";
import type { RunningCloud } from "../../cloud/server.ts";
import { demoSite, makeTempDir, newAccount, signIn, syncOf, testCloud, type Signed, type TestAccount } from "./cloud-fixtures.ts";

/** The emulator's row of an entity, with its version. */
function cloudRow(cloud: RunningCloud, siteId: string, resource: string, id: string): Record<string, unknown> {
  const row = cloud.db.prepare(`SELECT doc, version FROM entities WHERE site_id = ? AND resource = ? AND id = ?`).get(siteId, resource, id) as { doc: string; version: number } | undefined;
  if (!row) throw new Error(`no ${resource} ${id} in the cloud`);
  return { ...(JSON.parse(row.doc) as Record<string, unknown>), version: row.version };
}

describe("sync merges changes to different fields of the same entity (KS cloud emulator)", () => {
  let cloud: RunningCloud;
  let account: TestAccount;
  let signed: Signed;
  const temp = makeTempDir("lintel-merge-");
  let sites = 0;
  beforeAll(async () => {
    cloud = await testCloud();
    account = newAccount(cloud);
    signed = await signIn(cloud, account);
  });
  afterAll(async () => {
    await cloud.close();
    temp.remove();
  });

  /** A demo hotel fully synced, with its own subscription. */
  async function synced(seed: number): Promise<SiteStore> {
    sites += 1;
    const store = demoSite(temp.dir, seed, `merge-${sites}.lintel`);
    const sub = cloud.grantSubscription({ email: account.email, valid_until: new Date(Date.now() + 86_400_000 * 30).toISOString() }).id;
    const s = syncOf(store, signed);
    try {
      await s.remote.putSiteDoc(store.site(), `test-site-${store.siteId}`);
      await s.remote.attachSubscription(sub);
      expect((await s.engine.run()).outcome).toBe("done");
    } finally {
      s.close();
    }
    return store;
  }

  it("a name changed here and a phone changed in the cloud: the sync is clean and both sides hold both", async () => {
    const store = await synced(21);
    const user = store.list("user")[2]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    const before = cloudRow(cloud, store.siteId, "users", user.id);
    cloud.cloudChanges(store.siteId, [{ op: "upsert", resource: "users", id: user.id, body: { ...before, version: undefined, phone: "+32 470 12 34 56" } }]);
    const sync = syncOf(store, signed);
    try {
      const report = await sync.engine.run();
      expect(report.outcome).toBe("done");
      expect(report.conflicts).toBe(0);
      expect(sync.engine.conflicts()).toEqual([]);
      expect(cloudRow(cloud, store.siteId, "users", user.id)).toMatchObject({ last_name: "Mine", phone: "+32 470 12 34 56", version: (before["version"] as number) + 2 });
      expect(store.get("user", user.id)).toMatchObject({ lastName: "Mine", phone: "+32 470 12 34 56" });
      const again = await sync.engine.run();
      expect(again).toMatchObject({ outcome: "done", conflicts: 0, changesSent: 0 });
      expect(sync.engine.dryRun().changes).toBe(0);
    } finally {
      sync.close();
      store.close();
    }
  });

  it("a cloud change arriving between the pull and the push (409): merged, re-sent on the cloud's version, clean", async () => {
    const store = await synced(22);
    const user = store.list("user")[3]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    let sneaked = false;
    const sneakyFetch: FetchLike = async (input, init) => {
      if (!sneaked && new URL(input).pathname.endsWith("/changes:batch")) {
        sneaked = true;
        const row = cloud.db.prepare(`SELECT doc FROM entities WHERE site_id = ? AND resource = 'users' AND id = ?`).get(store.siteId, user.id) as { doc: string };
        cloud.cloudChanges(store.siteId, [{ op: "upsert", resource: "users", id: user.id, body: { ...JSON.parse(row.doc), phone: "+32 470 65 43 21" } }]);
      }
      return fetch(input, init);
    };
    const http = new KsHttp({ baseUrl: cloud.url, clock: cloud.clock, fetch: sneakyFetch });
    const sneaky: Signed = { http, vault: signed.vault, session: new CloudSession({ http, vault: signed.vault, clock: cloud.clock }) };
    const sync = syncOf(store, sneaky);
    try {
      const report = await sync.engine.run();
      expect(sneaked).toBe(true);
      expect(report).toMatchObject({ outcome: "done", conflicts: 0 });
      expect(cloudRow(cloud, store.siteId, "users", user.id)).toMatchObject({ last_name: "Mine", phone: "+32 470 65 43 21", version: 3 });
      expect(store.get("user", user.id)).toMatchObject({ lastName: "Mine", phone: "+32 470 65 43 21" });
      // Our two writes of this user took effect once each: the first sync and the merged re-send.
      const ours = cloud.db.prepare(`SELECT count(*) AS n FROM feed WHERE site_id = ? AND resource = 'users' AND id = ? AND origin = 'api'`).get(store.siteId, user.id) as { n: number };
      expect(ours.n).toBe(2);
      expect((await sync.engine.run()).changesSent).toBe(0);
    } finally {
      sync.close();
      store.close();
    }
  });

  it("after a handover release (released_at in the cloud, stage here) the next sync is clean and sends the stage", async () => {
    const store = await synced(23);
    const site = store.site();
    const released = await signed.session.authorized({
      method: "POST",
      path: `/v1/sites/${store.siteId}:release`,
      idempotencyKey: `test-release-${store.siteId}`,
      schema: z.object({ released_at: z.string(), version: z.number() }).loose(),
    });
    store.act({ name: "handover.release" }, (tx) => tx.update("site", store.siteId, (s) => ({ ...s, stage: "handed-over" })));
    const sync = syncOf(store, signed);
    try {
      const report = await sync.engine.run();
      expect(report).toMatchObject({ outcome: "done", conflicts: 0 });
      expect(sync.engine.conflicts()).toEqual([]);
      const row = cloud.db.prepare(`SELECT doc, released_at FROM sites WHERE id = ?`).get(store.siteId) as { doc: string; released_at: string | null };
      expect({ stage: (JSON.parse(row.doc) as { stage: unknown }).stage, released_at: row.released_at }).toEqual({ stage: "handed-over", released_at: released.body.released_at });
      expect(store.site()).toEqual({ ...site, stage: "handed-over" });
      expect((await sync.engine.run()).conflicts).toBe(0);
    } finally {
      sync.close();
      store.close();
    }
  });
});
