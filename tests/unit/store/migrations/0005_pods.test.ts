import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0005 } from "../../../../core/store/migrations/0005_pods.ts";
import { columns, databaseAt, foreignKeys, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const FLOOR = "019b76da-a800-74f0-81c7-000000000002";
const DOOR = "019b76da-a800-74f0-81c7-000000000003";
const LOCK = "019b76da-a800-74f0-81c7-000000000006";
const USER = "019b76da-a800-74f0-81c7-000000000007";
const TAG = "019b76da-a800-74f0-81c7-000000000008";
const POD_A = "019b76da-a800-74f0-81c7-000000000010";
const POD_B = "019b76da-a800-74f0-81c7-000000000011";
const GUEST = "019b76da-a800-74f0-81c7-000000000012";
const HASH = "e".repeat(64);

/** A version-4 file with a lock, a user and a tag. */
function siteAtVersion4() {
  const db = databaseAt(4);
  db.prepare(`INSERT INTO floors (id, data, level) VALUES (?, '{}', 0)`).run(FLOOR);
  db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES (?, '{}', ?)`).run(DOOR, FLOOR);
  db.prepare(`INSERT INTO locks (id, data, door_id) VALUES (?, '{}', ?)`).run(LOCK, DOOR);
  db.prepare(`INSERT INTO users (id, data, first_key, last_key) VALUES (?, '{}', 'ann', 'lee')`).run(USER);
  db.prepare(`INSERT INTO tags (id, data, number) VALUES (?, '{}', '04A2B9C1')`).run(TAG);
  return db;
}

describe("migration 0005 pods", () => {
  it("is version 5", () => {
    expect(migration0005.version).toBe(5);
    expect(migration0005.name).toBe("pods");
  });

  it("adds pods, members, locks and guests, STRICT, and keeps the earlier data", () => {
    const db = siteAtVersion4();
    const before = { users: db.prepare(`SELECT * FROM users`).all(), tags: db.prepare(`SELECT * FROM tags`).all() };
    expect(migrate(db, { upTo: 5 })).toEqual({ from: 4, to: 5, applied: [5] });
    expect(userVersion(db)).toBe(5);
    const t = tables(db);
    for (const name of ["pods", "pod_members", "pod_locks", "pod_guests"]) expect(t[name], name).toBe(true);
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(db.prepare(`SELECT * FROM users`).all()).toEqual(before.users);
    expect(db.prepare(`SELECT * FROM tags`).all()).toEqual(before.tags);
  });

  it("declares the columns, foreign keys (all RESTRICT) and indexes the store relies on", () => {
    const db = databaseAt(5);
    expect(columns(db, "pods")).toEqual(["id", "data", "name_key"]);
    expect(columns(db, "pod_members")).toEqual(["pod_id", "user_id"]);
    expect(columns(db, "pod_locks")).toEqual(["pod_id", "lock_id"]);
    expect(columns(db, "pod_guests")).toEqual(["id", "data", "pod_id", "tag_id", "token_hash"]);
    expect(foreignKeys(db, "pod_members")).toEqual(["pod_id -> pods.id RESTRICT", "user_id -> users.id RESTRICT"]);
    expect(foreignKeys(db, "pod_locks")).toEqual(["lock_id -> locks.id RESTRICT", "pod_id -> pods.id RESTRICT"]);
    expect(foreignKeys(db, "pod_guests")).toEqual(["pod_id -> pods.id RESTRICT", "tag_id -> tags.id RESTRICT"]);
    expect(indexedColumns(db, "pods")).toEqual(["id", "name_key"]);
    expect(indexedColumns(db, "pod_members")).toEqual(["pod_id,user_id", "user_id"]);
    expect(indexedColumns(db, "pod_guests")).toEqual(["id", "pod_id", "tag_id", "token_hash"]);
  });

  it("backs the pod rules: one name per site, one pod per member, one guest per tag, hashes only", () => {
    const db = siteAtVersion4();
    migrate(db, { upTo: 5 });
    const pod = db.prepare(`INSERT INTO pods (id, data, name_key) VALUES (?, '{}', ?)`);
    pod.run(POD_A, "studio a");
    expect(sqliteCode(() => pod.run(POD_B, "studio a"))).toBe("SQLITE_CONSTRAINT_UNIQUE"); // 2213
    pod.run(POD_B, "studio b");

    const member = db.prepare(`INSERT INTO pod_members (pod_id, user_id) VALUES (?, ?)`);
    member.run(POD_A, USER);
    expect(sqliteCode(() => member.run(POD_B, USER))).toBe("SQLITE_CONSTRAINT_UNIQUE"); // 2217
    expect(sqliteCode(() => member.run(POD_B, "ghost"))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM users WHERE id = ?`).run(USER))).toBe("FOREIGN KEY"); // 2220

    db.prepare(`INSERT INTO pod_locks (pod_id, lock_id) VALUES (?, ?)`).run(POD_A, LOCK);
    expect(sqliteCode(() => db.prepare(`INSERT INTO pod_locks (pod_id, lock_id) VALUES (?, 'nowhere')`).run(POD_A))).toBe("FOREIGN KEY"); // 2214
    expect(sqliteCode(() => db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK))).toBe("FOREIGN KEY");

    const guest = db.prepare(`INSERT INTO pod_guests (id, data, pod_id, tag_id, token_hash) VALUES (?, '{}', ?, ?, ?)`);
    guest.run(GUEST, POD_A, TAG, HASH);
    expect(sqliteCode(() => guest.run("g2", POD_A, TAG, "f".repeat(64)))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => guest.run("g3", POD_A, null, HASH))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => guest.run("g4", POD_A, null, "not-a-hash"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => guest.run("g5", "ghost", null, "a".repeat(64)))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM pods WHERE id = ?`).run(POD_A))).toBe("FOREIGN KEY");
  });
});
