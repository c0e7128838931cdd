import { z } from "zod";
import { BULK_ENTITY_ID, expandBulkRow, isBulkRow } from "./bulk-insert.ts";
import type { StatementCache } from "./database.ts";
import { ENTITY_NAMES, type EntityName, type EntityOf } from "./entities.ts";

export const JOURNAL_OPS = ["insert", "update", "delete"] as const;
export type JournalOp = (typeof JOURNAL_OPS)[number];

/**
 * One write of one action, as sync and merging read it. Documents are as they were
 * written at the time; `clock` is the site's Lamport clock, one tick per action.
 */
export type JournalEntry = {
  [N in EntityName]: {
    readonly seq: number;
    readonly actionId: string;
    readonly action: string;
    readonly entity: N;
    readonly entityId: string;
    readonly op: JournalOp;
    readonly before: EntityOf<N> | null;
    readonly after: EntityOf<N> | null;
    readonly clock: number;
    readonly actor: string;
    readonly at: string;
  };
}[EntityName];

/** What the writer appends; the seq is the table's. */
export interface JournalAppend {
  readonly actionId: string;
  readonly action: string;
  readonly entity: EntityName;
  readonly entityId: string;
  readonly op: JournalOp;
  readonly before: string | null;
  readonly after: string | null;
  readonly clock: number;
  readonly actor: string;
  readonly at: string;
}

/** Appends one row; `seq` only for a bulk row, which reserves a range of seqs (bulk-insert.ts). */
export function appendJournal(sql: StatementCache, row: JournalAppend, seq?: number): void {
  if (seq !== undefined) {
    sql
      .get(
        `INSERT INTO journal (seq, action_id, action, entity, entity_id, op, before, after, clock, actor, at)
         VALUES (@seq, @actionId, @action, @entity, @entityId, @op, @before, @after, @clock, @actor, @at)`,
      )
      .run({ ...row, seq });
    return;
  }
  sql
    .get(
      `INSERT INTO journal (action_id, action, entity, entity_id, op, before, after, clock, actor, at)
       VALUES (@actionId, @action, @entity, @entityId, @op, @before, @after, @clock, @actor, @at)`,
    )
    .run(row);
}

export const JournalQuery = z.object({
  /** Entries with a seq strictly greater than this (a reader's cursor). */
  afterSeq: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(10_000),
});
export type JournalQuery = z.input<typeof JournalQuery>;

const JournalRow = z.object({
  seq: z.number().int(),
  action_id: z.string(),
  action: z.string(),
  entity: z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]]),
  entity_id: z.string(),
  op: z.enum(JOURNAL_OPS),
  before: z.string().nullable(),
  after: z.string().nullable(),
  clock: z.number().int(),
  actor: z.string(),
  at: z.string(),
});

/**
 * Reads the journal in seq order; the row shape is checked, the documents are parsed
 * JSON. A bulk row (bulk-insert.ts) comes out as one insert entry per entity, each with
 * its own seq, so `afterSeq` and `limit` count entries, not rows.
 */
export function readJournal(sql: StatementCache, query: JournalQuery): JournalEntry[] {
  const { afterSeq, limit } = JournalQuery.parse(query);
  const rows = sql.get(`SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?`).all(afterSeq, limit);
  const out: JournalEntry[] = [];
  for (const raw of rows) {
    if (out.length >= limit) break;
    const r = JournalRow.parse(raw);
    if (isBulkRow(r) && r.after !== null) {
      for (const e of expandBulkRow(sql, { seq: r.seq, entity: r.entity, after: r.after }, afterSeq, limit - out.length)) out.push(bulkEntryOf(r, e));
      continue;
    }
    out.push(entryOf(r));
  }
  return out;
}

/**
 * One entity's journal entries in seq order: the bulk row's entry that inserted it, if
 * one did (found by its id in the rows' lists of ids, which no index holds: a scan of
 * the bulk rows, a few milliseconds for an import of 100,000), then its own rows.
 */
export function journalOf(sql: StatementCache, entity: EntityName, id: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  const bulk = sql.get(`SELECT * FROM journal WHERE entity = ? AND entity_id = ? AND instr(after, ?) > 0 ORDER BY seq LIMIT 1`).get(entity, BULK_ENTITY_ID, JSON.stringify(id));
  if (bulk !== undefined) {
    const r = JournalRow.parse(bulk);
    const ids = JSON.parse(r.after!) as string[];
    const at = ids.indexOf(id);
    if (at >= 0) {
      const first = r.seq - ids.length + 1;
      for (const e of expandBulkRow(sql, { seq: r.seq, entity: r.entity, after: r.after! }, first + at - 1, 1)) out.push(bulkEntryOf(r, e));
    }
  }
  for (const raw of sql.get(`SELECT * FROM journal WHERE entity = ? AND entity_id = ? ORDER BY seq`).all(entity, id)) out.push(entryOf(JournalRow.parse(raw)));
  return out;
}

type JournalRowValue = z.infer<typeof JournalRow>;

const commonOf = (r: JournalRowValue) => ({ actionId: r.action_id, action: r.action, entity: r.entity, clock: r.clock, actor: r.actor, at: r.at });

/** A row of one entity as an entry, its documents parsed. */
function entryOf(r: JournalRowValue): JournalEntry {
  return {
    ...commonOf(r),
    seq: r.seq,
    entityId: r.entity_id,
    op: r.op,
    before: r.before === null ? null : JSON.parse(r.before),
    after: r.after === null ? null : JSON.parse(r.after),
  } as JournalEntry;
}

/** One entity's entry of a bulk row. */
function bulkEntryOf(r: JournalRowValue, e: { readonly seq: number; readonly entityId: string; readonly after: string }): JournalEntry {
  return { ...commonOf(r), seq: e.seq, entityId: e.entityId, op: "insert", before: null, after: JSON.parse(e.after) } as JournalEntry;
}
