import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0006 } from "../../../../core/store/migrations/0006_reception.ts";
import { columns, databaseAt, foreignKeys, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const V = migration0006.version;
const FLOOR = "019b76da-a800-74f0-81c7-000000000002";
const DOOR = "019b76da-a800-74f0-81c7-000000000003";
const LOCK = "019b76da-a800-74f0-81c7-000000000006";
const LOCK_2 = "019b76da-a800-74f0-81c7-000000000016";
const USER = "019b76da-a800-74f0-81c7-000000000007";
const TAG = "019b76da-a800-74f0-81c7-000000000008";
const BANK = "019b76da-a800-74f0-81c7-000000000020";
const BANK_2 = "019b76da-a800-74f0-81c7-000000000021";
const LOCKER = "019b76da-a800-74f0-81c7-000000000030";

/** A file one version before reception, with two locks, a user and a tag. */
function siteBefore() {
  const db = databaseAt(V - 1);
  db.prepare(`INSERT INTO floors (id, data, level) VALUES (?, '{}', 0)`).run(FLOOR);
  db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES (?, '{}', ?)`).run(DOOR, FLOOR);
  db.prepare(`INSERT INTO locks (id, data, door_id) VALUES (?, '{}', ?)`).run(LOCK, DOOR);
  db.prepare(`INSERT INTO locks (id, data, door_id) VALUES (?, '{}', ?)`).run(LOCK_2, DOOR);
  db.prepare(`INSERT INTO users (id, data, first_key, last_key) VALUES (?, '{}', 'ann', 'lee')`).run(USER);
  db.prepare(`INSERT INTO tags (id, data, number, user_id) VALUES (?, '{}', '04A2B9C1', ?)`).run(TAG, USER);
  return db;
}

describe("migration 0006 reception", () => {
  it("follows pods and is called reception", () => {
    expect(V).toBeGreaterThan(5);
    expect(migration0006.name).toBe("reception");
  });

  it("adds the tag reader, tag histories and lockers, STRICT, without touching users and tags", () => {
    const db = siteBefore();
    const before = { users: db.prepare(`SELECT * FROM users`).all(), tags: db.prepare(`SELECT * FROM tags`).all() };
    const usersColumns = columns(db, "users");
    const tagsColumns = columns(db, "tags");
    expect(migrate(db, { upTo: V })).toEqual({ from: V - 1, to: V, applied: [V] });
    expect(userVersion(db)).toBe(V);
    const t = tables(db);
    for (const name of ["tag_readers", "tag_histories", "locker_banks", "lockers", "locker_assignees"]) expect(t[name], name).toBe(true);
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(db.prepare(`SELECT * FROM users`).all()).toEqual(before.users);
    expect(db.prepare(`SELECT * FROM tags`).all()).toEqual(before.tags);
    // Bulk import writes these two tables directly: their columns stay as they were.
    expect(columns(db, "users")).toEqual(usersColumns);
    expect(columns(db, "tags")).toEqual(tagsColumns);
  });

  it("declares the columns, foreign keys (all RESTRICT) and indexes the store relies on", () => {
    const db = databaseAt(V);
    expect(columns(db, "tag_readers")).toEqual(["id", "data", "lock_id", "one"]);
    expect(columns(db, "tag_histories")).toEqual(["id", "data"]);
    expect(columns(db, "locker_banks")).toEqual(["id", "data", "name_key"]);
    expect(columns(db, "lockers")).toEqual(["id", "data", "bank_id", "number", "lock_id", "occupant_id"]);
    expect(columns(db, "locker_assignees")).toEqual(["locker_id", "user_id"]);
    expect(foreignKeys(db, "tag_readers")).toEqual(["lock_id -> locks.id RESTRICT"]);
    expect(foreignKeys(db, "tag_histories")).toEqual(["id -> tags.id RESTRICT"]);
    expect(foreignKeys(db, "lockers")).toEqual(["bank_id -> locker_banks.id RESTRICT", "lock_id -> locks.id RESTRICT", "occupant_id -> users.id RESTRICT"]);
    expect(foreignKeys(db, "locker_assignees")).toEqual(["locker_id -> lockers.id RESTRICT", "user_id -> users.id RESTRICT"]);
    expect(indexedColumns(db, "tag_readers")).toEqual(["id", "one"]);
    expect(indexedColumns(db, "locker_banks")).toEqual(["id", "name_key"]);
    expect(indexedColumns(db, "lockers")).toEqual(["bank_id,number", "id", "lock_id", "occupant_id"]);
    expect(indexedColumns(db, "locker_assignees")).toEqual(["locker_id,user_id", "user_id"]);
  });

  it("backs the rules: one Tag reader, a reader lock stays, a tag's history goes with it, lockers unique and held", () => {
    const db = siteBefore();
    migrate(db, { upTo: V });

    const reader = db.prepare(`INSERT INTO tag_readers (id, data, lock_id) VALUES (?, '{}', ?)`);
    reader.run("r1", LOCK);
    expect(sqliteCode(() => reader.run("r2", LOCK_2))).toBe("SQLITE_CONSTRAINT_UNIQUE"); // one per site
    expect(sqliteCode(() => db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`UPDATE tag_readers SET lock_id = 'nowhere'`).run())).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`UPDATE tag_readers SET one = 2`).run())).toBe("SQLITE_CONSTRAINT_CHECK");
    db.prepare(`UPDATE tag_readers SET lock_id = NULL`).run(); // a USB reader
    db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK_2);

    db.prepare(`INSERT INTO tag_histories (id, data) VALUES (?, '{"events":[]}')`).run(TAG);
    expect(sqliteCode(() => db.prepare(`INSERT INTO tag_histories (id, data) VALUES ('ghost', '{}')`).run())).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM tags WHERE id = ?`).run(TAG))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`UPDATE tag_histories SET data = 'not json'`).run())).toBe("SQLITE_CONSTRAINT_CHECK");

    const bank = db.prepare(`INSERT INTO locker_banks (id, data, name_key) VALUES (?, '{}', ?)`);
    bank.run(BANK, "gym");
    expect(sqliteCode(() => bank.run(BANK_2, "gym"))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    bank.run(BANK_2, "spa");

    const locker = db.prepare(`INSERT INTO lockers (id, data, bank_id, number, lock_id, occupant_id) VALUES (?, '{}', ?, ?, ?, ?)`);
    locker.run(LOCKER, BANK, 1, LOCK, USER);
    expect(sqliteCode(() => locker.run("l2", BANK, 1, null, null))).toBe("SQLITE_CONSTRAINT_UNIQUE"); // number per bank
    locker.run("l3", BANK_2, 1, null, null); // the same number in another bank
    expect(sqliteCode(() => locker.run("l4", BANK_2, 2, LOCK, null))).toBe("SQLITE_CONSTRAINT_UNIQUE"); // one locker per lock
    expect(sqliteCode(() => locker.run("l5", BANK_2, 0, null, null))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => locker.run("l6", BANK_2, 3, null, "ghost"))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => locker.run("l7", "ghost", 3, null, null))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM locker_banks WHERE id = ?`).run(BANK))).toBe("FOREIGN KEY");

    const assignee = db.prepare(`INSERT INTO locker_assignees (locker_id, user_id) VALUES (?, ?)`);
    assignee.run(LOCKER, USER);
    expect(sqliteCode(() => assignee.run(LOCKER, USER))).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    expect(sqliteCode(() => assignee.run(LOCKER, "ghost"))).toBe("FOREIGN KEY");
    // A user holding a locker (assigned or occupying) is not removed behind its back.
    db.prepare(`DELETE FROM tag_histories`).run();
    db.prepare(`DELETE FROM tags`).run();
    expect(sqliteCode(() => db.prepare(`DELETE FROM users WHERE id = ?`).run(USER))).toBe("FOREIGN KEY");
    db.prepare(`DELETE FROM locker_assignees`).run();
    expect(sqliteCode(() => db.prepare(`DELETE FROM users WHERE id = ?`).run(USER))).toBe("FOREIGN KEY"); // still the occupant
    db.prepare(`UPDATE lockers SET occupant_id = NULL`).run();
    db.prepare(`DELETE FROM users WHERE id = ?`).run(USER);
  });
});
