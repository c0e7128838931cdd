import { canonicalJson } from "./canonical-json.ts";
import type { StatementCache } from "./database.ts";
import { specOf, type ColumnValue, type EntityName } from "./entities.ts";
import { fromConstraintError, storeErrors } from "./store-errors.ts";

/**
 * Bulk inserts (a people import: 100,000 users and their tags in one action) and the
 * compact journal rows they leave.
 *
 * Why not one journal row per document, as `StoreTx.insert` writes? Each such row
 * copies the whole document a second time and adds two index entries: measured on
 * 100,000 users + 100,000 tags, the journal alone made the action 1.7-2.3× slower than
 * writing the rows themselves, and the import's budget is 1.5× for everything.
 *
 * So a bulk insert journals one row per chunk of up to {@link BULK_CHUNK} ids:
 * `entity_id = '*'`, `op = 'insert'`, `after` = the JSON array of the ids (a document
 * is always an object, so an array cannot be mistaken for one), and the row's `seq` is
 * the LAST of a range of `ids.length` seqs reserved for it: entry i of the chunk has
 * seq `seq - ids.length + 1 + i`. Every imported entity thus keeps a seq of its own,
 * so cursors ("after seq N"), seq-range idempotency keys and counts by seq keep their
 * meaning, and a reader may stop in the middle of a chunk.
 *
 * The documents are not copied into the journal: `expandBulkRow` reads each one back
 * as it was at the import. That is the `before` of the entity's first later journal
 * entry (an update or delete journals the document it replaces), or, if nothing has
 * touched it since, the row itself. This relies on the store's invariant that every
 * write to an entity table is journaled (all writes go through `act`).
 *
 * Costs of the choice: ~7 MB of ids instead of ~55 MB of documents for 100,000 users
 * with tags; reading a bulk entry back costs one or two indexed lookups instead of a
 * JSON parse; and a query on `journal (entity, entity_id)` does not find bulk-inserted
 * entities (they are under `'*'`, their ids in `after`), nor does counting rows count
 * their entries: readers go through `readJournal`, or look inside bulk rows themselves.
 */

/**
 * Ids per bulk journal row (about 38 bytes each): few rows for a big import, and a
 * reader that starts in the middle of one re-reads at most this many ids.
 */
export const BULK_CHUNK = 1024;

/** The `entity_id` of a bulk journal row. */
export const BULK_ENTITY_ID = "*";

/**
 * New documents of one entity as their table stores them, row after row in one flat
 * list of `width` values each: the id, the canonical JSON, then the entity's columns
 * in the order `spec.columns` gives them (a user: id, data, first_key, last_key,
 * email_key). The caller makes all of it (see `insertBulk` for what is checked); the
 * values are bound as they are, with nothing derived, and a flat list costs no object
 * per row.
 */
export interface BulkRows {
  readonly width: number;
  readonly values: readonly ColumnValue[];
}

/**
 * Rows per INSERT statement. One statement per row pays SQLite's per-statement work
 * (step, reset, a result object) 200,000 times in a big import; measured on 100,000
 * users + 100,000 tags, statements of 512 rows wrote them in 0.82× the time of one
 * row per statement (32 rows: no gain; 128: 0.91×). Callers send up to 512 rows at once.
 */
export const BLOCK_ROWS = 512;

/** Rows between two full checks of the rows the caller vouches for. */
const CHECK_EVERY = 1000;

/**
 * Writes documents of one entity with one prepared statement and journals them in
 * chunks (see the module comment). The caller has validated every document against
 * the entity's schema (with defaults filled in) and made its canonical JSON and
 * columns: a zod parse of each of 200,000 documents would cost a fifth of the
 * import's budget, and deriving the columns here (a user's three search keys) another
 * tenth, which the import does on its check worker instead. The first, the last and
 * one in every {@link CHECK_EVERY} rows are still checked in full — the JSON parsed
 * and checked against the schema, its canonical form, the id and the columns derived
 * from it — so a caller that builds rows the wrong way fails loudly at once rather
 * than writing bad rows quietly.
 *
 * Entities with join rows (access groups) are not written in bulk: their links would
 * need each document.
 */
export function insertBulk(sql: StatementCache, entity: EntityName, rows: BulkRows, journalChunk: (ids: readonly string[]) => void): void {
  if (entity === "site") throw storeErrors.refused(entity, "a site file has exactly one site");
  const spec = specOf(entity);
  if (spec.links.length > 0) throw storeErrors.refused(entity, "a bulk insert writes no join rows; insert these one by one");
  const { width, values } = rows;
  if (!Number.isInteger(width) || width < 2 || values.length % width !== 0) {
    throw storeErrors.refused(entity, `${values.length} values are not rows of ${width}`);
  }
  const count = values.length / width;
  if (count === 0) return;
  const row: ColumnValue[] = new Array<ColumnValue>(width);
  const rowAt = (r: number) => {
    for (let c = 0; c < width; c++) row[c] = values[r * width + c]!;
    return row;
  };
  let names: readonly string[] = [];
  const last = count - 1;
  for (let r = 0; r <= last; r += r === last ? 1 : Math.min(CHECK_EVERY, last - r)) {
    const columns = checkRow(entity, rowAt(r));
    if (r === 0) names = Object.keys(columns);
  }
  const cols = ["id", "data", ...names];
  const tuple = `(${cols.map(() => "?").join(", ")})`;
  const into = `INSERT INTO ${spec.table} (${cols.join(", ")}) VALUES `;
  const one = sql.get(into + tuple);
  /** Inserts rows r.. one statement each: the rows of a block that failed, for the row and reason. */
  const oneByOne = (r: number, n: number) => {
    for (let i = r; i < r + n; i++) {
      try {
        one.run(rowAt(i));
      } catch (e) {
        throw fromConstraintError(e, entity, values[i * width] as string);
      }
    }
  };
  let r = 0;
  if (count >= BLOCK_ROWS) {
    const block = sql.get(into + Array.from({ length: BLOCK_ROWS }, () => tuple).join(", "));
    for (; r + BLOCK_ROWS <= count; r += BLOCK_ROWS) {
      try {
        block.run(values.slice(r * width, (r + BLOCK_ROWS) * width));
      } catch (e) {
        // The failed statement wrote nothing (SQLite backs it out): find the row and its reason.
        oneByOne(r, BLOCK_ROWS);
        throw e;
      }
    }
  }
  oneByOne(r, count - r);
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    chunk.push(values[i * width] as string);
    if (chunk.length === BULK_CHUNK) {
      journalChunk(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) journalChunk(chunk);
}

/** One row checked in full (see `insertBulk`); gives the columns its document derives. */
function checkRow(entity: EntityName, row: readonly ColumnValue[]): Readonly<Record<string, ColumnValue>> {
  const spec = specOf(entity);
  const [id, json, ...given] = row;
  if (typeof id !== "string" || typeof json !== "string") throw storeErrors.refused(entity, `a row starts with its id and JSON, not ${JSON.stringify([id, json])}`);
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw storeErrors.refused(entity, `the document of ${id} is not JSON`);
  }
  const parsed = spec.schema.safeParse(doc);
  if (!parsed.success) throw storeErrors.invalid(entity, parsed.error);
  if (parsed.data.id !== id) throw storeErrors.refused(entity, `the row's id ${id} is not its document's (${parsed.data.id})`);
  if (canonicalJson(parsed.data) !== json) throw storeErrors.refused(entity, `document ${id} is not in its canonical form`);
  const columns = spec.columns(parsed.data);
  const derived = Object.values(columns);
  if (derived.length !== given.length || derived.some((v, c) => v !== given[c])) {
    throw storeErrors.refused(entity, `the columns of ${id} (${JSON.stringify(given)}) are not those its document gives (${JSON.stringify(derived)})`);
  }
  return columns;
}

/**
 * The seq a bulk journal row of `count` ids takes: the last of `count` seqs after the
 * highest ever used (AUTOINCREMENT's high-water mark, so a deleted tail is not reused).
 */
export function reserveBulkSeq(sql: StatementCache, count: number): number {
  const row = sql
    .get(`SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'journal'), 0), coalesce((SELECT max(seq) FROM journal), 0)) AS hw`)
    .get() as { hw: number };
  return row.hw + count;
}

/** Is this raw journal row a bulk row? */
export function isBulkRow(row: { readonly entity_id: string; readonly op: string }): boolean {
  return row.entity_id === BULK_ENTITY_ID && row.op === "insert";
}

/** One entity of a bulk row, with its own seq and its document as it was inserted. */
export interface ExpandedBulkEntry {
  readonly seq: number;
  readonly entityId: string;
  readonly after: string;
}

/**
 * The entries a bulk journal row stands for whose seq is greater than `afterSeq`, at
 * most `limit` of them, each with its document as inserted (see the module comment).
 */
export function expandBulkRow(
  sql: StatementCache,
  row: { readonly seq: number; readonly entity: EntityName; readonly after: string },
  afterSeq: number,
  limit: number,
): ExpandedBulkEntry[] {
  const ids = JSON.parse(row.after) as string[];
  const first = row.seq - ids.length + 1;
  const table = specOf(row.entity).table;
  const later = sql.get(`SELECT before FROM journal WHERE entity = ? AND entity_id = ? AND seq > ? ORDER BY seq LIMIT 1`);
  const current = sql.get(`SELECT data FROM ${table} WHERE id = ?`);
  const out: ExpandedBulkEntry[] = [];
  for (let i = Math.max(0, afterSeq - first + 1); i < ids.length && out.length < limit; i++) {
    const id = ids[i]!;
    const next = later.get(row.entity, id, row.seq) as { before: string | null } | undefined;
    const doc = next?.before ?? (current.get(id) as { data: string } | undefined)?.data;
    if (doc === undefined) throw new Error(`journal: bulk row ${row.seq} names ${row.entity} ${id}, which has no later entry and no row`);
    out.push({ seq: first + i, entityId: id, after: doc });
  }
  return out;
}
