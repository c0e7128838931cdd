import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0004 } from "../../../../core/store/migrations/0004_plans.ts";
import { columns, databaseAt, foreignKeys, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const FLOOR = "019b76da-a800-74f0-81c7-000000000002";
const DOOR = "019b76da-a800-74f0-81c7-000000000003";
const IQ_SITE = "019b76da-a800-74f0-81c7-00000000000b";
const PLAN_1 = "019b76da-a800-74f0-81c7-00000000000c";
const PLAN_2 = "019b76da-a800-74f0-81c7-00000000000d";
const IMAGE = "019b76da-a800-74f0-81c7-00000000000e";
const SHA = "a".repeat(64);

/** A version-3 file with a floor and a door. */
function siteAtVersion3() {
  const db = databaseAt(3);
  db.prepare(`INSERT INTO floors (id, data, level) VALUES (?, ?, 0)`).run(FLOOR, JSON.stringify({ id: FLOOR, name: "Ground" }));
  db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES (?, ?, ?)`).run(DOOR, JSON.stringify({ id: DOOR, name: "Main" }), FLOOR);
  return db;
}

const plan = (id: string) => JSON.stringify({ id, plan: { iqs: [], repeaters: [], locks: [], cost: 0 } });

describe("migration 0004 plans", () => {
  it("is version 4", () => {
    expect(migration0004.version).toBe(4);
    expect(migration0004.name).toBe("plans");
  });

  it("adds IQ places, plans and floor images, STRICT, and keeps the earlier data", () => {
    const db = siteAtVersion3();
    const before = { floors: db.prepare(`SELECT * FROM floors`).all(), doors: db.prepare(`SELECT * FROM doors`).all() };
    expect(migrate(db, { upTo: 4 })).toEqual({ from: 3, to: 4, applied: [4] });
    expect(userVersion(db)).toBe(4);
    const t = tables(db);
    for (const name of ["iq_sites", "plans", "floor_images"]) expect(t[name], name).toBe(true);
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(db.prepare(`SELECT * FROM floors`).all()).toEqual(before.floors);
    expect(db.prepare(`SELECT * FROM doors`).all()).toEqual(before.doors);
  });

  it("declares the columns, foreign keys (all RESTRICT) and indexes the store relies on", () => {
    const db = databaseAt(4);
    expect(columns(db, "iq_sites")).toEqual(["id", "data", "floor_id"]);
    expect(columns(db, "plans")).toEqual(["id", "data", "created_at", "previous_id"]);
    expect(columns(db, "floor_images")).toEqual(["id", "floor_id", "mime", "sha256", "bytes"]);
    expect(foreignKeys(db, "iq_sites")).toEqual(["floor_id -> floors.id RESTRICT"]);
    expect(foreignKeys(db, "plans")).toEqual(["previous_id -> plans.id RESTRICT"]);
    expect(foreignKeys(db, "floor_images")).toEqual(["floor_id -> floors.id RESTRICT"]);
    expect(indexedColumns(db, "iq_sites")).toEqual(["floor_id", "id"]);
    expect(indexedColumns(db, "plans")).toEqual(["created_at,id", "id", "previous_id"]);
    expect(indexedColumns(db, "floor_images")).toEqual(["floor_id,sha256", "id"]);
  });

  it("enforces floors, the plan chain and image rows", () => {
    const db = siteAtVersion3();
    migrate(db, { upTo: 4 });
    db.prepare(`INSERT INTO iq_sites (id, data, floor_id) VALUES (?, '{}', ?)`).run(IQ_SITE, FLOOR);
    expect(sqliteCode(() => db.prepare(`INSERT INTO iq_sites (id, data, floor_id) VALUES ('s2', '{}', 'nowhere')`).run())).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM floors WHERE id = ?`).run(FLOOR))).toBe("FOREIGN KEY");

    db.prepare(`INSERT INTO plans (id, data, created_at) VALUES (?, ?, '2026-11-25T09:00:00.000Z')`).run(PLAN_1, plan(PLAN_1));
    db.prepare(`INSERT INTO plans (id, data, created_at, previous_id) VALUES (?, ?, '2026-11-25T09:05:00.000Z', ?)`).run(PLAN_2, plan(PLAN_2), PLAN_1);
    expect(sqliteCode(() => db.prepare(`DELETE FROM plans WHERE id = ?`).run(PLAN_1))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`INSERT INTO plans (id, data, created_at, previous_id) VALUES ('p3', '{}', 'x', 'ghost')`).run())).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`UPDATE plans SET previous_id = id WHERE id = ?`).run(PLAN_1))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => db.prepare(`INSERT INTO plans (id, data) VALUES ('p4', '{}')`).run())).toBe("SQLITE_CONSTRAINT_NOTNULL");
    expect(sqliteCode(() => db.prepare(`INSERT INTO plans (id, data, created_at) VALUES ('p5', 'not json', 'x')`).run())).toBe("SQLITE_CONSTRAINT_CHECK");

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const image = db.prepare(`INSERT INTO floor_images (id, floor_id, mime, sha256, bytes) VALUES (?, ?, ?, ?, ?)`);
    image.run(IMAGE, FLOOR, "image/png", SHA, png);
    expect(sqliteCode(() => image.run("i2", FLOOR, "image/png", SHA, png))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => image.run("i3", FLOOR, "image/gif", "b".repeat(64), png))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => image.run("i4", FLOOR, "image/png", "short", png))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => image.run("i5", FLOOR, "image/png", "c".repeat(64), "text"))).toBe("SQLITE_CONSTRAINT_DATATYPE");
    expect(sqliteCode(() => image.run("i6", "nowhere", "image/png", "d".repeat(64), png))).toBe("FOREIGN KEY");
    expect(db.prepare(`SELECT bytes FROM floor_images WHERE id = ?`).get(IMAGE)).toEqual({ bytes: png });
  });

  it("finds the latest plan through the created_at index", () => {
    const db = databaseAt(4);
    const detail = (db.prepare(`EXPLAIN QUERY PLAN SELECT data FROM plans ORDER BY created_at DESC, id DESC LIMIT 1`).all() as { detail: string }[])
      .map((p) => p.detail)
      .join("\n");
    expect(detail).toContain("plans_created");
    expect(detail).not.toContain("TEMP B-TREE");
  });
});
