import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0008 } from "../../../../core/store/migrations/0008_sync.ts";
import { columns, databaseAt, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const V = migration0008.version;
const E1 = "019b76da-a800-74f0-81c7-000000000001";

describe("migration 0008 sync", () => {
  it("is named sync", () => {
    expect(migration0008.name).toBe("sync");
  });

  it("adds the sync tables, STRICT, with one state row at the journal's start, keeping earlier data", () => {
    const db = databaseAt(V - 1);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('site_id', 's')`).run();
    const meta = db.prepare(`SELECT * FROM meta ORDER BY key`).all();
    expect(migrate(db, { upTo: V })).toEqual({ from: V - 1, to: V, applied: [V] });
    expect(userVersion(db)).toBe(V);
    const t = tables(db);
    for (const name of ["sync_state", "sync_set_aside", "sync_conflicts", "sync_versions"]) expect(t[name], name).toBe(true);
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(db.prepare(`SELECT * FROM meta ORDER BY key`).all()).toEqual(meta);
    expect(db.prepare(`SELECT checkpoint_seq, inflight_from, inflight_to, inflight_body, trees_seq, cursor FROM sync_state`).all()).toEqual([
      { checkpoint_seq: 0, inflight_from: null, inflight_to: null, inflight_body: null, trees_seq: 0, cursor: null },
    ]);
  });

  it("declares the columns the engine reads", () => {
    const db = databaseAt(V);
    expect(columns(db, "sync_state")).toEqual(["one", "checkpoint_seq", "inflight_from", "inflight_to", "inflight_body", "trees_seq", "cursor", "last_synced_at"]);
    expect(columns(db, "sync_set_aside")).toEqual(["id", "entity", "entity_id", "op", "doc", "last_seq", "idem_key", "code", "ks_code", "status", "message", "advice", "attempts", "at"]);
    expect(columns(db, "sync_conflicts")).toEqual(["id", "entity", "entity_id", "local_doc", "remote_doc", "remote_version", "detected_at", "state", "skip_through_seq", "resolved_at"]);
    expect(columns(db, "sync_versions")).toEqual(["entity_id", "version"]);
  });

  it("keeps one state row and a batch on its way whole: range and body together, never behind the checkpoint", () => {
    const db = databaseAt(V);
    expect(sqliteCode(() => db.prepare(`INSERT INTO sync_state (one) VALUES (1)`).run())).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    expect(sqliteCode(() => db.prepare(`INSERT INTO sync_state (one) VALUES (2)`).run())).toBe("SQLITE_CONSTRAINT_CHECK");
    const set = db.prepare(`UPDATE sync_state SET checkpoint_seq = ?, inflight_from = ?, inflight_to = ?, inflight_body = ?`);
    expect(sqliteCode(() => set.run(5, 5, 9, null))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => set.run(5, 4, 9, "[]"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => set.run(5, 5, 5, "[]"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => set.run(5, 5, 9, "not json"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => set.run(5, 5, 9, "[]"))).toBeUndefined();
    expect(sqliteCode(() => set.run(9, null, null, null))).toBeUndefined();
    expect(sqliteCode(() => db.prepare(`UPDATE sync_state SET checkpoint_seq = -1`).run())).toBe("SQLITE_CONSTRAINT_CHECK");
  });

  it("sets aside one change per entity, a delete without a document, anything else with one", () => {
    const db = databaseAt(V);
    const add = db.prepare(
      `INSERT INTO sync_set_aside (entity, entity_id, op, doc, last_seq, idem_key, code, ks_code, status, message, advice, at)
       VALUES (?, ?, ?, ?, 3, 'k', 'ks.2204', 2204, 400, 'Iq tree is invalid', 'Open Plan', '2026-01-01T00:00:00.000Z')`,
    );
    add.run("lock", E1, "insert", "{}");
    expect(sqliteCode(() => add.run("lock", E1, "update", "{}"))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => add.run("door", E1, "delete", "{}"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => add.run("door", E1, "update", null))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => add.run("door", E1, "upsert", "{}"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => add.run("iqTree", E1, "update", "{}"))).toBeUndefined();
  });

  it("keeps a conflict open until resolved, and a resolution names how far it reaches", () => {
    const db = databaseAt(V);
    const add = db.prepare(`INSERT INTO sync_conflicts (entity, entity_id, local_doc, remote_doc, remote_version, detected_at, state, skip_through_seq, resolved_at) VALUES (?, ?, '{}', NULL, 2, 'now', ?, ?, ?)`);
    add.run("tag", E1, "open", null, null);
    expect(sqliteCode(() => add.run("tag", E1, "open", null, null))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => add.run("user", E1, "kept-mine", null, "later"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => add.run("user", E1, "open", 4, null))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => add.run("user", E1, "ignored", null, null))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => add.run("user", E1, "took-theirs", 4, "later"))).toBeUndefined();
    expect(sqliteCode(() => db.prepare(`INSERT INTO sync_versions VALUES (?, -1)`).run(E1))).toBe("SQLITE_CONSTRAINT_CHECK");
  });
});
