import { z } from "zod";
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

export function appendJournal(sql: StatementCache, row: JournalAppend): void {
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

/** Reads the journal in seq order; the row shape is checked, the documents are parsed JSON. */
export function readJournal(sql: StatementCache, query: JournalQuery): JournalEntry[] {
  const { afterSeq, limit } = JournalQuery.parse(query);
  const rows = sql.get(`SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?`).all(afterSeq, limit);
  return rows.map((raw) => {
    const r = JournalRow.parse(raw);
    return {
      seq: r.seq,
      actionId: r.action_id,
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      op: r.op,
      before: r.before === null ? null : JSON.parse(r.before),
      after: r.after === null ? null : JSON.parse(r.after),
      clock: r.clock,
      actor: r.actor,
      at: r.at,
    } as JournalEntry;
  });
}
