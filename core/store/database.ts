import Database from "better-sqlite3";

/** A better-sqlite3 connection; the store's only way into the file. */
export type Db = Database.Database;

/**
 * `PRAGMA application_id` of every Lintel site file: "LNTL" in ASCII (0x4C4E544C).
 * It marks the file as ours in the SQLite header, so `file(1)` and our own open path
 * can tell a site from any other SQLite database without reading its tables.
 */
export const LINTEL_APPLICATION_ID = 0x4c4e544c;

/** How long a connection waits for another writer (a second window, a backup) before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** How to load the native module: Electron ships its own build of better-sqlite3. */
export interface NativeOptions {
  readonly nativeBinding?: string | undefined;
}

function nativeOf(options: NativeOptions): { nativeBinding?: string } {
  return options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding };
}

/** Opens a connection read-only; the file must exist. Used to inspect a file before trusting it. */
export function openReadOnly(path: string, options: NativeOptions = {}): Db {
  const db = new Database(path, { readonly: true, fileMustExist: true, ...nativeOf(options) });
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/**
 * Opens a connection read-write with the settings every site connection uses.
 *
 * - WAL: readers never block the writer, and a crash leaves the file consistent;
 *   the WAL is replayed on the next open.
 * - synchronous=NORMAL: in WAL mode a commit is durable against a crash of the app
 *   (the kill test proves it); only a power loss or OS crash can lose the last few
 *   commits, never corrupt the file. FULL would fsync on every action for that case,
 *   which commissioning on battery-powered laptops does not need: the risk is losing
 *   the last seconds of work, and the journal shows exactly what survived.
 * - foreign_keys=ON: per connection in SQLite, off by default.
 */
export function openReadWrite(path: string, options: NativeOptions & { readonly mustExist: boolean }): Db {
  const db = new Database(path, { fileMustExist: options.mustExist, ...nativeOf(options) });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`could not switch the site file to WAL (journal_mode=${String(mode)})`);
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Prepared statements kept per SQL text: an import of 100,000 rows must not re-prepare each one. */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();
  constructor(private readonly db: Db) {}

  get(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
