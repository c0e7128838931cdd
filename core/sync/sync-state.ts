import { z } from "zod";
import { StatementCache, type Db } from "../store/database.ts";
import { ENTITY_NAMES, JOURNAL_OPS, type EntityName, type JournalOp } from "../store/index.ts";
import type { SyncChange, SyncEntity } from "./compact.ts";

/**
 * The sync engine's bookkeeping in the site file (tables of migration 0008), on a
 * connection of its own. Each method that changes more than one row does it in one
 * transaction: a batch's outcome (set-aside changes, cleared ones, the checkpoint)
 * lands whole or not at all.
 */

const EntityNameSchema = z.enum(ENTITY_NAMES as [EntityName, ...EntityName[]]);
const SyncEntitySchema = z.union([EntityNameSchema, z.literal("iqTree")]);

export const SyncChangeSchema = z.object({
  key: z.string().min(1),
  entity: SyncEntitySchema,
  entityId: z.string().min(1),
  op: z.enum(JOURNAL_OPS),
  doc: z.unknown(),
  firstSeq: z.number().int().positive(),
  lastSeq: z.number().int().positive(),
  clock: z.number().int().nonnegative(),
  local: z.literal(true).optional(),
  ifVersion: z.number().int().nonnegative().optional(),
});

/** A batch on its way: the journal range it stands for and exactly what was sent. */
export interface Inflight {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly changes: readonly SyncChange[];
}

export interface SyncStateRow {
  readonly checkpointSeq: number;
  readonly inflight: Inflight | null;
  readonly treesSeq: number;
  readonly cursor: string | null;
  readonly lastSyncedAt: string | null;
}

export interface SetAsideRow {
  readonly id: number;
  readonly entity: SyncEntity;
  readonly entityId: string;
  readonly op: JournalOp;
  readonly doc: unknown;
  readonly lastSeq: number;
  readonly key: string;
  readonly code: string;
  readonly ksCode: number | null;
  readonly status: number | null;
  readonly message: string;
  readonly advice: string;
  readonly attempts: number;
  readonly at: string;
}

export type ConflictState = "open" | "kept-mine" | "took-theirs";

export interface ConflictRow {
  readonly id: number;
  readonly entity: EntityName;
  readonly entityId: string;
  readonly localDoc: unknown;
  readonly remoteDoc: unknown;
  readonly remoteVersion: number | null;
  readonly detectedAt: string;
  readonly state: ConflictState;
  readonly skipThroughSeq: number | null;
  readonly resolvedAt: string | null;
}

/** Why a change was refused, as the set-aside list shows it. */
export interface Refusal {
  readonly code: string;
  readonly ksCode: number | null;
  readonly status: number | null;
  readonly message: string;
  readonly advice: string;
  /** The cloud's details (not kept in the file): which rule, which ids. */
  readonly details?: unknown;
}

const StateRaw = z.object({
  checkpoint_seq: z.number().int(),
  inflight_from: z.number().int().nullable(),
  inflight_to: z.number().int().nullable(),
  inflight_body: z.string().nullable(),
  trees_seq: z.number().int(),
  cursor: z.string().nullable(),
  last_synced_at: z.string().nullable(),
});

const SetAsideRaw = z.object({
  id: z.number().int(),
  entity: SyncEntitySchema,
  entity_id: z.string(),
  op: z.enum(JOURNAL_OPS),
  doc: z.string().nullable(),
  last_seq: z.number().int(),
  idem_key: z.string(),
  code: z.string(),
  ks_code: z.number().int().nullable(),
  status: z.number().int().nullable(),
  message: z.string(),
  advice: z.string(),
  attempts: z.number().int(),
  at: z.string(),
});

const ConflictRaw = z.object({
  id: z.number().int(),
  entity: EntityNameSchema,
  entity_id: z.string(),
  local_doc: z.string().nullable(),
  remote_doc: z.string().nullable(),
  remote_version: z.number().int().nullable(),
  detected_at: z.string(),
  state: z.enum(["open", "kept-mine", "took-theirs"]),
  skip_through_seq: z.number().int().nullable(),
  resolved_at: z.string().nullable(),
});

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const unjson = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

function toSetAside(raw: unknown): SetAsideRow {
  const r = SetAsideRaw.parse(raw);
  return {
    id: r.id,
    entity: r.entity,
    entityId: r.entity_id,
    op: r.op,
    doc: unjson(r.doc),
    lastSeq: r.last_seq,
    key: r.idem_key,
    code: r.code,
    ksCode: r.ks_code,
    status: r.status,
    message: r.message,
    advice: r.advice,
    attempts: r.attempts,
    at: r.at,
  };
}

function toConflict(raw: unknown): ConflictRow {
  const r = ConflictRaw.parse(raw);
  return {
    id: r.id,
    entity: r.entity,
    entityId: r.entity_id,
    localDoc: unjson(r.local_doc),
    remoteDoc: unjson(r.remote_doc),
    remoteVersion: r.remote_version,
    detectedAt: r.detected_at,
    state: r.state,
    skipThroughSeq: r.skip_through_seq,
    resolvedAt: r.resolved_at,
  };
}

/** What happened to each change of a batch, recorded with the new checkpoint. */
export interface BatchOutcome {
  readonly toSeq: number;
  readonly accepted: readonly { readonly change: SyncChange; readonly version: number | null }[];
  readonly rejected: readonly { readonly change: SyncChange; readonly refusal: Refusal }[];
  /** Changes the cloud answered with a conflict (someone changed the entity there first). */
  readonly conflicts: readonly NewConflict[];
  readonly at: string;
}

export interface NewConflict {
  readonly entity: EntityName;
  readonly entityId: string;
  readonly localDoc: unknown;
  readonly remoteDoc: unknown;
  readonly remoteVersion: number | null;
}

export class SyncState {
  /** Prepared once per SQL text: a batch records hundreds of versions. */
  private readonly sql: StatementCache;

  constructor(private readonly db: Db) {
    this.sql = new StatementCache(db);
  }

  read(): SyncStateRow {
    const r = StateRaw.parse(this.sql.get(`SELECT * FROM sync_state WHERE one = 1`).get());
    const inflight: Inflight | null =
      r.inflight_from === null || r.inflight_to === null || r.inflight_body === null
        ? null
        : { fromSeq: r.inflight_from, toSeq: r.inflight_to, changes: z.array(SyncChangeSchema).parse(JSON.parse(r.inflight_body)) as SyncChange[] };
    return { checkpointSeq: r.checkpoint_seq, inflight, treesSeq: r.trees_seq, cursor: r.cursor, lastSyncedAt: r.last_synced_at };
  }

  /** Records the batch about to be sent, before the first byte leaves. */
  beginBatch(b: Inflight): void {
    const info = this.sql
      .get(`UPDATE sync_state SET inflight_from = ?, inflight_to = ?, inflight_body = ? WHERE one = 1 AND checkpoint_seq = ? AND inflight_from IS NULL`)
      .run(b.fromSeq, b.toSeq, JSON.stringify(b.changes), b.fromSeq);
    if (info.changes !== 1) throw new Error(`sync: cannot begin a batch from ${b.fromSeq}: another is on its way or the checkpoint moved`);
  }

  /** A range that produced nothing to send: move past it directly. */
  skipTo(toSeq: number): void {
    this.sql.get(`UPDATE sync_state SET checkpoint_seq = max(checkpoint_seq, ?) WHERE one = 1 AND inflight_from IS NULL`).run(toSeq);
  }

  /** The batch's outcome and the new checkpoint, in one transaction. */
  finishBatch(o: BatchOutcome): void {
    this.db
      .transaction(() => {
        const clear = this.sql.get(`DELETE FROM sync_set_aside WHERE entity = ? AND entity_id = ?`);
        // Refusals are rare: with none set aside there is nothing to clear for each change.
        const anyAside = this.sql.get(`SELECT 1 FROM sync_set_aside LIMIT 1`).get() !== undefined;
        for (const { change, version } of o.accepted) {
          if (anyAside) clear.run(change.entity, change.entityId);
          if (change.entity !== "iqTree" && !change.local) this.recordVersion(change.entityId, change.op === "delete" ? null : version);
        }
        for (const r of o.rejected) this.setAside(r.change, r.refusal, o.at);
        for (const c of o.conflicts) this.openConflict(c, o.at);
        const info = this.sql
          .get(`UPDATE sync_state SET checkpoint_seq = ?, inflight_from = NULL, inflight_to = NULL, inflight_body = NULL, last_synced_at = ? WHERE one = 1 AND inflight_to = ?`)
          .run(o.toSeq, o.at, o.toSeq);
        if (info.changes !== 1) throw new Error(`sync: no batch up to ${o.toSeq} is on its way`);
      })
      .immediate();
  }

  /** IQ trees written up to `toSeq`, refused ones set aside, in one transaction. */
  finishTrees(toSeq: number, rejected: readonly { readonly change: SyncChange; readonly refusal: Refusal }[], accepted: readonly SyncChange[], at: string): void {
    this.db
      .transaction(() => {
        for (const c of accepted) this.clearSetAside(c.entity, c.entityId);
        for (const r of rejected) this.setAside(r.change, r.refusal, at);
        this.sql.get(`UPDATE sync_state SET trees_seq = max(trees_seq, ?) WHERE one = 1`).run(toSeq);
      })
      .immediate();
  }

  /** The cloud's last seen version of each entity asked for (unknown ones are absent). */
  versionsOf(ids: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    const stmt = this.sql.get(`SELECT version FROM sync_versions WHERE entity_id = ?`);
    for (const id of ids) {
      const r = stmt.get(id) as { version: number } | undefined;
      if (r) out.set(id, r.version);
    }
    return out;
  }

  /**
   * Remembers the cloud's version of an entity (null: it is gone there). Versions only
   * go up: the feed may replay older ones after a push already told us a newer one.
   */
  recordVersion(entityId: string, version: number | null): void {
    if (version === null) this.sql.get(`DELETE FROM sync_versions WHERE entity_id = ?`).run(entityId);
    else
      this.sql
        .get(`INSERT INTO sync_versions (entity_id, version) VALUES (?, ?) ON CONFLICT (entity_id) DO UPDATE SET version = max(version, excluded.version)`)
        .run(entityId, version);
  }

  /** Several versions at once (a page of the feed), in one transaction. */
  recordVersions(list: readonly { readonly entityId: string; readonly version: number | null }[]): void {
    this.db.transaction(() => {
      for (const v of list) this.recordVersion(v.entityId, v.version);
    })();
  }

  /** A page of the feed taken in: its conflicts, the versions it shows, and the cursor after it, in one transaction. */
  finishPull(cursor: string | null, versions: readonly { readonly entityId: string; readonly version: number | null }[], conflicts: readonly NewConflict[], at: string): void {
    this.db
      .transaction(() => {
        for (const v of versions) this.recordVersion(v.entityId, v.version);
        for (const c of conflicts) this.openConflict(c, at);
        this.setCursor(cursor);
      })
      .immediate();
  }

  setCursor(cursor: string | null): void {
    this.sql.get(`UPDATE sync_state SET cursor = ? WHERE one = 1`).run(cursor);
  }

  /** Sets a change aside (one row per entity: a later refusal replaces the earlier one, attempts count up). */
  setAside(change: SyncChange, refusal: Refusal, at: string): void {
    const op = change.op;
    this.sql
      .get(
        `INSERT INTO sync_set_aside (entity, entity_id, op, doc, last_seq, idem_key, code, ks_code, status, message, advice, at)
         VALUES (@entity, @entityId, @op, @doc, @lastSeq, @key, @code, @ksCode, @status, @message, @advice, @at)
         ON CONFLICT (entity, entity_id) DO UPDATE SET
           op = CASE WHEN sync_set_aside.op = 'insert' AND excluded.op = 'update' THEN 'insert' ELSE excluded.op END,
           doc = excluded.doc, last_seq = excluded.last_seq, idem_key = excluded.idem_key, code = excluded.code,
           ks_code = excluded.ks_code, status = excluded.status, message = excluded.message, advice = excluded.advice,
           at = excluded.at, attempts = sync_set_aside.attempts + 1`,
      )
      .run({
        entity: change.entity,
        entityId: change.entityId,
        op,
        doc: op === "delete" ? null : json(change.doc),
        lastSeq: change.lastSeq,
        key: change.key,
        code: refusal.code,
        ksCode: refusal.ksCode,
        status: refusal.status,
        message: refusal.message,
        advice: refusal.advice,
        at,
      });
  }

  setAsideList(): SetAsideRow[] {
    return this.sql.get(`SELECT * FROM sync_set_aside ORDER BY id`).all().map(toSetAside);
  }

  setAsideById(id: number): SetAsideRow | undefined {
    const raw = this.sql.get(`SELECT * FROM sync_set_aside WHERE id = ?`).get(id);
    return raw === undefined ? undefined : toSetAside(raw);
  }

  /** Set-aside rows by entity id (a small table: refusals are rare and each entity has one row). */
  setAsideByEntity(): Map<string, SetAsideRow> {
    return new Map(this.setAsideList().map((r) => [r.entityId, r]));
  }

  dropSetAside(id: number): boolean {
    return this.sql.get(`DELETE FROM sync_set_aside WHERE id = ?`).run(id).changes === 1;
  }

  clearSetAside(entity: SyncEntity, entityId: string): void {
    this.sql.get(`DELETE FROM sync_set_aside WHERE entity = ? AND entity_id = ?`).run(entity, entityId);
  }

  /** Opens (or re-opens) the conflict of an entity. */
  openConflict(c: NewConflict, at: string): void {
    this.sql
      .get(
        `INSERT INTO sync_conflicts (entity, entity_id, local_doc, remote_doc, remote_version, detected_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity, entity_id) DO UPDATE SET
           local_doc = excluded.local_doc, remote_doc = excluded.remote_doc, remote_version = excluded.remote_version,
           detected_at = excluded.detected_at, state = 'open', skip_through_seq = NULL, resolved_at = NULL`,
      )
      .run(c.entity, c.entityId, json(c.localDoc), json(c.remoteDoc), c.remoteVersion, at);
  }

  conflicts(state?: ConflictState): ConflictRow[] {
    const rows = state === undefined ? this.sql.get(`SELECT * FROM sync_conflicts ORDER BY id`).all() : this.sql.get(`SELECT * FROM sync_conflicts WHERE state = ? ORDER BY id`).all(state);
    return rows.map(toConflict);
  }

  conflictById(id: number): ConflictRow | undefined {
    const raw = this.sql.get(`SELECT * FROM sync_conflicts WHERE id = ?`).get(id);
    return raw === undefined ? undefined : toConflict(raw);
  }

  /** Open conflicts and recent resolutions by entity id, for the batch builder's filter. */
  conflictsByEntity(): Map<string, ConflictRow> {
    return new Map(this.conflicts().map((c) => [c.entityId, c]));
  }

  resolveConflict(id: number, state: Exclude<ConflictState, "open">, skipThroughSeq: number, at: string): void {
    const info = this.sql
      .get(`UPDATE sync_conflicts SET state = ?, skip_through_seq = ?, resolved_at = ? WHERE id = ? AND state = 'open'`)
      .run(state, skipThroughSeq, at, id);
    if (info.changes !== 1) throw new Error(`sync: conflict ${id} is not open`);
  }

  /** Resolved conflicts the checkpoint has passed are history: forget them. */
  purgeResolved(checkpointSeq: number): void {
    this.sql.get(`DELETE FROM sync_conflicts WHERE state <> 'open' AND skip_through_seq <= ?`).run(checkpointSeq);
  }

  /**
   * Journal entries after `afterSeq` and the newest seq. Every entry has a seq of its
   * own (a bulk row reserves one per entity, see store/bulk-insert.ts) and seqs are
   * never reused, so a difference of seqs counts entries.
   */
  journalAfter(afterSeq: number): { readonly count: number; readonly maxSeq: number } {
    const maxSeq = Math.max(this.maxSeq(), afterSeq);
    return { count: maxSeq - afterSeq, maxSeq };
  }

  /** The newest journal seq (0 for an empty journal). */
  maxSeq(): number {
    return (this.sql.get(`SELECT coalesce(max(seq), 0) AS max FROM journal`).get() as { max: number }).max;
  }

  /**
   * Whether this copy changed an entity after `afterSeq` in an action other than the
   * sync's own (`ownActions`): a change waiting to be pushed. Bulk-inserted entities
   * are not found this way (their rows are under '*'); none of them can have changed
   * in the cloud before its insert was pushed, so only later entries matter.
   */
  changedLocallyAfter(entity: EntityName, entityId: string, afterSeq: number, ownActions: readonly string[]): boolean {
    const marks = ownActions.map(() => "?").join(", ");
    const row = this.sql
      .get(`SELECT 1 FROM journal WHERE entity = ? AND entity_id = ? AND seq > ? AND action NOT IN (${marks}) LIMIT 1`)
      .get(entity, entityId, afterSeq, ...ownActions);
    return row !== undefined;
  }

  /**
   * This copy's first change of an entity after `afterSeq` in an action other than the
   * sync's own: its `before` is the document as it was when the local edits began (the
   * base of a three-way merge, see merge.ts). Undefined when there is none; bulk rows
   * (inserts, under '*') are not found, and a creation's `before` is null.
   */
  firstLocalChange(entity: EntityName, entityId: string, afterSeq: number, ownActions: readonly string[]): { readonly seq: number; readonly before: unknown } | undefined {
    const marks = ownActions.map(() => "?").join(", ");
    const row = this.sql
      .get(`SELECT seq, before FROM journal WHERE entity = ? AND entity_id = ? AND seq > ? AND action NOT IN (${marks}) ORDER BY seq LIMIT 1`)
      .get(entity, entityId, afterSeq, ...ownActions) as { seq: number; before: string | null } | undefined;
    return row === undefined ? undefined : { seq: row.seq, before: unjson(row.before) };
  }

  /** Forgets everything (a different cloud site, or a reset after the cloud lost its data). */
  reset(): void {
    this.db
      .transaction(() => {
        this.db.exec(`DELETE FROM sync_set_aside; DELETE FROM sync_conflicts; DELETE FROM sync_versions;`);
        this.sql
          .get(`UPDATE sync_state SET checkpoint_seq = 0, inflight_from = NULL, inflight_to = NULL, inflight_body = NULL, trees_seq = 0, cursor = NULL, last_synced_at = NULL WHERE one = 1`)
          .run();
      })
      .immediate();
  }
}
