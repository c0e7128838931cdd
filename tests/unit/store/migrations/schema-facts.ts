import Database from "better-sqlite3";
import type { Db } from "../../../../core/store/database.ts";
import { migrate } from "../../../../core/store/migrator.ts";

/** An in-memory database at schema version `version`, foreign keys on as in the app. */
export function databaseAt(version: number): Db {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db, { upTo: version });
  return db;
}

export function userVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Tables of the main schema (SQLite's own excluded) and whether each is STRICT. */
export function tables(db: Db): Record<string, boolean> {
  const rows = db
    .prepare(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string; strict: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.strict === 1]));
}

export function columns(db: Db, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(table) as { name: string }[]).map((r) => r.name);
}

export function foreignKeys(db: Db, table: string): string[] {
  const rows = db.prepare(`SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(?)`).all(table) as {
    from: string;
    table: string;
    to: string;
    on_delete: string;
  }[];
  return rows.map((r) => `${r.from} -> ${r.table}.${r.to} ${r.on_delete}`).sort();
}

export function indexedColumns(db: Db, table: string): string[] {
  const indexes = db.prepare(`SELECT name FROM pragma_index_list(?)`).all(table) as { name: string }[];
  return indexes
    .map((i) => (db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(i.name) as { name: string }[]).map((c) => c.name).join(","))
    .sort();
}

/**
 * The SQLite error code a statement fails with. A foreign key failure reads
 * "FOREIGN KEY" whatever the code: SQLite reports a RESTRICT on delete as
 * SQLITE_CONSTRAINT_TRIGGER and a dangling reference as SQLITE_CONSTRAINT_FOREIGNKEY.
 */
export function sqliteCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof Database.SqliteError)) return `not sqlite: ${String(e)}`;
    return e.message === "FOREIGN KEY constraint failed" ? "FOREIGN KEY" : e.code;
  }
}
