import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { Name, type Site, type StoredPlan } from "../domain/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { IdSource } from "../ports/ids.ts";
import { ActionName, openActionTx, type ActionInfo, type StoreTx } from "./action.ts";
import { LINTEL_APPLICATION_ID, openReadWrite, StatementCache, type Db } from "./database.ts";
import type { EntityName, EntityOf } from "./entities.ts";
import { countRows, getEntity, listEntities, type Page } from "./entity-rows.ts";
import { readFloorImage, type FloorImage } from "./floor-images.ts";
import { journalOf, readJournal, type JournalEntry, type JournalQuery } from "./journal.ts";
import { META, readMeta, writeMeta } from "./meta.ts";
import { migrate, schemaVersionOf } from "./migrator.ts";
import { LATEST_SCHEMA_VERSION } from "./migrations/index.ts";
import { latestPlan, planSummaries, type PlanSummary } from "./plan-rows.ts";
import { placeNewFile, removeSqliteFile } from "./place-new-file.ts";
import { inspectSiteFile } from "./site-file-checks.ts";
import { siteFileErrors } from "./site-file-errors.ts";
import { storeErrors } from "./store-errors.ts";
import { searchUsers, type UserSearchQuery, type UserSearchResult } from "./user-search.ts";
import { lookupTag, type TagLookupRow } from "./tag-lookup.ts";
import { userHoldings, type UserHoldings } from "./user-holdings.ts";

/** What a store needs from outside: time, ids, and who is acting by default. */
export interface SiteStoreDeps {
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly actor: string;
  /** Path of a better-sqlite3 native build (Electron); Node's own by default. */
  readonly nativeBinding?: string | undefined;
}

/** The fields a new site starts with (the rest take the schema's defaults). */
export const NewSite = z.object({
  name: Name,
  address: z.string().max(300).optional(),
  timezone: z.string().min(1).max(64).optional(),
});
export type NewSite = z.input<typeof NewSite>;

/** Hardware and people in a site, for dashboards and the recent-sites list. */
export interface SiteCounts {
  readonly floors: number;
  readonly doors: number;
  readonly locks: number;
  readonly iqs: number;
  readonly repeaters: number;
  readonly users: number;
  readonly tags: number;
}

export interface FileSettings {
  readonly applicationId: number;
  readonly schemaVersion: number;
  readonly journalMode: string;
  readonly foreignKeys: boolean;
  readonly synchronous: string;
  readonly busyTimeoutMs: number;
}

const SYNCHRONOUS: Readonly<Record<number, string>> = { 0: "off", 1: "normal", 2: "full", 3: "extra" };

const ActorName = z.string().trim().min(1).max(200);

/**
 * One open site file. All writes go through `act`, one transaction per user action,
 * journaled; reads are plain queries on the same connection.
 */
export class SiteStore {
  private readonly sql: StatementCache;
  private acting = false;
  private closed = false;
  private cachedSiteId: string | undefined;

  private constructor(
    private readonly db: Db,
    /** The file this store has open (absolute). */
    readonly path: string,
    private readonly deps: SiteStoreDeps,
  ) {
    this.sql = new StatementCache(db);
  }

  /**
   * Creates a site file at `path`, refusing if anything is there. The file is built
   * under a scratch name next to it and only then given its name (see place-new-file.ts),
   * so `path` never holds a half-made site.
   */
  static create(path: string, site: NewSite, deps: SiteStoreDeps): SiteStore {
    const fields = NewSite.parse(site);
    const full = resolve(path);
    if (existsSync(full)) throw siteFileErrors.exists(full);
    const scratch = `${full}.creating-${deps.ids.next()}`;
    try {
      const db = openReadWrite(scratch, { mustExist: false, nativeBinding: deps.nativeBinding });
      const store = new SiteStore(db, scratch, deps);
      try {
        migrate(db);
        const siteId = deps.ids.next();
        const replicaId = deps.ids.next();
        store.act({ name: "site.create" }, (tx) => {
          db.pragma(`application_id = ${LINTEL_APPLICATION_ID}`);
          writeMeta(store.sql, META.siteId, siteId);
          writeMeta(store.sql, META.replicaId, replicaId);
          writeMeta(store.sql, META.createdWithSchema, String(LATEST_SCHEMA_VERSION));
          tx.insert("site", { id: siteId, ...fields });
        });
      } finally {
        store.close();
      }
      placeNewFile(scratch, full);
    } finally {
      removeSqliteFile(scratch);
    }
    return SiteStore.open(full, deps);
  }

  /**
   * Opens an existing site. The file is inspected on a read-only connection first
   * (inspectSiteFile): a missing, foreign, damaged or too-new file is refused without
   * being written. Then pending migrations are applied, each in its own transaction.
   */
  static open(path: string, deps: SiteStoreDeps): SiteStore {
    const full = resolve(path);
    inspectSiteFile(full, deps);
    const db = openReadWrite(full, { mustExist: true, nativeBinding: deps.nativeBinding });
    try {
      migrate(db);
      // Fresh planner statistics for long-lived connections, bounded in cost by SQLite
      // (https://sqlite.org/pragma.html#pragma_optimize): a user search picks an
      // ordered index scan or range scans depending on how many names match.
      db.pragma("optimize = 0x10002");
      const store = new SiteStore(db, full, deps);
      if (readMeta(store.sql, META.siteId) === undefined) throw siteFileErrors.corrupt(full, "no site id in meta");
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The site's id, the same in every copy and backup of the file. */
  get siteId(): string {
    this.cachedSiteId ??= readMeta(this.sql, META.siteId);
    if (this.cachedSiteId === undefined) throw siteFileErrors.corrupt(this.path, "no site id in meta");
    return this.cachedSiteId;
  }

  /** This copy's replica id (for merging with another laptop's copy later). */
  get replicaId(): string {
    return readMeta(this.sql, META.replicaId) ?? "";
  }

  get schemaVersion(): number {
    return schemaVersionOf(this.db);
  }

  /** The connection's settings, for diagnostics ("about this file") and tests. */
  fileSettings(): FileSettings {
    this.assertOpen();
    const pragma = (name: string) => this.db.pragma(name, { simple: true });
    return {
      applicationId: pragma("application_id") as number,
      schemaVersion: pragma("user_version") as number,
      journalMode: pragma("journal_mode") as string,
      foreignKeys: pragma("foreign_keys") === 1,
      synchronous: SYNCHRONOUS[pragma("synchronous") as number] ?? "unknown",
      busyTimeoutMs: pragma("busy_timeout") as number,
    };
  }

  /** The Lamport clock: the clock of the latest action in this file. */
  logicalClock(): number {
    this.assertOpen();
    return Number(readMeta(this.sql, META.clock) ?? "0");
  }

  site(): Site {
    this.assertOpen();
    const site = getEntity(this.sql, "site", this.siteId);
    if (!site) throw siteFileErrors.corrupt(this.path, "the site row is missing");
    return site;
  }

  /**
   * Runs one user action: `fn` inside an IMMEDIATE transaction (the write lock is
   * taken up front, so a second writer waits instead of failing half-way), every
   * write journaled with the action's id, name, actor, time and one Lamport tick.
   * If `fn` throws, nothing of the action remains. `fn` must be synchronous.
   */
  act<T>(action: ActionInfo, fn: (tx: StoreTx) => T): T {
    this.assertOpen();
    if (this.acting) throw storeErrors.actionMisuse("actions do not nest: use the outer action's handle");
    const name = ActionName.safeParse(action.name);
    if (!name.success) throw storeErrors.actionMisuse(`bad action name "${action.name}": ${name.error.issues[0]?.message}`);
    const actor = ActorName.safeParse(action.actor ?? this.deps.actor);
    if (!actor.success) throw storeErrors.actionMisuse(`action "${action.name}" needs an actor`);

    const { tx, end } = openActionTx({
      sql: this.sql,
      ids: this.deps.ids,
      actionId: this.deps.ids.next(),
      name: name.data,
      actor: actor.data,
      at: new Date(this.deps.clock.now()).toISOString(),
    });
    this.acting = true;
    try {
      return this.db
        .transaction(() => {
          const result = fn(tx);
          if (isPromiseLike(result)) {
            Promise.resolve(result).catch(() => undefined);
            throw storeErrors.actionMisuse(`action "${action.name}" returned a promise; an action runs synchronously`);
          }
          return result;
        })
        .immediate();
    } finally {
      end();
      this.acting = false;
    }
  }

  get<N extends EntityName>(entity: N, id: string): EntityOf<N> | undefined {
    this.assertOpen();
    return getEntity(this.sql, entity, id);
  }

  /** Entities of a kind in creation (id) order. */
  list<N extends EntityName>(entity: N, page?: Page): EntityOf<N>[] {
    this.assertOpen();
    return listEntities(this.sql, entity, page);
  }

  counts(): SiteCounts {
    this.assertOpen();
    const count = (e: EntityName) => countRows(this.sql, e);
    return {
      floors: count("floor"),
      doors: count("door"),
      locks: count("lock"),
      iqs: count("iq"),
      repeaters: count("repeater"),
      users: count("user"),
      tags: count("tag"),
    };
  }

  /** A floor-plan image's bytes by the id `Floor.plan.imageId` names. */
  floorImage(id: string): FloorImage | undefined {
    this.assertOpen();
    return readFloorImage(this.sql, id);
  }

  latestPlan(): StoredPlan | undefined {
    this.assertOpen();
    return latestPlan(this.sql);
  }

  /** Saved plans, newest first, without parsing their documents. */
  planHistory(): PlanSummary[] {
    this.assertOpen();
    return planSummaries(this.sql);
  }

  searchUsers(query: UserSearchQuery): UserSearchResult {
    this.assertOpen();
    return searchUsers(this.sql, query);
  }

  /** A tag by its number, with its holder: one indexed statement (tag-lookup.ts), for the reception desk. */
  lookupTag(number: string, alternate?: string): TagLookupRow | undefined {
    this.assertOpen();
    return lookupTag(this.sql, number, alternate);
  }

  /** A user's tags, access groups and lockers, through indexes (user-holdings.ts). */
  holdingsOf(userId: string): UserHoldings {
    this.assertOpen();
    return userHoldings(this.sql, userId);
  }

  /** Journal entries after a cursor, in order. */
  journal(query: JournalQuery): JournalEntry[] {
    this.assertOpen();
    return readJournal(this.sql, query);
  }

  /** One entity's journal entries, in order, the bulk insert that made it included (journal.ts). */
  journalOf(entity: EntityName, id: string): JournalEntry[] {
    this.assertOpen();
    return journalOf(this.sql, entity, id);
  }

  /**
   * Copies the site with SQLite's online backup (consistent even while the app keeps
   * working) to a scratch name, then gives it `destPath`, refusing to replace a file.
   */
  async backup(destPath: string): Promise<void> {
    this.assertOpen();
    if (resolve(destPath) === resolve(this.path)) throw siteFileErrors.exists(destPath);
    if (existsSync(destPath)) throw siteFileErrors.exists(destPath);
    const scratch = `${destPath}.partial-${this.deps.ids.next()}`;
    try {
      await this.db.backup(scratch);
      placeNewFile(scratch, destPath);
    } finally {
      removeSqliteFile(scratch);
    }
  }

  /** Closes the file; later calls fail with `store.closed`. Closing twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma("optimize");
    } finally {
      this.db.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw storeErrors.closed();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
