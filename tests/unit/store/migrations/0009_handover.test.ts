import { describe, expect, it } from "vitest";
import { migrate } from "../../../../core/store/migrator.ts";
import { migration0009 } from "../../../../core/store/migrations/0009_handover.ts";
import { MIGRATIONS } from "../../../../core/store/migrations/index.ts";
import { columns, databaseAt, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const V = migration0009.version;
const HASH = "a".repeat(64);

describe("migration 0009 handover", () => {
  it("is named handover and registered in its place", () => {
    expect(migration0009.name).toBe("handover");
    expect(MIGRATIONS[V - 1]).toBe(migration0009);
  });

  it("adds the handover tables, STRICT, with one state row at 'preparing', keeping earlier data", () => {
    const db = databaseAt(V - 1);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('site_id', 's')`).run();
    const meta = db.prepare(`SELECT * FROM meta ORDER BY key`).all();
    expect(migrate(db, { upTo: V })).toEqual({ from: V - 1, to: V, applied: [V] });
    expect(userVersion(db)).toBe(V);
    const t = tables(db);
    for (const name of ["handover_presets", "handover_state", "handover_log"]) expect(t[name], name).toBe(true);
    expect(Object.values(t).every((strict) => strict)).toBe(true);
    expect(db.prepare(`SELECT * FROM meta ORDER BY key`).all()).toEqual(meta);
    expect(db.prepare(`SELECT stage, owner_email, released_at, report_hash FROM handover_state`).all()).toEqual([{ stage: "preparing", owner_email: null, released_at: null, report_hash: null }]);
    expect(db.prepare(`SELECT count(*) AS n FROM handover_presets`).get()).toEqual({ n: 0 });
  });

  it("declares the columns the handover reads", () => {
    const db = databaseAt(V);
    expect(columns(db, "handover_presets")).toEqual(["one", "data", "saved_at"]);
    expect(columns(db, "handover_state")).toEqual([
      "one",
      "stage",
      "owner_email",
      "invitation",
      "installer_email",
      "owner_account_id",
      "transferred_at",
      "installer_access_expires_at",
      "released_at",
      "report_hash",
      "report_at",
      "updated_at",
    ]);
    expect(columns(db, "handover_log")).toEqual(["id", "at", "event", "details"]);
  });

  it("keeps one presets document, an object", () => {
    const db = databaseAt(V);
    const put = db.prepare(`INSERT OR REPLACE INTO handover_presets (one, data, saved_at) VALUES (?, ?, 'now')`);
    expect(sqliteCode(() => put.run(1, "[]"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => put.run(1, "not json"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => put.run(2, "{}"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => put.run(1, `{"rules":[]}`))).toBeUndefined();
  });

  it("moves the stage only with what each stage needs", () => {
    const db = databaseAt(V);
    expect(sqliteCode(() => db.prepare(`INSERT INTO handover_state (one) VALUES (1)`).run())).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    const set = (stage: string, email: string | null, account: string | null, transferred: string | null, released: string | null) =>
      sqliteCode(() =>
        db.prepare(`UPDATE handover_state SET stage = ?, owner_email = ?, owner_account_id = ?, transferred_at = ?, released_at = ?`).run(stage, email, account, transferred, released),
      );
    expect(set("invited", null, null, null, null)).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("preparing", "o@x.example", null, null, null)).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("transferred", "o@x.example", null, null, null)).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("released", "o@x.example", "acc", "t", null)).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("transferred", "o@x.example", "acc", "t", "r")).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("handed", "o@x.example", "acc", "t", null)).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("invited", "o@x.example", null, null, null)).toBeUndefined();
    expect(set("transferred", "o@x.example", "acc", "t", null)).toBeUndefined();
    expect(set("released", "o@x.example", "acc", "t", "r")).toBeUndefined();
  });

  it("keeps a report hash as 64 lower-case hex digits with its time", () => {
    const db = databaseAt(V);
    const set = (hash: string | null, at: string | null) => sqliteCode(() => db.prepare(`UPDATE handover_state SET report_hash = ?, report_at = ?`).run(hash, at));
    expect(set(HASH, null)).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("A".repeat(64), "now")).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set("a".repeat(63), "now")).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set(`${"a".repeat(63)}g`, "now")).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(set(HASH, "now")).toBeUndefined();
  });

  it("logs only the handover's own steps, with JSON details", () => {
    const db = databaseAt(V);
    const log = db.prepare(`INSERT INTO handover_log (at, event, details) VALUES ('now', ?, ?)`);
    expect(sqliteCode(() => log.run("invited", "{}"))).toBeUndefined();
    expect(sqliteCode(() => log.run("synced", "{}"))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => log.run("released", "nope"))).toBe("SQLITE_CONSTRAINT_CHECK");
  });
});
