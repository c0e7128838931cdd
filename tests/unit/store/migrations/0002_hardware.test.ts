import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0002 } from "../../../../core/store/migrations/0002_hardware.ts";
import { columns, databaseAt, foreignKeys, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const SITE = "019b76da-a800-74f0-81c7-000000000001";
const FLOOR = "019b76da-a800-74f0-81c7-000000000002";
const DOOR = "019b76da-a800-74f0-81c7-000000000003";
const IQ = "019b76da-a800-74f0-81c7-000000000004";
const REPEATER = "019b76da-a800-74f0-81c7-000000000005";
const LOCK = "019b76da-a800-74f0-81c7-000000000006";

/** A version-1 file as the app leaves it after creating a site. */
function siteAtVersion1() {
  const db = databaseAt(1);
  db.prepare(`INSERT INTO meta (key, value) VALUES ('site_id', ?), ('replica_id', 'r1')`).run(SITE);
  db.prepare(`UPDATE meta SET value = '1' WHERE key = 'clock'`).run();
  db.prepare(`INSERT INTO site (id, data) VALUES (?, ?)`).run(SITE, JSON.stringify({ id: SITE, name: "Hotel Aurora" }));
  db.prepare(
    `INSERT INTO journal (action_id, action, entity, entity_id, op, before, after, clock, actor, at)
     VALUES ('a1', 'site.create', 'site', ?, 'insert', NULL, ?, 1, 'installer', '2026-03-14T09:30:00.000Z')`,
  ).run(SITE, JSON.stringify({ id: SITE, name: "Hotel Aurora" }));
  return db;
}

describe("migration 0002 hardware", () => {
  it("is version 2", () => {
    expect(migration0002.version).toBe(2);
    expect(migration0002.name).toBe("hardware");
  });

  it("adds the hardware tables, STRICT, and keeps the version-1 data", () => {
    const db = siteAtVersion1();
    const before = {
      meta: db.prepare(`SELECT * FROM meta ORDER BY key`).all(),
      site: db.prepare(`SELECT * FROM site`).all(),
      journal: db.prepare(`SELECT * FROM journal`).all(),
    };
    expect(migrate(db, { upTo: 2 })).toEqual({ from: 1, to: 2, applied: [2] });
    expect(userVersion(db)).toBe(2);
    expect(tables(db)).toEqual({
      doors: true, floors: true, iqs: true, journal: true, locks: true, meta: true, repeaters: true, site: true,
    });
    expect(db.prepare(`SELECT * FROM meta ORDER BY key`).all()).toEqual(before.meta);
    expect(db.prepare(`SELECT * FROM site`).all()).toEqual(before.site);
    expect(db.prepare(`SELECT * FROM journal`).all()).toEqual(before.journal);
  });

  it("declares the columns, foreign keys (all RESTRICT) and indexes the store relies on", () => {
    const db = databaseAt(2);
    expect(columns(db, "floors")).toEqual(["id", "data", "level"]);
    expect(columns(db, "doors")).toEqual(["id", "data", "floor_id"]);
    expect(columns(db, "locks")).toEqual(["id", "data", "door_id", "device_id", "parent_iq_id", "parent_repeater_id"]);
    expect(columns(db, "iqs")).toEqual(["id", "data", "serial", "floor_id"]);
    expect(columns(db, "repeaters")).toEqual(["id", "data", "device_id", "parent_iq_id", "parent_repeater_id", "floor_id"]);
    expect(foreignKeys(db, "doors")).toEqual(["floor_id -> floors.id RESTRICT"]);
    expect(foreignKeys(db, "locks")).toEqual([
      "door_id -> doors.id RESTRICT",
      "parent_iq_id -> iqs.id RESTRICT",
      "parent_repeater_id -> repeaters.id RESTRICT",
    ]);
    expect(foreignKeys(db, "repeaters")).toEqual([
      "floor_id -> floors.id RESTRICT",
      "parent_iq_id -> iqs.id RESTRICT",
      "parent_repeater_id -> repeaters.id RESTRICT",
    ]);
    expect(foreignKeys(db, "iqs")).toEqual(["floor_id -> floors.id RESTRICT"]);
    expect(indexedColumns(db, "doors")).toEqual(["floor_id", "id"]);
    expect(indexedColumns(db, "locks")).toEqual(["device_id", "door_id", "id", "parent_iq_id", "parent_repeater_id"]);
  });

  it("enforces references, uniqueness and one parent at a time", () => {
    const db = siteAtVersion1();
    migrate(db, { upTo: 2 });
    const doc = (id: string, extra: object = {}) => JSON.stringify({ id, ...extra });
    db.prepare(`INSERT INTO floors (id, data, level) VALUES (?, ?, 0)`).run(FLOOR, doc(FLOOR, { name: "Ground" }));
    db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES (?, ?, ?)`).run(DOOR, doc(DOOR), FLOOR);
    db.prepare(`INSERT INTO iqs (id, data, serial, floor_id) VALUES (?, ?, 'IQ-0001', ?)`).run(IQ, doc(IQ), FLOOR);
    db.prepare(`INSERT INTO repeaters (id, data, device_id, parent_iq_id) VALUES (?, ?, 'AB12CD34', ?)`).run(REPEATER, doc(REPEATER), IQ);
    db.prepare(`INSERT INTO locks (id, data, door_id, device_id, parent_repeater_id) VALUES (?, ?, ?, '0011AABB', ?)`).run(LOCK, doc(LOCK), DOOR, REPEATER);

    expect(sqliteCode(() => db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES ('d2', '{}', 'nowhere')`).run())).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM floors WHERE id = ?`).run(FLOOR))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM repeaters WHERE id = ?`).run(REPEATER))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`INSERT INTO locks (id, data, door_id, device_id) VALUES ('l2', '{}', ?, '0011AABB')`).run(DOOR))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(
      sqliteCode(() => db.prepare(`INSERT INTO locks (id, data, door_id, parent_iq_id, parent_repeater_id) VALUES ('l3', '{}', ?, ?, ?)`).run(DOOR, IQ, REPEATER)),
    ).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => db.prepare(`UPDATE repeaters SET parent_iq_id = NULL, parent_repeater_id = id`).run())).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => db.prepare(`UPDATE floors SET level = 'ground'`).run())).toBe("SQLITE_CONSTRAINT_DATATYPE");
    expect(db.prepare(`SELECT count(*) AS n FROM locks`).get()).toEqual({ n: 1 });
  });
});
