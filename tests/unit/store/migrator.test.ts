import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { assertMigrationSequence, migrate } from "../../../core/store/migrator.ts";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "../../../core/store/migrations/index.ts";
import { tables, userVersion } from "./migrations/schema-facts.ts";

const fresh = () => {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  return db;
};

describe("migrator", () => {
  it("lists the migrations 1..n in order, the last being the app's schema version", () => {
    expect(() => assertMigrationSequence(MIGRATIONS)).not.toThrow();
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(8);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("refuses a gap or a reordering", () => {
    const noop = (version: number): Migration => ({ version, name: `m${version}`, up: () => undefined });
    expect(() => assertMigrationSequence([noop(1), noop(3)])).toThrow(/expected 2/);
    expect(() => migrate(fresh(), { migrations: [noop(2), noop(1)] })).toThrow(/expected 1/);
  });

  it("applies only the pending migrations, and nothing the second time", () => {
    const db = fresh();
    expect(migrate(db, { upTo: 1 })).toEqual({ from: 0, to: 1, applied: [1] });
    const last = LATEST_SCHEMA_VERSION;
    expect(migrate(db)).toEqual({ from: 1, to: last, applied: MIGRATIONS.slice(1).map((m) => m.version) });
    expect(migrate(db)).toEqual({ from: last, to: last, applied: [] });
  });

  it("rolls a failing migration back whole, version included, keeping the earlier ones", () => {
    const db = fresh();
    const failing: Migration = {
      version: 2,
      name: "half_done",
      up(d) {
        d.exec(`CREATE TABLE half (id TEXT PRIMARY KEY) STRICT; INSERT INTO half VALUES ('x')`);
        throw new Error("boom");
      },
    };
    expect(() => migrate(db, { migrations: [MIGRATIONS[0]!, failing] })).toThrow("boom");
    expect(userVersion(db)).toBe(1);
    expect(Object.keys(tables(db))).toEqual(["journal", "meta", "site"]);
  });

  it("rolls back a migration that leaves a dangling foreign key", () => {
    const db = fresh();
    const dangling: Migration = {
      version: 2,
      name: "dangling",
      up(d) {
        d.exec(`
          CREATE TABLE parent (id TEXT PRIMARY KEY) STRICT;
          CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED) STRICT;
          INSERT INTO child VALUES ('c', 'missing');
        `);
      },
    };
    expect(() => migrate(db, { migrations: [MIGRATIONS[0]!, dangling] })).toThrow(/broken foreign keys/);
    expect(userVersion(db)).toBe(1);
    expect(tables(db)).not.toHaveProperty("child");
  });

  it("refuses a file newer than its migrations", () => {
    const db = fresh();
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer/);
  });
});
