import Database from "better-sqlite3";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isAppError } from "../errors/index.ts";
import { LINTEL_APPLICATION_ID, openReadOnly, type Db, type NativeOptions } from "./database.ts";
import { LATEST_SCHEMA_VERSION } from "./migrations/index.ts";
import { siteFileErrors } from "./site-file-errors.ts";

/** The first 16 bytes of every SQLite 3 database. */
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
const HEADER_BYTES = 100;

export interface SiteFileFacts {
  readonly schemaVersion: number;
}

/**
 * Decides whether a file may be opened read-write as a site, without writing to it:
 * the header is read with plain fs, the rest on a read-only connection. Everything
 * that can refuse does so here, so a refused file is never touched by a writer
 * (SQLite may leave empty -wal/-shm companions next to a WAL file; the file itself
 * stays byte-identical).
 *
 * Order: missing → not SQLite → SQLite errors while reading → not ours → too new →
 * quick_check. Cheap header facts come before the page-by-page check.
 */
export function inspectSiteFile(path: string, options: NativeOptions = {}): SiteFileFacts {
  const header = readHeader(path);
  if (header.length === 0) throw siteFileErrors.notLintel(path, "the file is empty");
  if (header.length < SQLITE_MAGIC.length || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw siteFileErrors.notLintel(path, "not an SQLite database");
  }
  if (header.length < HEADER_BYTES) throw siteFileErrors.corrupt(path, "the header is truncated");

  let db: Db | undefined;
  try {
    db = openReadOnly(path, options);
    const applicationId = db.pragma("application_id", { simple: true }) as number;
    if (applicationId !== LINTEL_APPLICATION_ID) {
      throw siteFileErrors.notLintel(path, `SQLite application_id ${applicationId}`);
    }
    const schemaVersion = db.pragma("user_version", { simple: true }) as number;
    if (schemaVersion > LATEST_SCHEMA_VERSION) {
      throw siteFileErrors.tooNew(path, schemaVersion, LATEST_SCHEMA_VERSION);
    }
    if (schemaVersion < 1) throw siteFileErrors.corrupt(path, "a Lintel header but no schema");
    const problems = (db.pragma("quick_check(5)") as { quick_check: string }[]).map((r) => r.quick_check);
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw siteFileErrors.corrupt(path, `quick_check: ${problems.join("; ")}`);
    }
    return { schemaVersion };
  } catch (e) {
    throw classifySqliteError(path, e);
  } finally {
    db?.close();
  }
}

function readHeader(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if (errnoOf(e) === "ENOENT") throw siteFileErrors.notFound(path);
    if (errnoOf(e) === "EISDIR") throw siteFileErrors.notLintel(path, "a folder, not a file");
    throw siteFileErrors.unreadable(path, String(e));
  }
  try {
    if (!fstatSync(fd).isFile()) throw siteFileErrors.notLintel(path, "not a regular file");
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, buf, 0, HEADER_BYTES, 0);
    return buf.subarray(0, n);
  } catch (e) {
    throw isAppError(e) ? e : siteFileErrors.unreadable(path, String(e));
  } finally {
    closeSync(fd);
  }
}

/** SQLite's own verdicts become the site's refusals; our AppErrors pass through. */
function classifySqliteError(path: string, e: unknown): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  if (e.code === "SQLITE_NOTADB" || e.code.startsWith("SQLITE_CORRUPT")) return siteFileErrors.corrupt(path, e.message);
  if (e.code === "SQLITE_CANTOPEN") return siteFileErrors.notFound(path);
  return siteFileErrors.unreadable(path, `${e.code}: ${e.message}`);
}

function errnoOf(e: unknown): string | undefined {
  return e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : undefined;
}
