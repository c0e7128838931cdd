import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0003 } from "../../../../core/store/migrations/0003_people_access.ts";
import { columns, databaseAt, foreignKeys, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const FLOOR = "019b76da-a800-74f0-81c7-000000000002";
const DOOR = "019b76da-a800-74f0-81c7-000000000003";
const LOCK = "019b76da-a800-74f0-81c7-000000000006";
const USER = "019b76da-a800-74f0-81c7-000000000007";
const TAG = "019b76da-a800-74f0-81c7-000000000008";
const SCHEDULE = "019b76da-a800-74f0-81c7-000000000009";
const GROUP = "019b76da-a800-74f0-81c7-00000000000a";

/** A version-2 file with a floor, a door and its lock. */
function siteAtVersion2() {
  const db = databaseAt(2);
  db.prepare(`INSERT INTO floors (id, data, level) VALUES (?, ?, 0)`).run(FLOOR, JSON.stringify({ id: FLOOR, name: "Ground" }));
  db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES (?, ?, ?)`).run(DOOR, JSON.stringify({ id: DOOR, name: "Main" }), FLOOR);
  db.prepare(`INSERT INTO locks (id, data, door_id) VALUES (?, ?, ?)`).run(LOCK, JSON.stringify({ id: LOCK, name: "Main" }), DOOR);
  return db;
}

describe("migration 0003 people_access", () => {
  it("is version 3", () => {
    expect(migration0003.version).toBe(3);
    expect(migration0003.name).toBe("people_access");
  });

  it("adds people and access tables, STRICT, and keeps the hardware", () => {
    const db = siteAtVersion2();
    const hardware = db.prepare(`SELECT * FROM locks`).all();
    expect(migrate(db, { upTo: 3 })).toEqual({ from: 2, to: 3, applied: [3] });
    expect(userVersion(db)).toBe(3);
    const t = tables(db);
    for (const name of ["users", "tags", "schedules", "access_groups", "access_group_users", "access_group_locks", "access_group_schedules"]) {
      expect(t[name], name).toBe(true);
    }
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(db.prepare(`SELECT * FROM locks`).all()).toEqual(hardware);
  });

  it("declares search keys with indexes, tag numbers unique, and join tables as foreign keys", () => {
    const db = databaseAt(3);
    expect(columns(db, "users")).toEqual(["id", "data", "first_key", "last_key", "email_key"]);
    expect(indexedColumns(db, "users")).toEqual(["email_key", "first_key", "id", "last_key,first_key,id"]);
    expect(columns(db, "tags")).toEqual(["id", "data", "number", "user_id"]);
    expect(indexedColumns(db, "tags")).toEqual(["id", "number", "user_id"]);
    expect(foreignKeys(db, "tags")).toEqual(["user_id -> users.id RESTRICT"]);
    expect(foreignKeys(db, "access_group_users")).toEqual(["group_id -> access_groups.id RESTRICT", "user_id -> users.id RESTRICT"]);
    expect(foreignKeys(db, "access_group_locks")).toEqual(["group_id -> access_groups.id RESTRICT", "lock_id -> locks.id RESTRICT"]);
    expect(foreignKeys(db, "access_group_schedules")).toEqual(["group_id -> access_groups.id RESTRICT", "schedule_id -> schedules.id RESTRICT"]);
  });

  it("enforces tag numbers, holders and group members", () => {
    const db = siteAtVersion2();
    migrate(db, { upTo: 3 });
    db.prepare(`INSERT INTO users (id, data, first_key, last_key, email_key) VALUES (?, ?, 'ana', 'lopez', 'ana@example.com')`).run(USER, JSON.stringify({ id: USER }));
    db.prepare(`INSERT INTO tags (id, data, number, user_id) VALUES (?, ?, '04A1B2C3', ?)`).run(TAG, JSON.stringify({ id: TAG }), USER);
    db.prepare(`INSERT INTO schedules (id, data) VALUES (?, '{}')`).run(SCHEDULE);
    db.prepare(`INSERT INTO access_groups (id, data) VALUES (?, '{}')`).run(GROUP);
    db.prepare(`INSERT INTO access_group_users VALUES (?, ?)`).run(GROUP, USER);
    db.prepare(`INSERT INTO access_group_locks VALUES (?, ?)`).run(GROUP, LOCK);
    db.prepare(`INSERT INTO access_group_schedules VALUES (?, ?)`).run(GROUP, SCHEDULE);

    expect(sqliteCode(() => db.prepare(`INSERT INTO tags (id, data, number) VALUES ('t2', '{}', '04A1B2C3')`).run())).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => db.prepare(`INSERT INTO tags (id, data, number, user_id) VALUES ('t3', '{}', '99', 'ghost')`).run())).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM users WHERE id = ?`).run(USER))).toBe("FOREIGN KEY");
    db.prepare(`UPDATE tags SET user_id = NULL`).run();
    // Still in the access group:
    expect(sqliteCode(() => db.prepare(`DELETE FROM users WHERE id = ?`).run(USER))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM schedules WHERE id = ?`).run(SCHEDULE))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`INSERT INTO access_group_users VALUES (?, ?)`).run(GROUP, USER))).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    db.prepare(`DELETE FROM access_group_users`).run();
    db.prepare(`DELETE FROM users WHERE id = ?`).run(USER);
    expect(db.prepare(`SELECT count(*) AS n FROM users`).get()).toEqual({ n: 0 });
  });

  it("uses the search-key indexes for a prefix range", () => {
    const db = databaseAt(3);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM users WHERE (first_key >= 'an' AND first_key < 'an\u{10FFFF}') OR (last_key >= 'an' AND last_key < 'an\u{10FFFF}') OR (email_key >= 'an' AND email_key < 'an\u{10FFFF}')`)
      .all() as { detail: string }[];
    const detail = plan.map((p) => p.detail).join("\n");
    expect(detail).toContain("users_first");
    expect(detail).toContain("users_last");
    expect(detail).toContain("users_email");
  });
});
