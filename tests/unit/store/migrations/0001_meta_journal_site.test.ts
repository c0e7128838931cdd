import { describe, expect, it } from "vitest";
import { migration0001 } from "../../../../core/store/migrations/0001_meta_journal_site.ts";
import { columns, databaseAt, indexedColumns, sqliteCode, tables, userVersion } from "./schema-facts.ts";

const SITE_ID = "019b76da-a800-74f0-81c7-36b9f65f46e2";
const journalRow = (over: Record<string, unknown> = {}) => ({
  action_id: "019b76da-a800-74f0-81c7-36b9f65f46e3",
  action: "site.create",
  entity: "site",
  entity_id: SITE_ID,
  op: "insert",
  before: null,
  after: JSON.stringify({ id: SITE_ID, name: "Hotel" }),
  clock: 1,
  actor: "installer",
  at: "2026-03-14T09:30:00.000Z",
  ...over,
});
const insertJournal = `INSERT INTO journal (action_id, action, entity, entity_id, op, before, after, clock, actor, at)
  VALUES (@action_id, @action, @entity, @entity_id, @op, @before, @after, @clock, @actor, @at)`;

describe("migration 0001 meta_journal_site", () => {
  it("is version 1", () => {
    expect(migration0001.version).toBe(1);
    expect(migration0001.name).toBe("meta_journal_site");
  });

  it("creates meta, journal and site as STRICT tables on an empty file", () => {
    const db = databaseAt(0);
    expect(tables(db)).toEqual({});
    const after = databaseAt(1);
    expect(userVersion(after)).toBe(1);
    expect(tables(after)).toEqual({ journal: true, meta: true, site: true });
    expect(columns(after, "journal")).toEqual(["seq", "action_id", "action", "entity", "entity_id", "op", "before", "after", "clock", "actor", "at"]);
    expect(columns(after, "site")).toEqual(["id", "data", "one"]);
    expect(indexedColumns(after, "journal")).toEqual(["action_id", "entity,entity_id,seq"]);
    expect(after.prepare(`SELECT key, value FROM meta`).all()).toEqual([{ key: "clock", value: "0" }]);
  });

  it("keeps journal rows well formed", () => {
    const db = databaseAt(1);
    const insert = db.prepare(insertJournal);
    insert.run(journalRow());
    expect(sqliteCode(() => insert.run(journalRow({ op: "insert", before: "{}" })))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run(journalRow({ op: "delete", before: "{}", after: "{}" })))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run(journalRow({ op: "update", before: null })))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run(journalRow({ op: "rename" })))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run(journalRow({ after: "{not json" })))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run(journalRow({ clock: 0 })))).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => insert.run(journalRow({ clock: "1.5" })))).toBe("SQLITE_CONSTRAINT_DATATYPE");
    expect(db.prepare(`SELECT count(*) AS n FROM journal`).get()).toEqual({ n: 1 });
  });

  it("never reuses a journal seq", () => {
    const db = databaseAt(1);
    const insert = db.prepare(insertJournal);
    insert.run(journalRow());
    insert.run(journalRow());
    db.exec(`DELETE FROM journal WHERE seq = 2`);
    expect(insert.run(journalRow()).lastInsertRowid).toBe(3);
  });

  it("holds exactly one site", () => {
    const db = databaseAt(1);
    const insert = db.prepare(`INSERT INTO site (id, data) VALUES (?, ?)`);
    insert.run(SITE_ID, JSON.stringify({ id: SITE_ID, name: "Hotel" }));
    expect(sqliteCode(() => insert.run("019b76da-a800-74f0-81c7-36b9f65f46ff", "{}"))).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(sqliteCode(() => db.prepare(`INSERT INTO site (id, data, one) VALUES ('x', '{}', 2)`).run())).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(sqliteCode(() => db.prepare(`UPDATE site SET data = 'nope'`).run())).toBe("SQLITE_CONSTRAINT_CHECK");
  });
});
