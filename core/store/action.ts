import { z } from "zod";
import type { StoredPlan } from "../domain/index.ts";
import type { IdSource } from "../ports/ids.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { StatementCache } from "./database.ts";
import { specOf, type EntityInput, type EntityName, type EntityOf, type NewEntity } from "./entities.ts";
import { deleteRow, getEntity, listEntities, readDocument, writeRow, type Page } from "./entity-rows.ts";
import { deleteFloorImage, putFloorImage, type FloorImageMime } from "./floor-images.ts";
import { BULK_ENTITY_ID, insertBulk, reserveBulkSeq, type BulkRows } from "./bulk-insert.ts";
import { appendJournal, type JournalOp } from "./journal.ts";
import { META, readMeta, writeMeta } from "./meta.ts";
import { latestPlan } from "./plan-rows.ts";
import { fromConstraintError, storeErrors } from "./store-errors.ts";

/** Names a user action in the journal, e.g. `{ name: "doors.create" }`. */
export interface ActionInfo {
  readonly name: string;
  /** Who did it; defaults to the store's actor. */
  readonly actor?: string;
}

/**
 * The handle an action's function writes through. Every write is validated by the
 * entity's zod schema, applied to its table and appended to the journal, all inside
 * the action's transaction. The handle is dead once the action returns.
 */
export interface StoreTx {
  readonly actionId: string;
  /** The action's time (ISO-8601), also written to every journal row. */
  readonly at: string;
  insert<N extends EntityName>(entity: N, value: NewEntity<N>): EntityOf<N>;
  /**
   * Inserts many new documents of one kind (an import), already validated and in
   * canonical JSON, journaled compactly: see bulk-insert.ts for what the caller vouches
   * for and how the journal keeps each entity's seq and document.
   */
  insertBulk(entity: EntityName, rows: BulkRows): void;
  /** Writes the whole next document; a next document equal to the current one writes nothing. */
  update<N extends EntityName>(
    entity: N,
    id: string,
    next: EntityInput<N> | ((current: EntityOf<N>) => EntityInput<N>),
  ): EntityOf<N>;
  /** Deletes and returns the removed document. */
  remove<N extends EntityName>(entity: N, id: string): EntityOf<N>;
  get<N extends EntityName>(entity: N, id: string): EntityOf<N> | undefined;
  list<N extends EntityName>(entity: N, page?: Page): EntityOf<N>[];
  /**
   * Keeps a floor-plan image's bytes and returns the id for `Floor.plan.imageId` (the
   * same picture already stored for that floor keeps its id). Not journaled itself:
   * the action journals the floor update that points at it.
   */
  putFloorImage(image: { readonly floorId: string; readonly mime: FloorImageMime; readonly bytes: Uint8Array }): string;
  /** Drops an image's bytes once no floor points at it any more. */
  removeFloorImage(id: string): boolean;
  /** The newest stored plan, read inside the action so a new plan links to the right predecessor. */
  latestPlan(): StoredPlan | undefined;
}

export interface ActionContext {
  readonly sql: StatementCache;
  readonly ids: IdSource;
  readonly actionId: string;
  readonly name: string;
  readonly actor: string;
  readonly at: string;
}

/**
 * Builds the handle for one action. The Lamport clock ticks on the action's first
 * journal row, inside its transaction, so an action that changes nothing leaves no
 * trace at all, and a rolled-back one does not consume a tick.
 */
export function openActionTx(ctx: ActionContext): { readonly tx: StoreTx; end(): void } {
  const { sql } = ctx;
  let clock: number | undefined;
  let ended = false;

  const alive = () => {
    if (ended) throw storeErrors.actionMisuse(`the action "${ctx.name}" has ended; its handle cannot be used`);
  };

  const tick = (): number => {
    if (clock === undefined) {
      clock = Number(readMeta(sql, META.clock) ?? "0") + 1;
      writeMeta(sql, META.clock, String(clock));
    }
    return clock;
  };

  const journal = (entity: EntityName, entityId: string, op: JournalOp, before: string | null, after: string | null) => {
    appendJournal(sql, { actionId: ctx.actionId, action: ctx.name, entity, entityId, op, before, after, clock: tick(), actor: ctx.actor, at: ctx.at });
  };

  const validate = <N extends EntityName>(entity: N, value: unknown): EntityOf<N> => {
    const parsed = specOf(entity).schema.safeParse(value);
    if (!parsed.success) throw storeErrors.invalid(entity, parsed.error);
    return parsed.data as EntityOf<N>;
  };

  const write = (entity: EntityName, id: string, run: () => void) => {
    try {
      run();
    } catch (e) {
      throw fromConstraintError(e, entity, id);
    }
  };

  const tx: StoreTx = {
    actionId: ctx.actionId,
    at: ctx.at,

    insert(entity, value) {
      alive();
      const raw: Record<string, unknown> = { ...value };
      raw["id"] ??= ctx.ids.next();
      if (specOf(entity).stampsCreatedAt) raw["createdAt"] ??= ctx.at;
      const doc = validate(entity, raw);
      const json = canonicalJson(doc);
      write(entity, doc.id, () => writeRow(sql, entity, "insert", doc, json));
      journal(entity, doc.id, "insert", null, json);
      return doc;
    },

    insertBulk(entity, rows) {
      alive();
      insertBulk(sql, entity, rows, (ids) => {
        const row = { actionId: ctx.actionId, action: ctx.name, entity, entityId: BULK_ENTITY_ID, op: "insert" as const, before: null, after: JSON.stringify(ids), clock: tick(), actor: ctx.actor, at: ctx.at };
        appendJournal(sql, row, reserveBulkSeq(sql, ids.length));
      });
    },

    update(entity, id, next) {
      alive();
      const current = readDocument(sql, entity, id);
      if (current === undefined) throw storeErrors.notFound(entity, id);
      const input = typeof next === "function" ? next(JSON.parse(current) as EntityOf<typeof entity>) : next;
      const inputId = (input as { id?: unknown }).id;
      if (inputId !== undefined && inputId !== id) throw storeErrors.refused(entity, `the document's id ${String(inputId)} is not ${id}`);
      const doc = validate(entity, { ...(input as object), id });
      const json = canonicalJson(doc);
      if (json === current) return doc;
      write(entity, id, () => writeRow(sql, entity, "update", doc, json));
      journal(entity, id, "update", current, json);
      return doc;
    },

    remove(entity, id) {
      alive();
      if (entity === "site") throw storeErrors.refused(entity, "a site file always has its site");
      const current = readDocument(sql, entity, id);
      if (current === undefined) throw storeErrors.notFound(entity, id);
      write(entity, id, () => deleteRow(sql, entity, id));
      journal(entity, id, "delete", current, null);
      return JSON.parse(current) as EntityOf<typeof entity>;
    },

    get(entity, id) {
      alive();
      return getEntity(sql, entity, id);
    },

    list(entity, page) {
      alive();
      return listEntities(sql, entity, page);
    },

    putFloorImage(image) {
      alive();
      return putFloorImage(sql, () => ctx.ids.next(), image);
    },

    removeFloorImage(id) {
      alive();
      return deleteFloorImage(sql, id);
    },

    latestPlan() {
      alive();
      return latestPlan(sql);
    },
  };

  return {
    tx,
    end() {
      ended = true;
    },
  };
}

/** Action names are dotted words, the journal's vocabulary: `doors.create`, `demo.floors-and-doors`. */
export const ActionName = z
  .string()
  .max(100)
  .regex(/^[a-z][a-zA-Z0-9-]*(\.[a-z][a-zA-Z0-9-]*)+$/, "an action name is dotted words, e.g. doors.create");
