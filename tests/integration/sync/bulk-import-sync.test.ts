import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitPeople, IMPORT_ACTION, readPeopleFile } from "../../../core/people-import/index.ts";
import { systemClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import type { EntityName, JournalEntry, SiteStore } from "../../../core/store/index.ts";
import type { SyncProgress } from "../../../core/sync/index.ts";
import { peopleCsv } from "../../bench/import/generator.ts";
import type { RunningCloud } from "../../cloud/server.ts";
import { cloudCounts, demoSite, localCounts, makeTempDir, newAccount, signIn, syncOf, testCloud, type Signed, type TestAccount } from "./cloud-fixtures.ts";

/**
 * A site with a people import (bulk journal rows: one per chunk of ids, each entity
 * with a seq of its own, see core/store/bulk-insert.ts) and ordinary edits around it,
 * synced to the emulator while being stopped, and faulted, inside the bulk range.
 */

const PEOPLE = 3000;

/** How many times the cloud changed each entity through the API (resource/id → count). */
function apiChanges(cloud: RunningCloud, siteId: string): Map<string, number> {
  const rows = cloud.db
    .prepare(`SELECT id, count(*) AS n FROM feed WHERE site_id = ? AND origin = 'api' AND resource NOT IN ('site', 'iq-trees') GROUP BY resource, id`)
    .all(siteId) as { id: string; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Idempotency keys that took effect more than once (a replay applied again would show here). */
function keysTwice(cloud: RunningCloud, siteId: string): unknown[] {
  return cloud.db.prepare(`SELECT idempotency_key, count(*) AS n FROM feed WHERE site_id = ? AND origin = 'api' AND idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING n > 1`).all(siteId);
}

function cloudDocs(cloud: RunningCloud, siteId: string, resource: string): Map<string, Record<string, unknown>> {
  const rows = cloud.db.prepare(`SELECT id, doc FROM entities WHERE site_id = ? AND resource = ?`).all(siteId, resource) as { id: string; doc: string }[];
  return new Map(rows.map((r) => [r.id, JSON.parse(r.doc) as Record<string, unknown>]));
}

/** Every journal entry after `afterSeq`, as readers see them (bulk rows expanded). */
function entriesAfter(store: SiteStore, afterSeq: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (let from = afterSeq; ; ) {
    const page = store.journal({ afterSeq: from, limit: 1000 });
    if (page.length === 0) return out;
    out.push(...page);
    from = page.at(-1)!.seq;
  }
}

/** The seq ranges the bulk journal rows stand for: `[first, last]` each. */
function bulkRanges(path: string): { first: number; last: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare(`SELECT seq, json_array_length(after) AS n FROM journal WHERE entity_id = '*' ORDER BY seq`).all() as { seq: number; n: number }[];
    return rows.map((r) => ({ first: r.seq - r.n + 1, last: r.seq }));
  } finally {
    db.close();
  }
}

/** Strictly inside a bulk row: after its first entry and before its last (where no raw row has that seq). */
const insideBulk = (ranges: readonly { first: number; last: number }[], seq: number) => ranges.some((r) => seq >= r.first && seq < r.last);

describe("sync of a site with a bulk people import", () => {
  let cloud: RunningCloud;
  let account: TestAccount;
  let signed: Signed;
  const temp = makeTempDir("lintel-sync-bulk-");
  beforeAll(async () => {
    cloud = await testCloud();
    account = newAccount(cloud);
    signed = await signIn(cloud, account);
  });
  afterAll(async () => {
    await cloud.close();
    temp.remove();
  });

  /** A demo hotel that exists in the cloud with a subscription of its own (nothing else pushed yet). */
  async function registered(seed: number, name: string): Promise<SiteStore> {
    const store = demoSite(temp.dir, seed, name);
    const setup = syncOf(store, signed);
    try {
      await setup.remote.putSiteDoc(store.site(), `test-site-${store.siteId}`);
      await setup.remote.attachSubscription(cloud.grantSubscription({ email: account.email, valid_until: new Date(Date.now() + 86_400_000 * 30).toISOString() }).id);
    } finally {
      setup.close();
    }
    return store;
  }

  it("pushes every imported user and tag exactly once with their latest values, stopped and faulted inside the bulk range; counts are entities", async () => {
    const store = await registered(11, "bulk.lintel");
    const ids = uuidv7Source(systemClock, seededRandom(1011));
    try {
      // Before the import: a person added by hand, a demo user renamed.
      const demoUser = store.list("user")[0]!;
      const byHandBefore = store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "Before", lastName: "Import", email: "before@example.test" }));
      store.act({ name: "users.update" }, (tx) => tx.update("user", demoUser.id, (u) => ({ ...u, lastName: "Renamed before" })));

      const file = await readPeopleFile({ source: { kind: "bytes", bytes: new Uint8Array(Buffer.from(peopleCsv(PEOPLE), "utf8")) } });
      const counts = commitPeople(store, file, { ids, actor: "dealer" });
      expect(counts).toMatchObject({ users: PEOPLE, newTags: PEOPLE });
      const ranges = bulkRanges(store.path);
      expect(ranges.length).toBeGreaterThanOrEqual(2 * Math.ceil(PEOPLE / 1024));

      // After: imported people changed (one twice, one in the first chunk, one in the last), one deleted with its tag, a tag deleted, a person added.
      const imported = entriesAfter(store, 0).filter((e) => e.action === IMPORT_ACTION && e.entity === "user");
      expect(imported).toHaveLength(PEOPLE);
      const [u0, u1, uMid, uLast, uGone] = [imported[0]!, imported[1]!, imported[1500]!, imported[PEOPLE - 1]!, imported[777]!].map((e) => e.entityId);
      for (const id of [u0!, uMid!, uLast!]) store.act({ name: "users.update" }, (tx) => tx.update("user", id, (u) => ({ ...u, lastName: `${u.lastName} (edited)` })));
      store.act({ name: "users.update" }, (tx) => tx.update("user", uMid!, (u) => ({ ...u, firstName: "Twice" })));
      store.act({ name: "users.update" }, (tx) => tx.update("user", u1!, (u) => ({ ...u, email: "changed@example.test" })));
      const goneTag = store.list("tag").find((t) => t.userId === uGone)!;
      store.act({ name: "users.remove" }, (tx) => {
        tx.remove("tag", goneTag.id);
        tx.remove("user", uGone!);
      });
      const lostTag = store.list("tag").find((t) => t.userId === uLast)!;
      store.act({ name: "tags.remove" }, (tx) => tx.remove("tag", lostTag.id));
      const byHandAfter = store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "After", lastName: "Import", email: "after@example.test" }));

      // The dry run counts entities, not journal rows.
      const progress: SyncProgress[] = [];
      const first = syncOf(store, signed, {
        onProgress: (p) => {
          progress.push(p);
          // Stop inside the bulk range: well into the users, far from their end.
          if (p.phase === "push" && p.doneEntries >= 1200) first.engine.cancel();
        },
      });
      const pending = entriesAfter(store, 0);
      const dry = first.engine.dryRun();
      expect(dry.entries).toBe(pending.length);
      expect(first.engine.status().pendingEntries).toBe(pending.length);
      // Per kind and op, one change per entity (the edits come thousands of entries after the inserts: nothing folds across them).
      const expected = (entity: EntityName) => {
        const ids = (op: string) => new Set(pending.filter((e) => e.entity === entity && e.op === op).map((e) => e.entityId)).size;
        return { insert: ids("insert"), update: ids("update"), delete: ids("delete") };
      };
      expect(dry.byEntity.user).toEqual(expected("user"));
      expect(dry.byEntity.tag).toEqual(expected("tag"));
      // Every person ever added here (the demo's, the import's, the two by hand), not the import's few journal rows.
      expect(dry.byEntity.user).toEqual({ insert: store.list("user").length + 1, update: 5, delete: 1 });
      expect(dry.byEntity.tag).toEqual({ insert: store.list("tag").length + 2, update: 0, delete: 2 });

      const stopped = await first.engine.run();
      expect(stopped.outcome).toBe("cancelled");
      expect(progress[0]!.totalEntries).toBe(pending.length);
      const cp1 = first.state.read().checkpointSeq;
      expect(insideBulk(ranges, cp1), `checkpoint ${cp1} inside a bulk row`).toBe(true);
      expect(stopped.doneEntries).toBe(pending.filter((e) => e.seq <= cp1).length);
      expect(first.engine.status().pendingEntries).toBe(entriesAfter(store, cp1).length);
      expect(first.engine.dryRun().entries).toBe(entriesAfter(store, cp1).length);
      first.close();

      // The next batch (inside the bulk range) commits in the cloud and its answer is lost; stopped while waiting to retry.
      cloud.setFaults({ lose_response_count: 1, match: { method: "POST", path_prefix: `/v1/sites/${store.siteId}/changes:batch` } });
      const second = syncOf(store, signed, {
        sleep: async () => {
          second.engine.cancel();
          throw new Error("stopped");
        },
      });
      expect((await second.engine.run()).outcome).toBe("cancelled");
      expect(cloud.faults.get().fired.lose_response).toBe(1);
      const inflight = second.state.read().inflight;
      expect(inflight).not.toBeNull();
      expect(insideBulk(ranges, inflight!.fromSeq) || insideBulk(ranges, inflight!.toSeq)).toBe(true);
      second.close();
      cloud.clearFaults();

      const progress3: SyncProgress[] = [];
      const third = syncOf(store, signed, { onProgress: (p) => progress3.push(p) });
      try {
        const left = entriesAfter(store, inflight!.fromSeq).length;
        const done = await third.engine.run();
        expect(done.outcome, JSON.stringify(done.error)).toBe("done");
        expect(progress3[0]!.totalEntries).toBe(left);
        expect(done.doneEntries).toBe(left);
        expect(done.conflicts).toBe(0);
        expect(third.engine.setAsideList()).toEqual([]);
        expect(third.engine.status()).toMatchObject({ pendingEntries: 0, inflight: false });

        expect(cloudCounts(cloud, store.siteId)).toEqual(localCounts(store));
        // Exactly once: no key took effect twice; an entity not edited after its insert changed once, an edited one at most once per local write.
        expect(keysTwice(cloud, store.siteId)).toEqual([]);
        const writes = new Map<string, number>();
        for (const e of pending) writes.set(e.entityId, (writes.get(e.entityId) ?? 0) + 1);
        for (const [id, n] of apiChanges(cloud, store.siteId)) {
          if ((writes.get(id) ?? 0) <= 1) expect(n, id).toBe(1);
          else expect(n, id).toBeLessThanOrEqual(writes.get(id)!);
        }
        const users = cloudDocs(cloud, store.siteId, "users");
        const tags = cloudDocs(cloud, store.siteId, "tags");
        expect(users.has(uGone!)).toBe(false);
        expect(tags.has(goneTag.id)).toBe(false);
        expect(tags.has(lostTag.id)).toBe(false);
        const localUsers = store.list("user");
        expect(users.size).toBe(localUsers.length);
        for (const u of localUsers) expect(users.get(u.id), u.id).toMatchObject({ first_name: u.firstName, last_name: u.lastName, email: u.email });
        for (const t of store.list("tag")) expect(tags.get(t.id), t.id).toMatchObject({ number: t.number, user_id: t.userId });
        expect(users.get(uMid!)).toMatchObject({ first_name: "Twice", last_name: expect.stringMatching(/\(edited\)$/) });
        expect(users.get(u1!)).toMatchObject({ email: "changed@example.test" });
        expect(users.get(demoUser.id)).toMatchObject({ last_name: "Renamed before" });
        expect(users.has(byHandBefore.id) && users.has(byHandAfter.id)).toBe(true);
      } finally {
        third.close();
      }
    } finally {
      store.close();
    }
  });

  it("a cloud change to an imported person is taken in when nothing is pending here, a conflict when an edit is, even with the checkpoint inside the bulk row", async () => {
    const store = await registered(12, "bulk-pull.lintel");
    try {
      const file = await readPeopleFile({ source: { kind: "bytes", bytes: new Uint8Array(Buffer.from(peopleCsv(1200), "utf8")) } });
      commitPeople(store, file, { ids: uuidv7Source(systemClock, seededRandom(1012)), actor: "dealer" });
      const ranges = bulkRanges(store.path);
      const imported = entriesAfter(store, 0).filter((e) => e.action === IMPORT_ACTION && e.entity === "user");
      const quiet = imported[10]!;
      const edited = imported[50]!;
      store.act({ name: "users.update" }, (tx) => tx.update("user", edited.entityId, (u) => ({ ...u, lastName: "Mine" })));

      const first = syncOf(store, signed, {
        limits: { maxChanges: 100 },
        onProgress: (p) => {
          if (p.phase === "push" && p.doneEntries >= 300) first.engine.cancel();
        },
      });
      expect((await first.engine.run()).outcome).toBe("cancelled");
      const cp = first.state.read().checkpointSeq;
      first.close();
      // Both people are in the cloud; the bulk row they came in still reaches past the checkpoint.
      const row = ranges.find((r) => quiet.seq >= r.first && quiet.seq <= r.last)!;
      expect(edited.seq <= cp && quiet.seq <= cp && row.last > cp).toBe(true);
      const theirs = (id: string) => {
        const doc = JSON.parse((cloud.db.prepare(`SELECT doc FROM entities WHERE site_id = ? AND resource = 'users' AND id = ?`).get(store.siteId, id) as { doc: string }).doc) as object;
        return { op: "upsert" as const, resource: "users", id, body: { ...doc, last_name: "Theirs" } };
      };
      cloud.cloudChanges(store.siteId, [theirs(quiet.entityId), theirs(edited.entityId)]);

      const second = syncOf(store, signed, { limits: { maxChanges: 100 } });
      try {
        const done = await second.engine.run();
        expect(done.outcome, JSON.stringify(done.error)).toBe("done");
        expect(store.get("user", quiet.entityId)).toMatchObject({ lastName: "Theirs" });
        const conflicts = second.engine.conflicts();
        expect(conflicts.map((c) => [c.entityId, (c.localDoc as { lastName: string }).lastName, (c.remoteDoc as { lastName: string }).lastName])).toEqual([[edited.entityId, "Mine", "Theirs"]]);
        await second.engine.resolve(conflicts[0]!.id, "mine");
        expect((await second.engine.run()).outcome).toBe("done");
        expect(cloudCounts(cloud, store.siteId)).toEqual(localCounts(store));
        const users = cloudDocs(cloud, store.siteId, "users");
        for (const u of store.list("user")) expect(users.get(u.id), u.id).toMatchObject({ first_name: u.firstName, last_name: u.lastName, email: u.email });
        expect(users.get(edited.entityId)).toMatchObject({ last_name: "Mine" });
        expect(keysTwice(cloud, store.siteId)).toEqual([]);
      } finally {
        second.close();
      }
    } finally {
      store.close();
    }
  });
});
