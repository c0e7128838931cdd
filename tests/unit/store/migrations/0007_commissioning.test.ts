import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0007 } from "../../../../core/store/migrations/0007_commissioning.ts";
import { columns, databaseAt, foreignKeys, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const V = migration0007.version;
const FLOOR = "019b76da-a800-74f0-81c7-000000000002";
const DOOR = "019b76da-a800-74f0-81c7-000000000003";
const IQ = "019b76da-a800-74f0-81c7-000000000004";
const IQ_B = "019b76da-a800-74f0-81c7-000000000005";
const LOCK = "019b76da-a800-74f0-81c7-000000000006";
const REPEATER = "019b76da-a800-74f0-81c7-000000000007";
const PLAN = "019b76da-a800-74f0-81c7-000000000008";

/** A file one version before commissioning, with an IQ, a repeater, a lock and a plan. */
function siteBefore() {
  const db = databaseAt(V - 1);
  db.prepare(`INSERT INTO floors (id, data, level) VALUES (?, '{}', 0)`).run(FLOOR);
  db.prepare(`INSERT INTO doors (id, data, floor_id) VALUES (?, '{}', ?)`).run(DOOR, FLOOR);
  db.prepare(`INSERT INTO iqs (id, data, serial) VALUES (?, '{}', 'SN0001')`).run(IQ);
  db.prepare(`INSERT INTO iqs (id, data) VALUES (?, '{}')`).run(IQ_B);
  db.prepare(`INSERT INTO repeaters (id, data, device_id, parent_iq_id) VALUES (?, '{}', 'AABBCCDD', ?)`).run(REPEATER, IQ);
  db.prepare(`INSERT INTO locks (id, data, door_id, device_id, parent_repeater_id) VALUES (?, '{}', ?, '0011AABB', ?)`).run(LOCK, DOOR, REPEATER);
  db.prepare(`INSERT INTO plans (id, data, created_at) VALUES (?, '{}', '2026-01-01T00:00:00.000Z')`).run(PLAN);
  return db;
}

const job = (db: ReturnType<typeof databaseAt>) =>
  db.prepare(`INSERT INTO commissioning_jobs (id, data, iq_id, plan_id, plan_iq, step, status) VALUES (?, '{}', ?, ?, ?, ?, ?)`);

describe("migration 0007 commissioning", () => {
  it("is named commissioning and follows the migration before it", () => {
    expect(migration0007.name).toBe("commissioning");
    expect(V).toBeGreaterThanOrEqual(7);
  });

  it("adds jobs, as-built devices and door tests, STRICT, and keeps the hardware as it was", () => {
    const db = siteBefore();
    const before = ["iqs", "repeaters", "locks"].map((t) => db.prepare(`SELECT * FROM ${t}`).all());
    expect(migrate(db, { upTo: V })).toEqual({ from: V - 1, to: V, applied: [V] });
    expect(userVersion(db)).toBe(V);
    const t = tables(db);
    for (const name of ["commissioning_jobs", "iq_devices", "door_tests"]) expect(t[name], name).toBe(true);
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(["iqs", "repeaters", "locks"].map((t) => db.prepare(`SELECT * FROM ${t}`).all())).toEqual(before);
  });

  it("declares the columns, RESTRICT foreign keys and indexes the store relies on", () => {
    const db = databaseAt(V);
    expect(columns(db, "commissioning_jobs")).toEqual(["id", "data", "iq_id", "plan_id", "plan_iq", "step", "status"]);
    expect(columns(db, "iq_devices")).toEqual(["id", "data", "iq_id", "device_id", "lock_id", "repeater_id"]);
    expect(columns(db, "door_tests")).toEqual(["id", "data", "lock_id", "at", "outcome"]);
    expect(foreignKeys(db, "commissioning_jobs")).toEqual(["iq_id -> iqs.id RESTRICT", "plan_id -> plans.id RESTRICT"]);
    expect(foreignKeys(db, "iq_devices")).toEqual(["iq_id -> iqs.id RESTRICT", "lock_id -> locks.id RESTRICT", "repeater_id -> repeaters.id RESTRICT"]);
    expect(foreignKeys(db, "door_tests")).toEqual([]);
    expect(indexedColumns(db, "commissioning_jobs")).toEqual(["id", "iq_id", "plan_id,plan_iq", "status"]);
    expect(indexedColumns(db, "iq_devices")).toEqual(["device_id", "id", "iq_id", "lock_id", "repeater_id"]);
    expect(indexedColumns(db, "door_tests")).toEqual(["id", "lock_id,at"]);
  });

  it("keeps one job per IQ and per planned IQ, with known steps and statuses only", () => {
    const db = siteBefore();
    migrate(db, { upTo: V });
    const insert = job(db);
    insert.run("j1", IQ, PLAN, "IQ1", "attach", "ready");
    expect(sqliteCode(() => insert.run("j2", IQ, null, null, "discover", "ready"))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => insert.run("j3", IQ_B, PLAN, "IQ1", "discover", "ready"))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => insert.run("j4", IQ_B, PLAN, null, "discover", "ready"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run("j5", IQ_B, null, null, "teleport", "ready"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run("j6", IQ_B, null, null, "discover", "running"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run("j7", IQ_B, null, null, "test", "done"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run("j8", "ghost", null, null, "discover", "ready"))).toBe("FOREIGN KEY");
    insert.run("j9", IQ_B, null, null, "done", "done");
    expect(sqliteCode(() => db.prepare(`DELETE FROM iqs WHERE id = ?`).run(IQ_B))).toBe("FOREIGN KEY");
  });

  it("refuses to delete an IQ, lock or repeater that an as-built row holds (2209 at the schema level)", () => {
    const db = siteBefore();
    migrate(db, { upTo: V });
    const device = db.prepare(`INSERT INTO iq_devices (id, data, iq_id, device_id, lock_id, repeater_id) VALUES (?, '{}', ?, ?, ?, ?)`);
    device.run("d1", IQ, "AABBCCDD", null, REPEATER);
    device.run("d2", IQ, "0011AABB", LOCK, null);
    expect(sqliteCode(() => device.run("d3", IQ, "0011AABB", null, null))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => device.run("d4", IQ, "0011AABC", LOCK, REPEATER))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => device.run("d5", IQ, "0011AABB", LOCK, null))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => device.run("d6", "ghost", "99999999", null, "ghost-repeater"))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM iqs WHERE id = ?`).run(IQ))).toBe("FOREIGN KEY");
    expect(sqliteCode(() => db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK))).toBe("FOREIGN KEY");
    db.prepare(`DELETE FROM iq_devices WHERE id = 'd2'`).run();
    db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK);
  });

  it("keeps door tests as history: they outlive the lock and know only three outcomes", () => {
    const db = siteBefore();
    migrate(db, { upTo: V });
    const test = db.prepare(`INSERT INTO door_tests (id, data, lock_id, at, outcome) VALUES (?, '{}', ?, ?, ?)`);
    test.run("t1", LOCK, "2026-01-01T00:00:00.000Z", "opened");
    expect(sqliteCode(() => test.run("t2", LOCK, "2026-01-01T00:00:01.000Z", "exploded"))).toBe("SQLITE_CONSTRAINT_CHECK");
    db.prepare(`DELETE FROM locks WHERE id = ?`).run(LOCK);
    expect(db.prepare(`SELECT count(*) AS n FROM door_tests`).get()).toEqual({ n: 1 });
  });
});
