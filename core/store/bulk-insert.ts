import { canonicalJson } from "./canonical-json.ts";
import type { StatementCache } from "./database.ts";
import { specOf, type EntityName } from "./entities.ts";
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

/** One new document, with its canonical JSON already made by the caller. */
export interface BulkRow<T> {
  readonly doc: T;
  /** `canonicalJson(doc)`; checked on a sample (see `insertBulk`). */
  readonly json: string;
}

/** Rows between two full schema checks of the documents the caller vouches for. */
const CHECK_EVERY = 1000;

/**
 * Writes documents of one entity with one prepared statement per table and journals
 * them in chunks (see the module comment). The caller has validated every document
 * against the entity's schema (with defaults filled in) and made its canonical JSON:
 * a full zod parse of each of 200,000 documents would cost a fifth of the budget. The
 * first, the last and one in every {@link CHECK_EVERY} are still checked in full
 * (schema and canonical form), so a caller that builds documents the wrong way fails
 * loudly at once rather than writing bad rows quietly.
 */
export function insertBulk(
  sql: StatementCache,
  entity: EntityName,
  rows: readonly BulkRow<{ readonly id: string }>[],
  journalChunk: (ids: readonly string[]) => void,
): void {
  if (entity === "site") throw storeErrors.refused(entity, "a site file has exactly one site");
  const spec = specOf(entity);
  const last = rows.length - 1;
  for (let i = 0; i <= last; i += i === last ? 1 : Math.min(CHECK_EVERY, last - i)) {
    const row = rows[i]!;
    const parsed = spec.schema.safeParse(row.doc);
    if (!parsed.success) throw storeErrors.invalid(entity, parsed.error);
    if (canonicalJson(parsed.data) !== row.json) throw storeErrors.refused(entity, `document ${row.doc.id} is not in its canonical form`);
  }
  if (rows.length === 0) return;

  const names = Object.keys(spec.columns(rows[0]!.doc));
  const cols = ["id", "data", ...names];
  const insert = sql.get(`INSERT INTO ${spec.table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
  const links = spec.links.map((l) => ({ ids: l.ids, stmt: sql.get(`INSERT INTO ${l.table} (${l.ownerColumn}, ${l.targetColumn}) VALUES (?, ?)`) }));
  const values: unknown[] = new Array(cols.length);
  let chunk: string[] = [];
  for (const row of rows) {
    const id = row.doc.id;
    const columns = spec.columns(row.doc);
    values[0] = id;
    values[1] = row.json;
    for (let c = 0; c < names.length; c++) values[c + 2] = columns[names[c]!];
    try {
      insert.run(values);
      for (const l of links) for (const target of l.ids(row.doc)) l.stmt.run(id, target);
    } catch (e) {
      throw fromConstraintError(e, entity, id);
    }
    chunk.push(id);
    if (chunk.length === BULK_CHUNK) {
      journalChunk(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) journalChunk(chunk);
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
