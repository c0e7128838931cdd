import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KsHttp, type FetchLike } from "../../../core/cloud/http.ts";
import { CloudSession } from "../../../core/cloud/session.ts";
import type { SiteStore } from "../../../core/store/index.ts";
import type { SyncProgress } from "../../../core/sync/index.ts";
import type { RunningCloud } from "../../cloud/server.ts";
import { cloudCounts, demoSite, localCounts, makeTempDir, newAccount, recordingSleep, signIn, syncOf, testCloud, type Signed, type TestAccount } from "./cloud-fixtures.ts";

/** Entities the cloud changed more than once through the API (a doubled change would show here). */
function changedTwice(cloud: RunningCloud, siteId: string): unknown[] {
  return cloud.db
    .prepare(`SELECT resource, id, count(*) AS n FROM feed WHERE site_id = ? AND origin = 'api' AND resource NOT IN ('site', 'iq-trees') GROUP BY resource, id HAVING n > 1`)
    .all(siteId);
}

function cloudDoc(cloud: RunningCloud, siteId: string, resource: string, id: string): Record<string, unknown> | undefined {
  const row = cloud.db.prepare(`SELECT doc, version FROM entities WHERE site_id = ? AND resource = ? AND id = ?`).get(siteId, resource, id) as { doc: string; version: number } | undefined;
  return row ? { ...(JSON.parse(row.doc) as Record<string, unknown>), version: row.version } : undefined;
}

describe("sync against the KS cloud emulator", () => {
  let cloud: RunningCloud;
  let account: TestAccount;
  let signed: Signed;
  const temp = makeTempDir();
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

  /** A demo hotel synced far enough to exist in the cloud with a subscription (nothing else pushed yet). */
  async function registered(seed: number): Promise<{ store: SiteStore; sub: string }> {
    sites += 1;
    const store = demoSite(temp.dir, seed, `site-${sites}.lintel`);
    const sub = newSubscription();
    const s = syncOf(store, signed);
    await s.remote.putSiteDoc(store.site(), `test-site-${store.siteId}`);
    await s.remote.attachSubscription(sub);
    s.close();
    return { store, sub };
  }

  function newSubscription(): string {
    return cloud.grantSubscription({ email: account.email, valid_until: new Date(Date.now() + 86_400_000 * 30).toISOString() }).id;
  }

  it("syncs the demo hotel: the cloud holds every entity exactly once; a site without subscription is told 2212 first", async () => {
    const store = demoSite(temp.dir, 1, "demo.lintel");
    const sync = syncOf(store, signed);
    try {
      const first = await sync.engine.run();
      expect(first.outcome).toBe("failed");
      expect(first.error).toMatchObject({ code: "ks.2212", ksCode: 2212, advice: expect.stringMatching(/subscription/) });
      await sync.remote.attachSubscription(account.subscriptionId);
      const report = await sync.engine.run();
      expect(report.outcome, JSON.stringify(report.error)).toBe("done");
      expect(cloudCounts(cloud, store.siteId)).toEqual(localCounts(store));
      expect(changedTwice(cloud, store.siteId)).toEqual([]);
      // The cloud's side of the site came back: the subscription, journaled as the cloud's.
      expect(store.site().subscription).toMatchObject({ plan: "KS Pro" });
      expect(sync.engine.status()).toMatchObject({ pendingEntries: 0, setAside: 0, openConflicts: 0, inflight: false });
      // Requests: the first run's failed batch, then one batch and the feed.
      expect(report.requests).toBeLessThanOrEqual(4);
    } finally {
      sync.close();
      store.close();
    }
  });

  it("converges under 5xx, 429 with Retry-After, dropped connections and responses lost after commit, nothing doubled", async () => {
    const { store } = await registered(2);
    // More to push: 60 more users with a tag each, in small actions.
    for (let i = 0; i < 60; i++) {
      store.act({ name: "test.user" }, (tx) => {
        const u = tx.insert("user", { firstName: "Guest", lastName: `N${i}`, email: `guest${i}@example.test` });
        tx.insert("tag", { number: `0B00${String(i).padStart(4, "0")}`, state: "assigned", userId: u.id, assignedAt: tx.at });
      });
    }
    const sleeper = recordingSleep();
    const sync = syncOf(store, signed, { sleep: sleeper.sleep, limits: { maxChanges: 10 } });
    try {
      cloud.setFaults({ seed: 42, error_rate: 0.15, drop_rate: 0.1, lose_response_rate: 0.2, rate_limit_count: 2, retry_after_seconds: 2, match: { path_prefix: `/v1/sites/${store.siteId}/` } });
      const report = await sync.engine.run();
      const fired = cloud.faults.get().fired;
      cloud.clearFaults();
      expect(report.outcome, JSON.stringify(report.error)).toBe("done");
      // The site document the cloud already had (with its subscription) is not a conflict.
      expect(report.conflicts).toBe(0);
      expect(fired.lose_response).toBeGreaterThan(0);
      expect(fired.drop + fired.error).toBeGreaterThan(0);
      expect(fired.rate_limit).toBe(2);
      expect(sleeper.waits.filter((w) => w >= 2000).length).toBeGreaterThanOrEqual(2);
      expect(report.retries).toBeGreaterThanOrEqual(fired.lose_response + fired.drop + fired.error + fired.rate_limit - 2);
      expect(cloudCounts(cloud, store.siteId)).toEqual(localCounts(store));
      expect(changedTwice(cloud, store.siteId)).toEqual([]);
      // The replays are visible: keys that answered twice are still one change each.
      const keys = (cloud.db.prepare(`SELECT count(*) AS n FROM change_keys WHERE site_id = ?`).get(store.siteId) as { n: number }).n;
      expect(keys).toBe(report.changesSent - 1);
    } finally {
      cloud.clearFaults();
      sync.close();
      store.close();
    }
  });

  it("sets aside what the cloud refuses by a rule (2215, 2204) and pushes the rest; the IQ trees go up", async () => {
    const { store } = await registered(3);
    const iqs = store.list("iq");
    const locks = store.list("lock");
    const users = store.list("user");
    store.act({ name: "test.attach" }, (tx) => {
      // Floor 0's ten locks on the first IQ: a valid tree. Then 7 more there: 17 > 16 (2204).
      locks.slice(0, 10).forEach((l) => tx.update("lock", l.id, (x) => ({ ...x, parent: { kind: "iq", id: iqs[0]!.id }, linkState: "attached_pending" })));
      locks.slice(10, 12).forEach((l) => tx.update("lock", l.id, (x) => ({ ...x, parent: { kind: "iq", id: iqs[1]!.id } })));
    });
    // A pod whose only member has no e-mail: the site file keeps it, the cloud refuses it (2215).
    const noEmail = users.find((u) => u.email === null)!;
    store.act({ name: "test.pod" }, (tx) =>
      tx.insert("pod", {
        name: "Studio A",
        members: [{ userId: noEmail.id, tagId: null, lockIds: [] }],
        lockIds: [],
        tagIds: [],
        guestLimit: 4,
        timeframe: { monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false, startTime: "08:00:00", endTime: "18:00:00" },
      }),
    );
    const sync = syncOf(store, signed);
    try {
      const report = await sync.engine.run();
      expect(report.outcome, JSON.stringify(report.error)).toBe("done");
      const aside = sync.engine.setAsideList();
      expect(aside.map((a) => [a.entity, a.ksCode, a.status])).toEqual([["pod", 2215, 400]]);
      expect(aside[0]!.advice).toMatch(/e-mail/);
      const { pods: _pods, ...rest } = localCounts(store);
      expect(cloudCounts(cloud, store.siteId)).toEqual(rest);
      const tree = cloud.db.prepare(`SELECT items FROM iq_trees WHERE site_id = ? AND iq_id = ?`).get(store.siteId, iqs[0]!.id) as { items: string };
      expect((JSON.parse(tree.items) as unknown[]).length).toBe(10);
      expect(cloudDoc(cloud, store.siteId, "locks", locks[0]!.id)).toMatchObject({ parent: { kind: "iq", id: iqs[0]!.id }, iq_link_state: "attached_pending" });

      // Seven more locks on the first IQ: the tree breaks 2204 and is set aside; the locks themselves go through.
      store.act({ name: "test.overload" }, (tx) => locks.slice(12, 19).forEach((l) => tx.update("lock", l.id, (x) => ({ ...x, parent: { kind: "iq", id: iqs[0]!.id }, name: `${x.name}*` }))));
      const second = await sync.engine.run();
      expect(second.outcome).toBe("done");
      const trees = sync.engine.setAsideList().filter((a) => a.entity === "iqTree");
      expect(trees.map((t) => [t.entityId, t.ksCode])).toEqual([[iqs[0]!.id, 2204]]);
      expect(cloudDoc(cloud, store.siteId, "locks", locks[15]!.id)?.["customer_reference"]).toMatch(/\*$/);
      // Fixed here (two locks moved to the other IQ), then retried by hand: accepted.
      store.act({ name: "test.fix" }, (tx) => locks.slice(17, 19).forEach((l) => tx.update("lock", l.id, (x) => ({ ...x, parent: { kind: "iq", id: iqs[1]!.id } }))));
      const third = await sync.engine.run();
      expect(third.outcome).toBe("done");
      expect(sync.engine.setAsideList().filter((a) => a.entity === "iqTree")).toEqual([]);
      const fixed = cloud.db.prepare(`SELECT items FROM iq_trees WHERE site_id = ? AND iq_id = ?`).get(store.siteId, iqs[0]!.id) as { items: string };
      expect((JSON.parse(fixed.items) as unknown[]).length).toBe(15);
    } finally {
      sync.close();
      store.close();
    }
  });

  it("surfaces a tag assigned in the cloud meanwhile as a conflict, never overwriting it; take theirs, or keep mine", async () => {
    const { store } = await registered(4);
    const sync = syncOf(store, signed);
    try {
      expect((await sync.engine.run()).outcome).toBe("done");
      const [t1, t2] = store.list("tag").filter((t) => t.state === "unassigned");
      const owner = store.list("user")[5]!;
      // In the cloud: both free tags are handed to the last user. Here: both blocked.
      const assign = (id: string) => ({ op: "upsert" as const, resource: "tags", id, body: { ...cloudDoc(cloud, store.siteId, "tags", id), user_id: owner.id, state: "assigned", assigned_at: "2026-11-25T10:00:00.000Z" } });
      cloud.cloudChanges(store.siteId, [assign(t1!.id), assign(t2!.id)]);
      store.act({ name: "test.block" }, (tx) => [t1!, t2!].forEach((t) => tx.update("tag", t.id, (x) => ({ ...x, state: "blocked" }))));

      const report = await sync.engine.run();
      expect(report.outcome).toBe("done");
      expect(report.conflicts).toBe(2);
      const conflicts = sync.engine.conflicts();
      expect(conflicts.map((c) => [c.entity, (c.localDoc as { state: string }).state, (c.remoteDoc as { userId: string }).userId])).toEqual([
        ["tag", "blocked", owner.id],
        ["tag", "blocked", owner.id],
      ]);
      expect(cloudDoc(cloud, store.siteId, "tags", t1!.id)).toMatchObject({ user_id: owner.id, state: "assigned" });

      await sync.engine.resolve(conflicts[0]!.id, "theirs");
      await sync.engine.resolve(conflicts[1]!.id, "mine");
      expect(store.get("tag", conflicts[0]!.entityId)).toMatchObject({ userId: owner.id, state: "assigned" });
      expect(cloudDoc(cloud, store.siteId, "tags", conflicts[1]!.entityId)).toMatchObject({ state: "blocked", user_id: null });
      const after = await sync.engine.run();
      expect(after.outcome).toBe("done");
      expect(after.conflicts).toBe(0);
      expect(sync.engine.conflicts()).toEqual([]);
      expect(cloudDoc(cloud, store.siteId, "tags", conflicts[0]!.entityId)).toMatchObject({ user_id: owner.id, state: "assigned" });
    } finally {
      sync.close();
      store.close();
    }
  });

  it("a change made in the cloud between the pull and the push comes back as 409 (if_version) and becomes a conflict", async () => {
    const { store } = await registered(7);
    const first = syncOf(store, signed);
    expect((await first.engine.run()).outcome).toBe("done");
    first.close();
    const user = store.list("user")[3]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    // Someone edits the same user in the cloud just before our batch arrives.
    let sneaked = false;
    // The same signed-in session (its tokens are in the vault), through a fetch that lets the edit in first.
    const sneakyFetch: FetchLike = async (input, init) => {
      if (!sneaked && new URL(input).pathname.endsWith("/changes:batch")) {
        sneaked = true;
        const row = cloud.db.prepare(`SELECT doc FROM entities WHERE site_id = ? AND resource = 'users' AND id = ?`).get(store.siteId, user.id) as { doc: string };
        cloud.cloudChanges(store.siteId, [{ op: "upsert", resource: "users", id: user.id, body: { ...JSON.parse(row.doc), last_name: "Theirs" } }]);
      }
      return fetch(input, init);
    };
    const http = new KsHttp({ baseUrl: cloud.url, clock: cloud.clock, fetch: sneakyFetch });
    const sneaky: Signed = { http, vault: signed.vault, session: new CloudSession({ http, vault: signed.vault, clock: cloud.clock }) };
    const sync = syncOf(store, sneaky);
    try {
      const report = await sync.engine.run();
      expect(sneaked).toBe(true);
      expect(report.outcome).toBe("done");
      expect(report.conflicts).toBe(1);
      const [c] = sync.engine.conflicts();
      expect(c).toMatchObject({ entity: "user", entityId: user.id, remoteVersion: 2 });
      expect((c!.localDoc as { lastName: string }).lastName).toBe("Mine");
      expect((c!.remoteDoc as { lastName: string }).lastName).toBe("Theirs");
      expect(cloudDoc(cloud, store.siteId, "users", user.id)).toMatchObject({ last_name: "Theirs", version: 2 });
      await sync.engine.resolve(c!.id, "mine");
      expect(cloudDoc(cloud, store.siteId, "users", user.id)).toMatchObject({ last_name: "Mine", version: 3 });
    } finally {
      sync.close();
      store.close();
    }
  });

  it("resumes from its checkpoint after being stopped mid-way, even with a batch committed and its answer lost", async () => {
    const { store } = await registered(5);
    for (let i = 0; i < 40; i++) store.act({ name: "test.floor" }, (tx) => tx.insert("floor", { name: `Annex ${i}`, level: 2 + i, widthM: 10, depthM: 10 }));
    const progress: SyncProgress[] = [];
    const first = syncOf(store, signed, {
      limits: { maxChanges: 8 },
      onProgress: (p) => {
        progress.push(p);
        if (p.phase === "push" && p.doneEntries >= 30) first.engine.cancel();
      },
    });
    const stopped = await first.engine.run();
    expect(stopped.outcome).toBe("cancelled");
    first.close();

    // The next batch commits in the cloud and its answer is lost; the engine is stopped while it waits to retry.
    cloud.setFaults({ lose_response_count: 1, match: { method: "POST", path_prefix: `/v1/sites/${store.siteId}/changes:batch` } });
    const second = syncOf(store, signed, {
      limits: { maxChanges: 8 },
      sleep: async () => {
        second.engine.cancel();
        throw new Error("stopped");
      },
    });
    expect((await second.engine.run()).outcome).toBe("cancelled");
    expect(second.state.read().inflight).not.toBeNull();
    second.close();
    cloud.clearFaults();

    const third = syncOf(store, signed, { limits: { maxChanges: 8 } });
    try {
      const done = await third.engine.run();
      expect(done.outcome).toBe("done");
      expect(cloudCounts(cloud, store.siteId)).toEqual(localCounts(store));
      expect(changedTwice(cloud, store.siteId)).toEqual([]);
      const replayed = cloud.db.prepare(`SELECT count(*) AS n FROM feed WHERE site_id = ? AND resource = 'floors'`).get(store.siteId) as { n: number };
      expect(replayed.n).toBe(store.list("floor").length);
    } finally {
      third.close();
      store.close();
    }
  });

  it("a dry run lists what would change, and sends nothing", async () => {
    const { store } = await registered(6);
    const sync = syncOf(store, signed);
    try {
      const before = (cloud.db.prepare(`SELECT count(*) AS n FROM feed WHERE site_id = ?`).get(store.siteId) as { n: number }).n;
      const dry = sync.engine.dryRun(5);
      expect(dry.byEntity).toMatchObject({ floor: { insert: 2 }, door: { insert: 20 }, lock: { insert: 20 }, iq: { insert: 2 }, user: { insert: 6 }, tag: { insert: 8 } });
      expect(dry.first).toHaveLength(5);
      expect(dry.first[0]).toMatchObject({ entity: "site", op: "insert" });
      expect(dry.requests).toBe(1);
      expect((cloud.db.prepare(`SELECT count(*) AS n FROM feed WHERE site_id = ?`).get(store.siteId) as { n: number }).n).toBe(before);
    } finally {
      sync.close();
      store.close();
    }
  });
});
