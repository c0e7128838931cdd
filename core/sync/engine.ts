import { canonicalJson } from "../store/canonical-json.ts";
import { AppError, KsError } from "../errors/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { EntityName, JournalEntry, SiteStore, StoreTx } from "../store/index.ts";
import { specOf } from "../store/entities.ts";
import { isSynced } from "../cloud/documents.ts";
import { adviceForError, cloudErrors, retryInfo } from "../cloud/errors.ts";
import type { Db } from "../store/database.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy, type Random01, type Sleep } from "./backoff.ts";
import { Compactor, keyPrefix, type SyncChange, type SyncEntity } from "./compact.ts";
import { COUPLED_FIELDS, mergeKey, threeWayMerge, type ThreeWay } from "./merge.ts";
import type { PushItem, PushResult, RemoteChange, SyncRemote } from "./remote.ts";
import type { BatchOutcome, ConflictRow, Inflight, NewConflict, Refusal, SetAsideRow, SyncState } from "./sync-state.ts";
import { treeDigest, treeOf, treesTouched } from "./trees.ts";

/** Actions the sync itself writes (cloud changes applied here): never pushed back. */
export const SYNC_ACTIONS = Object.freeze({ pull: "sync.pull", takeTheirs: "sync.take-theirs", merge: "sync.merge" });
/**
 * `sync.merge` (the cloud's fields merged into a local change still to be pushed) is not
 * one of them: it is pushed like a local edit, so that what goes up carries both sides.
 */
const OWN_ACTIONS: readonly string[] = [SYNC_ACTIONS.pull, SYNC_ACTIONS.takeTheirs];

export interface SyncLimits {
  /** Changes per request. */
  readonly maxChanges: number;
  /** Approximate JSON bytes of documents per request. */
  readonly maxBytes: number;
  /** Journal entries one batch may stand for (many may fold into few changes). */
  readonly maxEntries: number;
  /** Journal rows read at a time: memory stays flat whatever the site's size. */
  readonly pageSize: number;
}

/** The cloud takes up to 1000 changes and 16 MiB per batch; 500 keeps a 10,000-entity site to ~20 batches with room to spare. */
export const DEFAULT_LIMITS: SyncLimits = Object.freeze({ maxChanges: 500, maxBytes: 2_000_000, maxEntries: 5000, pageSize: 500 });

export type SyncPhase = "starting" | "pull" | "push" | "waiting" | "done" | "failed" | "cancelled";

/** What a progress bar shows; sent after every request. */
export interface SyncProgress {
  readonly phase: SyncPhase;
  /** Journal entries waiting when the run started (and any written during it). */
  readonly totalEntries: number;
  readonly doneEntries: number;
  readonly changesSent: number;
  readonly setAside: number;
  readonly conflicts: number;
  readonly pulled: number;
  readonly requests: number;
  readonly retries: number;
  readonly elapsedMs: number;
  /** Estimated time left; null until a batch has gone through. */
  readonly etaMs: number | null;
  /** While waiting before a retry: how long. */
  readonly waitMs: number | null;
}

export interface SyncErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly ksCode: number | null;
  readonly advice: string;
}

export interface SyncReport extends SyncProgress {
  readonly outcome: "done" | "failed" | "cancelled";
  readonly checkpointSeq: number;
  readonly error: SyncErrorInfo | null;
}

export interface DryRunItem {
  readonly entity: SyncEntity;
  readonly entityId: string;
  readonly op: SyncChange["op"];
  readonly label: string;
}

export interface DryRun {
  /** Journal entries not yet pushed. */
  readonly entries: number;
  /** Changes they fold into (what would be sent). */
  readonly changes: number;
  readonly requests: number;
  readonly byEntity: Readonly<Partial<Record<SyncEntity, { insert: number; update: number; delete: number }>>>;
  readonly first: readonly DryRunItem[];
  /** Changes held back by an open conflict. */
  readonly heldBack: number;
  readonly setAside: number;
  readonly openConflicts: number;
}

export interface SyncStatus {
  readonly running: boolean;
  readonly checkpointSeq: number;
  readonly pendingEntries: number;
  readonly inflight: boolean;
  readonly lastSyncedAt: string | null;
  readonly setAside: number;
  readonly openConflicts: number;
  readonly last: SyncReport | null;
}

export interface SyncEngineDeps {
  readonly store: SiteStore;
  readonly state: SyncState;
  /** The sync's own connection to the site file (the one `state` uses): IQ trees are read from the rows. */
  readonly db: Db;
  readonly remote: SyncRemote;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: Random01;
  readonly backoff?: BackoffPolicy;
  readonly limits?: Partial<SyncLimits>;
  readonly onProgress?: (p: SyncProgress) => void;
  /** Who the journal names for cloud changes applied here. */
  readonly cloudActor?: string;
}

interface Counters {
  startedAt: number;
  pushStartedAt: number | null;
  startCheckpoint: number;
  totalEntries: number;
  doneEntries: number;
  changesSent: number;
  setAside: number;
  /** Entities that came into conflict in this run: counted once each, however often seen. */
  conflicts: Set<string>;
  pulled: number;
  requests: number;
  retries: number;
}

/** A change the cloud answered with a conflict that the field-level merge could not settle. */
interface PushConflict {
  readonly change: SyncChange;
  readonly remoteDoc: unknown;
  readonly remoteVersion: number | null;
  /** The field-level outcome, when the documents could be compared field by field. */
  readonly merge: ThreeWay | null;
}

interface Planned {
  readonly toSeq: number;
  readonly entries: number;
  readonly heldBack: number;
  readonly changes: SyncChange[];
}

type Skip = (e: JournalEntry) => boolean;

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/**
 * Fields only the cloud decides (this copy never sends them): a change of these alone is
 * taken in, never a conflict. The site's subscription is attached and renewed in the cloud.
 */
const CLOUD_OWNED: Readonly<Partial<Record<EntityName, readonly string[]>>> = { site: ["subscription"] };

function withoutKeys(doc: unknown, keys: readonly string[]): unknown {
  const out: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const k of keys) delete out[k];
  return out;
}

function pick(doc: unknown, keys: readonly string[]): Record<string, unknown> {
  const src = doc as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => k in src).map((k) => [k, src[k]]));
}

/**
 * The sync engine: pushes this site's journal to the KS cloud and pulls what changed
 * there.
 *
 * Exactly once: every batch is planned from the checkpoint, written down whole
 * (`sync_state.inflight_*`) before it is sent, and re-sent unchanged, under the same
 * idempotency keys, until the cloud answers; the answer and the new checkpoint are then
 * stored in one transaction. A crash, a lost connection or a response lost after the
 * cloud committed therefore re-sends the same keys, which the cloud recognises.
 *
 * Never silently overwriting: every change carries the cloud version it was made on
 * (`if_version`); a cloud change to an entity that also changed here is merged field by
 * field against the document as it was before the local edits (merge.ts), and only
 * fields changed on both sides to different values make a conflict, held back for the
 * person; a change the cloud refuses is set aside with
 * its KS code and advice; neither stops the rest of the queue.
 *
 * Memory stays flat: the journal is read in pages, a batch is bounded by count and
 * bytes, and nothing holds the whole site.
 */
export class SyncEngine {
  private readonly limits: SyncLimits;
  private readonly backoff: BackoffPolicy;
  private running: AbortController | null = null;
  private last: SyncReport | null = null;
  private prefixCache: string | undefined;

  constructor(private readonly deps: SyncEngineDeps) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    if (this.limits.maxChanges < 1 || this.limits.maxChanges > 1000) throw new RangeError("sync: maxChanges must be 1..1000 (the cloud's batch limit)");
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** The prefix of this copy's idempotency keys. */
  get keyPrefix(): string {
    this.prefixCache ??= keyPrefix(this.deps.store.siteId, this.deps.store.replicaId);
    return this.prefixCache;
  }

  status(): SyncStatus {
    const st = this.deps.state.read();
    return {
      running: this.isRunning,
      checkpointSeq: st.checkpointSeq,
      pendingEntries: this.deps.state.journalAfter(st.checkpointSeq).count,
      inflight: st.inflight !== null,
      lastSyncedAt: st.lastSyncedAt,
      setAside: this.deps.state.setAsideList().length,
      openConflicts: this.deps.state.conflicts("open").length,
      last: this.last,
    };
  }

  /** Stops a running sync at the next safe point (what was sent stays sent; the rest resumes later). */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort(cloudErrors.cancelled());
    return true;
  }

  /**
   * One sync: finish a batch left on its way, pull the cloud's changes, push the journal
   * in batches, write the IQ trees whose devices changed, pull again (the echoes of what
   * we pushed, and anything that arrived meanwhile). Never throws for cloud failures:
   * the report says how it ended, and the next run resumes from the checkpoint.
   */
  async run(outer?: AbortSignal): Promise<SyncReport> {
    const ctl = this.begin(outer);
    const signal = ctl.signal;
    const st = this.deps.state.read();
    const c = this.counters(st.checkpointSeq);
    try {
      this.emit(c, "starting");
      if (st.inflight) await this.pushBatch(st.inflight, c, signal);
      await this.pullAll(c, signal);
      await this.pushAll(c, signal);
      await this.pushTrees(c, signal);
      await this.pullAll(c, signal);
      return this.finish(c, "done", null);
    } catch (e) {
      if (signal.aborted) return this.finish(c, "cancelled", null);
      return this.finish(c, "failed", e);
    } finally {
      this.running = null;
    }
  }

  /** What a sync would push now, without sending anything. */
  dryRun(sample = 20): DryRun {
    const st = this.deps.state.read();
    const byEntity: Partial<Record<SyncEntity, { insert: number; update: number; delete: number }>> = {};
    const first: DryRunItem[] = [];
    let changes = 0;
    let requests = 0;
    let heldBack = 0;
    const count = (list: readonly SyncChange[]) => {
      const sent = list.filter((x) => !x.local);
      if (sent.length > 0) requests += 1;
      for (const x of sent) {
        changes += 1;
        const agg = (byEntity[x.entity] ??= { insert: 0, update: 0, delete: 0 });
        agg[x.op] += 1;
        if (first.length < sample) first.push({ entity: x.entity, entityId: x.entityId, op: x.op, label: labelOf(x.entity, x.doc) ?? x.entityId });
      }
    };
    let from = st.checkpointSeq;
    if (st.inflight) {
      count(st.inflight.changes);
      from = st.inflight.toSeq;
    }
    const setAside = this.deps.state.setAsideByEntity();
    const skip = this.skipper();
    for (;;) {
      const p = this.plan(from, skip, setAside);
      if (!p) break;
      heldBack += p.heldBack;
      count(p.changes);
      from = p.toSeq;
    }
    return {
      entries: this.deps.state.journalAfter(st.checkpointSeq).count,
      changes,
      requests,
      byEntity,
      first,
      heldBack,
      setAside: setAside.size,
      openConflicts: this.deps.state.conflicts("open").length,
    };
  }

  conflicts(): ConflictRow[] {
    return this.deps.state.conflicts("open");
  }

  setAsideList(): SetAsideRow[] {
    return this.deps.state.setAsideList();
  }

  /**
   * Resolves a conflict. "mine" sends this copy's current state over the cloud's;
   * "theirs" writes the cloud's state here (journaled as `sync.take-theirs`, never
   * pushed back). Either way, older local changes of the entity still in the queue are
   * not pushed over the choice.
   */
  async resolve(conflictId: number, choice: "mine" | "theirs", outer?: AbortSignal): Promise<ConflictRow> {
    const ctl = this.begin(outer);
    try {
      const c = this.deps.state.conflictById(conflictId);
      if (!c || c.state !== "open") throw new AppError("sync.conflict_not_found", "That conflict is not open any more.", { conflictId });
      const through = this.deps.state.maxSeq();
      const at = this.nowIso();
      if (choice === "theirs") {
        try {
          this.deps.store.act({ name: SYNC_ACTIONS.takeTheirs, actor: this.actor() }, (tx) => applyRemote(tx, c.entity, c.entityId, c.remoteDoc));
        } catch (e) {
          throw new AppError("sync.cannot_take_theirs", `The cloud's version cannot be taken into this site: ${e instanceof Error ? e.message : String(e)}`, { conflictId });
        }
        this.deps.state.resolveConflict(conflictId, "took-theirs", this.deps.state.maxSeq(), at);
      } else {
        const local = this.deps.store.get(c.entity, c.entityId) ?? null;
        const op = local === null ? (c.remoteDoc === null ? null : "delete") : c.remoteDoc === null ? "insert" : "update";
        if (op !== null) {
          // No if_version: this write is meant to go over the cloud's version.
          const item: PushItem = { key: `${this.keyPrefix}conflict-${conflictId}-${through}`, entity: c.entity, entityId: c.entityId, op, doc: local };
          const result = await this.pushOne(item, ctl.signal);
          if (result.status === "rejected") throw result.error;
          if (result.status === "conflict") {
            this.deps.state.openConflict({ entity: c.entity, entityId: c.entityId, localDoc: local, remoteDoc: result.remoteDoc, remoteVersion: result.remoteVersion }, at);
            throw new AppError("sync.conflict_again", "The entity changed in the cloud once more. Look at the new version and choose again.", { conflictId });
          }
          this.deps.state.recordVersion(c.entityId, op === "delete" ? null : result.version);
        }
        this.deps.state.resolveConflict(conflictId, "kept-mine", through, at);
      }
      const done = this.deps.state.conflictById(conflictId);
      if (!done) throw new Error("sync: the resolved conflict vanished");
      return done;
    } finally {
      this.running = null;
    }
  }

  /** Sends a set-aside change again, as the entity is now here (after it was fixed, or the cloud's rule changed). */
  async retrySetAside(id: number, outer?: AbortSignal): Promise<{ readonly accepted: boolean; readonly row: SetAsideRow | null }> {
    const ctl = this.begin(outer);
    try {
      const row = this.deps.state.setAsideById(id);
      if (!row) throw new AppError("sync.set_aside_not_found", "That change is no longer set aside.", { id });
      const through = this.deps.state.maxSeq();
      const key = `${this.keyPrefix}retry-${id}-${row.attempts}-${through}`;
      let change: SyncChange;
      if (row.entity === "iqTree") {
        if (!this.deps.store.get("iq", row.entityId)) {
          this.deps.state.dropSetAside(id);
          return { accepted: true, row: null };
        }
        change = { key, entity: "iqTree", entityId: row.entityId, op: "update", doc: treeOf(this.deps.db, row.entityId), firstSeq: row.lastSeq, lastSeq: Math.max(row.lastSeq, through), clock: this.deps.store.logicalClock() };
      } else {
        const local = this.deps.store.get(row.entity, row.entityId) ?? null;
        const op = local === null ? (row.op === "insert" ? null : "delete") : row.op === "insert" ? "insert" : "update";
        if (op === null) {
          // Created here, refused there, deleted here since: nothing left to send.
          this.deps.state.dropSetAside(id);
          return { accepted: true, row: null };
        }
        const version = this.deps.state.versionsOf([row.entityId]).get(row.entityId);
        change = {
          key,
          entity: row.entity,
          entityId: row.entityId,
          op,
          doc: local,
          firstSeq: row.lastSeq,
          lastSeq: Math.max(row.lastSeq, through),
          clock: this.deps.store.logicalClock(),
          ...(op !== "insert" && version !== undefined ? { ifVersion: version } : {}),
        };
      }
      const result = await this.pushOne(toItem(change), ctl.signal);
      const at = this.nowIso();
      if (result.status === "rejected") {
        this.deps.state.setAside(change, refusalOf(result.error), at);
        return { accepted: false, row: this.deps.state.setAsideById(id) ?? null };
      }
      this.deps.state.clearSetAside(row.entity, row.entityId);
      if (result.status === "conflict") {
        if (row.entity !== "iqTree") {
          this.deps.state.openConflict({ entity: row.entity, entityId: row.entityId, localDoc: change.doc, remoteDoc: result.remoteDoc, remoteVersion: result.remoteVersion }, at);
        }
        return { accepted: false, row: null };
      }
      if (row.entity !== "iqTree") this.deps.state.recordVersion(row.entityId, change.op === "delete" ? null : result.version);
      return { accepted: true, row: null };
    } finally {
      this.running = null;
    }
  }

  /** Stops trying a set-aside change: this copy keeps it, the cloud does not get it. */
  discardSetAside(id: number): boolean {
    if (this.running) throw busy();
    return this.deps.state.dropSetAside(id);
  }

  // ---- internals ----

  private begin(outer: AbortSignal | undefined): AbortController {
    if (this.running) throw busy();
    const ctl = new AbortController();
    if (outer) {
      if (outer.aborted) ctl.abort(outer.reason);
      else outer.addEventListener("abort", () => ctl.abort(outer.reason), { once: true });
    }
    this.running = ctl;
    return ctl;
  }

  private actor(): string {
    return this.deps.cloudActor ?? "KS cloud";
  }

  private nowIso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Journal entries the push leaves out: the sync's own writes, local-only kinds, entities under a conflict. */
  private skipper(): Skip {
    const conflicts = this.deps.state.conflictsByEntity();
    return (e) => {
      if (OWN_ACTIONS.includes(e.action) || !isSynced(e.entity)) return true;
      const c = conflicts.get(e.entityId);
      return c !== undefined && (c.state === "open" || e.seq <= (c.skipThroughSeq ?? 0));
    };
  }

  /**
   * Plans the next batch after `fromSeq` (null when the journal is pushed). First finds
   * where the batch ends: at its count and byte limits, preferably at the end of an
   * action (the cloud then sees each action whole), and before an entity would need a
   * second change in it (its `if_version` could not be known). Then folds exactly that
   * range, so the batch is a function of the journal range alone.
   */
  private plan(fromSeq: number, skip: Skip, setAside: ReadonlyMap<string, SetAsideRow>): Planned | null {
    const L = this.limits;
    const probe = new Compactor(this.keyPrefix);
    // The entries read, kept for the second pass: bounded by the batch (maxEntries and one page).
    const read: JournalEntry[] = [];
    let after = fromSeq;
    let lastSeq = fromSeq;
    let consumed = 0;
    let boundarySeq = fromSeq;
    let boundaryCount = 0;
    let prevAction: string | undefined;
    let toSeq: number | undefined;
    scan: for (;;) {
      // Read about what the batch still has room for: a batch of 20 must not parse 500 entries.
      const room = Math.max(32, 2 * (L.maxChanges - probe.count));
      const page = this.deps.store.journal({ afterSeq: after, limit: Math.min(L.pageSize, room) });
      if (page.length === 0) break;
      for (const e of page) {
        read.push(e);
        if (prevAction !== undefined && e.actionId !== prevAction) {
          boundarySeq = lastSeq;
          boundaryCount = probe.count;
        }
        prevAction = e.actionId;
        if (!skip(e)) probe.add(e);
        consumed += 1;
        const over = probe.count > L.maxChanges || probe.bytes > L.maxBytes || consumed > L.maxEntries || probe.repeats > 0;
        if (over) {
          if (consumed === 1) toSeq = e.seq;
          else toSeq = boundarySeq > fromSeq && boundaryCount * 2 >= L.maxChanges ? boundarySeq : lastSeq;
          break scan;
        }
        lastSeq = e.seq;
      }
      after = page.at(-1)!.seq;
    }
    if (consumed === 0) return null;
    const end = toSeq ?? lastSeq;

    // The batch is exactly the range (fromSeq, end], folded afresh.
    const fold = new Compactor(this.keyPrefix);
    let entries = 0;
    let heldBack = 0;
    for (const e of read) {
      if (e.seq > end) break;
      entries += 1;
      if (skip(e)) {
        if (!OWN_ACTIONS.includes(e.action) && isSynced(e.entity)) heldBack += 1;
      } else fold.add(e);
    }
    const folded = fold.changes();
    const versions = this.deps.state.versionsOf(folded.filter((ch) => ch.op !== "insert").map((ch) => ch.entityId));
    const changes = folded.map((ch): SyncChange => {
      // An entity whose creation the cloud refused does not exist there yet: a later
      // update creates it, a later delete has nothing to delete.
      const sa = setAside.get(ch.entityId);
      if (sa?.op === "insert" && ch.op === "delete") return { ...ch, local: true };
      const op = sa?.op === "insert" && ch.op === "update" ? "insert" : ch.op;
      const v = op === "insert" ? undefined : versions.get(ch.entityId);
      return { ...ch, op, ...(v === undefined ? {} : { ifVersion: v }) };
    });
    return { toSeq: end, entries, heldBack, changes };
  }

  private async pushAll(c: Counters, signal: AbortSignal): Promise<void> {
    for (;;) {
      const st = this.deps.state.read();
      if (st.inflight) {
        await this.pushBatch(st.inflight, c, signal);
        continue;
      }
      const planned = this.plan(st.checkpointSeq, this.skipper(), this.deps.state.setAsideByEntity());
      if (!planned) return;
      if (planned.changes.length === 0) {
        this.deps.state.skipTo(planned.toSeq);
        this.advance(c, planned.toSeq);
        continue;
      }
      const batch: Inflight = { fromSeq: st.checkpointSeq, toSeq: planned.toSeq, changes: planned.changes };
      this.deps.state.beginBatch(batch);
      await this.pushBatch(batch, c, signal);
    }
  }

  /** Sends one recorded batch until it is answered, then stores the answer with the checkpoint. */
  private async pushBatch(batch: Inflight, c: Counters, signal: AbortSignal): Promise<void> {
    c.pushStartedAt ??= this.deps.clock.now();
    this.emit(c, "push");
    const settled = await this.send(batch.changes.filter((x) => !x.local), c, signal);
    const accepted = [...batch.changes.filter((x) => x.local).map((change) => ({ change, version: null })), ...settled.accepted];
    // The cloud's fields go into this copy before the checkpoint moves: a crash in between
    // re-sends the batch, meets the merged document in the cloud, and merges to the same.
    for (const { change, from } of settled.merged) this.takeInMerged(change, from, batch.toSeq);
    const conflicts: NewConflict[] = settled.conflicts.flatMap((x) => (x.change.entity === "iqTree" ? [] : [this.pushConflict(x)]));
    const outcome: BatchOutcome = { toSeq: batch.toSeq, accepted, rejected: settled.rejected, conflicts, at: this.nowIso() };
    this.deps.state.finishBatch(outcome);
    this.deps.state.purgeResolved(batch.toSeq);
    c.changesSent += batch.changes.length;
    c.setAside += settled.rejected.length;
    for (const x of conflicts) c.conflicts.add(x.entityId);
    this.advance(c, batch.toSeq);
  }

  /**
   * Sends changes until each has an answer: whole-request failures are retried by
   * `withRetry`; changes refused for a passing reason (a 5xx of their own) are sent
   * again, under the same keys, after a backoff. The cloud remembers what took effect
   * under each key, so nothing is applied twice. A conflict (409 on `if_version`) whose
   * fields do not clash with ours is merged and sent again on the cloud's version,
   * under a key derived from the original one (see merge.ts).
   */
  private async send(
    changes: readonly SyncChange[],
    c: Counters,
    signal: AbortSignal,
  ): Promise<{
    accepted: { change: SyncChange; version: number | null }[];
    rejected: { change: SyncChange; refusal: Refusal }[];
    conflicts: PushConflict[];
    /** Merged changes the cloud took: `change` as sent, `from` the original one. */
    merged: { change: SyncChange; from: SyncChange }[];
  }> {
    const accepted: { change: SyncChange; version: number | null }[] = [];
    const rejected: { change: SyncChange; refusal: Refusal }[] = [];
    const conflicts: PushConflict[] = [];
    /** Merged re-sends → the change they stand for. */
    const origin = new Map<SyncChange, SyncChange>();
    let pending = [...changes];
    for (let attempt = 1; pending.length > 0; attempt++) {
      const sent = pending;
      const results = await this.withRetry(c, signal, () => this.deps.remote.push(sent.map(toItem), signal));
      if (results.length !== sent.length) throw cloudErrors.badResponse({ cause: `${results.length} results for ${sent.length} changes` });
      const again: SyncChange[] = [];
      let transients = 0;
      let wait: number | undefined;
      results.forEach((r, i) => {
        const change = sent[i]!;
        if (r.status === "conflict") {
          const from = origin.get(change) ?? change;
          const merge = this.mergeOnPush(from, r.remoteDoc, r.remoteVersion);
          if (merge?.kind === "merged" && r.remoteVersion !== null && attempt < this.backoff.maxAttempts) {
            const retry: SyncChange = { ...from, key: mergeKey(from.key, r.remoteVersion), doc: merge.doc, ifVersion: r.remoteVersion };
            origin.set(retry, from);
            again.push(retry);
          } else conflicts.push({ change: from, remoteDoc: r.remoteDoc, remoteVersion: r.remoteVersion, merge });
        } else if (r.status !== "rejected") accepted.push({ change, version: r.version });
        else {
          const transient = retryInfo(r.error);
          if (transient && attempt < this.backoff.maxAttempts) {
            again.push(change);
            transients += 1;
            wait = Math.max(wait ?? 0, transient.retryAfterMs ?? 0);
          } else rejected.push({ change, refusal: refusalOf(r.error) });
        }
      });
      pending = again;
      // A merged change goes again at once; only a passing refusal waits.
      if (transients > 0) {
        c.retries += 1;
        await this.pause(c, backoffDelay(this.backoff, attempt, this.deps.random, wait), signal);
      }
    }
    const merged = accepted.flatMap(({ change }) => {
      const from = origin.get(change);
      return from ? [{ change, from }] : [];
    });
    return { accepted, rejected, conflicts, merged };
  }

  /**
   * The field-level merge of a change the cloud answered with a conflict. The base is
   * the document before the first local edit the change stands for. Null (a whole
   * conflict) for creations, deletions, IQ trees, an unknown cloud version, a change
   * whose entity has a refused change set aside (its base is not what the cloud holds),
   * and a merged document this copy could not hold.
   */
  private mergeOnPush(change: SyncChange, remoteDoc: unknown, remoteVersion: number | null): ThreeWay | null {
    if (change.entity === "iqTree" || change.op !== "update" || remoteVersion === null || remoteDoc === null) return null;
    if (this.deps.state.setAsideByEntity().has(change.entityId)) return null;
    const base = this.deps.state.firstLocalChange(change.entity, change.entityId, change.firstSeq - 1, OWN_ACTIONS);
    if (!base || base.seq !== change.firstSeq) return null;
    const merge = threeWayMerge(base.before, change.doc, remoteDoc, COUPLED_FIELDS[change.entity]);
    if (!merge || !specOf(change.entity).schema.safeParse(merge.doc).success) return null;
    return merge;
  }

  /**
   * A merged change the cloud took: its document (the cloud's fields with ours) comes
   * here, over whatever was edited here since the batch (edits since win their fields).
   * Journaled as `sync.merge` when later local edits of the entity wait to be pushed
   * (their documents lack the cloud's fields, the merge's document has them), else as a
   * pull: nothing left to push.
   */
  private takeInMerged(sent: SyncChange, from: SyncChange, toSeq: number): void {
    if (sent.entity === "iqTree") return;
    const later = this.deps.state.changedLocallyAfter(sent.entity, sent.entityId, toSeq, OWN_ACTIONS);
    this.rebaseHere(sent.entity, sent.entityId, from.doc, sent.doc, later ? SYNC_ACTIONS.merge : SYNC_ACTIONS.pull);
  }

  /**
   * A conflict found on push. When the documents compare field by field, the cloud's
   * changes to other fields are taken in here (as a pull: the entity is held back while
   * the conflict is open) and the conflict keeps this copy's document with them, so the
   * two versions differ only where both sides changed; "mine" then does not undo the
   * cloud's other changes.
   */
  private pushConflict(x: PushConflict): NewConflict {
    const entity = x.change.entity as EntityName;
    let localDoc = x.change.doc;
    if (x.merge?.kind === "conflict") {
      this.rebaseHere(entity, x.change.entityId, x.change.doc, x.merge.doc, SYNC_ACTIONS.pull);
      localDoc = this.deps.store.get(entity, x.change.entityId) ?? x.change.doc;
    }
    return { entity, entityId: x.change.entityId, localDoc, remoteDoc: x.remoteDoc, remoteVersion: x.remoteVersion };
  }

  /**
   * Writes here the fields that `target` changed relative to `was`, keeping the fields
   * this copy changed since `was` (a three-way merge with `was` as its base). Nothing
   * is written when nothing would change or the result is not a valid document.
   */
  private rebaseHere(entity: EntityName, entityId: string, was: unknown, target: unknown, action: string): void {
    const current = this.deps.store.get(entity, entityId);
    if (current === undefined) return;
    const m = threeWayMerge(was, current, target, COUPLED_FIELDS[entity]);
    if (!m || same(m.doc, current)) return;
    try {
      this.deps.store.act({ name: action, actor: this.actor() }, (tx) => applyRemote(tx, entity, entityId, m.doc));
    } catch {
      // This copy cannot hold it: the conflict (or the next pull) shows the cloud's version to the person.
    }
  }

  /**
   * Writes the trees of the IQs whose locks or repeaters changed since the trees were
   * last written, once the devices are in the cloud. A tree refused because a device
   * still hangs in another IQ's tree is tried again after the others (moving devices
   * between IQs frees them in one tree before they join the next).
   */
  private async pushTrees(c: Counters, signal: AbortSignal): Promise<void> {
    const st = this.deps.state.read();
    if (st.treesSeq >= st.checkpointSeq) return;
    const iqs = treesTouched(this.deps.db, st.treesSeq, st.checkpointSeq, OWN_ACTIONS);
    const clock = this.deps.store.logicalClock();
    let pending: SyncChange[] = iqs.map((iqId) => {
      const doc = treeOf(this.deps.db, iqId);
      return { key: `${this.keyPrefix}tree-${iqId}-${st.checkpointSeq}-${treeDigest(doc)}`, entity: "iqTree", entityId: iqId, op: "update", doc, firstSeq: st.treesSeq + 1, lastSeq: st.checkpointSeq, clock };
    });
    const accepted: SyncChange[] = [];
    let rejected: { change: SyncChange; refusal: Refusal }[] = [];
    for (let round = 0; pending.length > 0 && round < 3; round++) {
      const before = accepted.length;
      rejected = [];
      for (let i = 0; i < pending.length; i += this.limits.maxChanges) {
        const out = await this.send(pending.slice(i, i + this.limits.maxChanges), c, signal);
        accepted.push(...out.accepted.map((a) => a.change));
        rejected.push(...out.rejected);
      }
      pending = rejected.filter((r) => attachedElsewhere(r.refusal)).map((r) => r.change);
      if (accepted.length === before) break;
    }
    this.deps.state.finishTrees(st.checkpointSeq, rejected, accepted, this.nowIso());
    c.changesSent += accepted.length;
    c.setAside += rejected.length;
    this.emit(c, "push");
  }

  private advance(c: Counters, checkpoint: number): void {
    c.doneEntries = checkpoint - c.startCheckpoint;
    c.totalEntries = Math.max(c.totalEntries, c.doneEntries + this.deps.state.journalAfter(checkpoint).count);
    this.emit(c, "push");
  }

  private async pullAll(c: Counters, signal: AbortSignal): Promise<void> {
    this.emit(c, "pull");
    let cursor = this.deps.state.read().cursor;
    for (;;) {
      const page = await this.withRetry(c, signal, () => this.deps.remote.pull(cursor, signal, this.keyPrefix));
      const foreign = page.changes.filter((x) => !this.isMine(x));
      const openBefore = new Set(this.deps.state.conflicts("open").map((x) => x.entityId));
      const conflicts = this.applyPulled(foreign);
      // Versions, conflicts and the cursor move together, after the page is applied:
      // a crash in between re-reads the page, and re-applying it changes nothing.
      this.deps.state.finishPull(
        page.cursor,
        page.changes.map((x) => ({ entityId: x.entityId, version: x.op === "delete" ? null : x.version })),
        conflicts,
        this.nowIso(),
      );
      c.pulled += foreign.length;
      for (const x of conflicts) if (!openBefore.has(x.entityId)) c.conflicts.add(x.entityId);
      cursor = page.cursor;
      this.emit(c, "pull");
      if (!page.more) return;
    }
  }

  private isMine(r: RemoteChange): boolean {
    return r.key !== null && r.key.startsWith(this.keyPrefix);
  }

  /**
   * Applies the cloud's changes that do not clash with local ones; returns the clashes
   * as conflicts, one per entity (the last of the page). An entity changed on both sides
   * is merged field by field (merge.ts) against the document as it was before the local
   * edits: with no field changed on both sides to different values, the merge is written
   * here as `sync.merge`, which the push then sends on the cloud's version.
   */
  private applyPulled(foreign: readonly RemoteChange[]): NewConflict[] {
    const relevant = foreign.filter((r) => isSynced(r.entity));
    if (relevant.length === 0) return [];
    const st = this.deps.state.read();
    const inflight = new Set(st.inflight?.changes.map((x) => x.entityId) ?? []);
    const setAside = this.deps.state.setAsideByEntity();
    const known = this.deps.state.conflictsByEntity();
    const clashes = new Map<string, NewConflict>();
    const merges = new Map<string, { readonly entity: EntityName; readonly doc: unknown }>();
    /** Conflicts whose other fields the cloud changed: those are taken in here. */
    const rebases = new Map<string, { readonly entity: EntityName; readonly doc: unknown }>();
    const apply: RemoteChange[] = [];
    const seen = this.deps.state.versionsOf([...new Set(relevant.map((r) => r.entityId))]);
    const settle = (id: string, clash?: NewConflict, merge?: { entity: EntityName; doc: unknown }, rebase?: { entity: EntityName; doc: unknown }) => {
      clashes.delete(id);
      merges.delete(id);
      rebases.delete(id);
      if (clash) clashes.set(id, clash);
      if (merge) merges.set(id, merge);
      if (rebase) rebases.set(id, rebase);
    };
    for (const r of relevant) {
      // Superseded: this copy already knows a later version (its merged change went up on top of it).
      const had = seen.get(r.entityId);
      if (r.version !== null && had !== undefined && r.version <= had) continue;
      const local = this.deps.store.get(r.entity, r.entityId) ?? null;
      let remoteDoc = r.op === "delete" ? null : r.doc;
      if (same(local, remoteDoc)) {
        settle(r.entityId);
        continue;
      }
      const owned = CLOUD_OWNED[r.entity];
      if (owned && local !== null && remoteDoc !== null && same(withoutKeys(local, owned), withoutKeys(remoteDoc, owned))) {
        // Only what the cloud alone decides changed (the site's subscription): take it, whatever is pending here.
        remoteDoc = { ...(local as object), ...pick(remoteDoc, owned) };
        settle(r.entityId);
        apply.push({ ...r, doc: remoteDoc });
        continue;
      }
      const prior = known.get(r.entityId);
      // Already open with this very version of theirs (a conflict found on push, then seen in the feed).
      if (prior?.state === "open" && same(prior.remoteDoc, remoteDoc)) continue;
      const since = Math.max(st.checkpointSeq, prior?.skipThroughSeq ?? 0);
      const held = inflight.has(r.entityId) || setAside.has(r.entityId) || prior?.state === "open";
      const first = held ? undefined : this.deps.state.firstLocalChange(r.entity, r.entityId, since, OWN_ACTIONS);
      if (!held && first === undefined) {
        apply.push(r);
        continue;
      }
      const clash: NewConflict = { entity: r.entity, entityId: r.entityId, localDoc: local, remoteDoc, remoteVersion: r.version };
      const m = first === undefined ? null : threeWayMerge(first.before, local, remoteDoc, COUPLED_FIELDS[r.entity]);
      if (m?.kind === "merged") settle(r.entityId, undefined, same(m.doc, local) ? undefined : { entity: r.entity, doc: m.doc });
      else if (m?.kind === "conflict") settle(r.entityId, { ...clash, localDoc: m.doc }, undefined, same(m.doc, local) ? undefined : { entity: r.entity, doc: m.doc });
      else settle(r.entityId, clash);
    }
    if (apply.length > 0 || rebases.size > 0) {
      this.deps.store.act({ name: SYNC_ACTIONS.pull, actor: this.actor() }, (tx) => {
        for (const r of apply) {
          try {
            applyRemote(tx, r.entity, r.entityId, r.op === "delete" ? null : r.doc);
          } catch {
            // This copy cannot hold the cloud's version (a reference it lacks, a rule): let the person decide.
            clashes.set(r.entityId, { entity: r.entity, entityId: r.entityId, localDoc: tx.get(r.entity, r.entityId) ?? null, remoteDoc: r.doc, remoteVersion: r.version });
          }
        }
        for (const [id, x] of rebases) {
          try {
            applyRemote(tx, x.entity, id, x.doc);
          } catch {
            // Not holdable here: the conflict shows this copy's document as it is.
            const c = clashes.get(id);
            if (c) clashes.set(id, { ...c, localDoc: tx.get(x.entity, id) ?? null });
          }
        }
      });
    }
    if (merges.size > 0) {
      // Journaled as a local edit: the push sends it (both sides' fields) on the cloud's version.
      this.deps.store.act({ name: SYNC_ACTIONS.merge, actor: this.actor() }, (tx) => {
        for (const [id, x] of merges) {
          try {
            applyRemote(tx, x.entity, id, x.doc);
          } catch {
            const r = relevant.findLast((y) => y.entityId === id);
            clashes.set(id, { entity: x.entity, entityId: id, localDoc: tx.get(x.entity, id) ?? null, remoteDoc: r?.op === "delete" ? null : (r?.doc ?? null), remoteVersion: r?.version ?? null });
          }
        }
      });
    }
    return [...clashes.values()];
  }

  private async pushOne(item: PushItem, signal: AbortSignal): Promise<PushResult> {
    const c = this.counters(0);
    for (let attempt = 1; ; attempt++) {
      const [result] = await this.withRetry(c, signal, () => this.deps.remote.push([item], signal));
      if (!result) throw cloudErrors.badResponse({ cause: "no result for the change" });
      const transient = result.status === "rejected" ? retryInfo(result.error) : null;
      if (!transient || attempt >= this.backoff.maxAttempts) return result;
      await this.pause(c, backoffDelay(this.backoff, attempt, this.deps.random, transient.retryAfterMs), signal);
    }
  }

  /** Runs one request, retrying transient failures with backoff; the same keys go out every time. */
  private async withRetry<T>(c: Counters, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw cloudErrors.cancelled();
      c.requests += 1;
      try {
        return await fn();
      } catch (e) {
        if (signal.aborted) throw cloudErrors.cancelled();
        const transient = retryInfo(e);
        if (!transient || attempt >= this.backoff.maxAttempts) throw e;
        c.retries += 1;
        await this.pause(c, backoffDelay(this.backoff, attempt, this.deps.random, transient.retryAfterMs), signal);
      }
    }
  }

  private async pause(c: Counters, ms: number, signal: AbortSignal): Promise<void> {
    this.emit(c, "waiting", ms);
    try {
      await this.deps.sleep(ms, signal);
    } catch {
      throw cloudErrors.cancelled();
    }
  }

  private counters(checkpoint: number): Counters {
    return {
      startedAt: this.deps.clock.now(),
      pushStartedAt: null,
      startCheckpoint: checkpoint,
      totalEntries: this.deps.state.journalAfter(checkpoint).count,
      doneEntries: 0,
      changesSent: 0,
      setAside: 0,
      conflicts: new Set(),
      pulled: 0,
      requests: 0,
      retries: 0,
    };
  }

  private progress(c: Counters, phase: SyncPhase, waitMs: number | null = null): SyncProgress {
    const now = this.deps.clock.now();
    // A wall clock may step back: no negative times.
    const pushing = c.pushStartedAt === null ? 0 : Math.max(0, now - c.pushStartedAt);
    const left = Math.max(0, c.totalEntries - c.doneEntries);
    const etaMs = left === 0 ? 0 : c.doneEntries > 0 && pushing > 0 ? Math.round((pushing / c.doneEntries) * left) : null;
    return {
      phase,
      totalEntries: c.totalEntries,
      doneEntries: c.doneEntries,
      changesSent: c.changesSent,
      setAside: c.setAside,
      conflicts: c.conflicts.size,
      pulled: c.pulled,
      requests: c.requests,
      retries: c.retries,
      elapsedMs: Math.max(0, now - c.startedAt),
      etaMs,
      waitMs,
    };
  }

  private emit(c: Counters, phase: SyncPhase, waitMs: number | null = null): void {
    this.tell(this.progress(c, phase, waitMs));
  }

  /** A listener that fails must not fail the sync: progress is for people, the checkpoint is what counts. */
  private tell(p: SyncProgress): void {
    try {
      this.deps.onProgress?.(p);
    } catch {
      // ignored on purpose
    }
  }

  private finish(c: Counters, outcome: SyncReport["outcome"], error: unknown): SyncReport {
    const p = this.progress(c, outcome);
    const report: SyncReport = {
      ...p,
      etaMs: outcome === "done" ? 0 : p.etaMs,
      outcome,
      checkpointSeq: this.deps.state.read().checkpointSeq,
      error: error === null ? null : errorInfo(error),
    };
    this.last = report;
    this.tell(report);
    return report;
  }
}

/** A tree refused only because one of its devices still hangs in another IQ's tree. */
function attachedElsewhere(r: Refusal): boolean {
  return r.ksCode === 2204 && r.message.length > 0 && r.details !== undefined && JSON.stringify(r.details).includes("attached-elsewhere");
}

function busy(): AppError {
  return new AppError("sync.busy", "A sync is already running for this site. Wait for it or cancel it.");
}

function toItem(c: SyncChange): PushItem {
  return { key: c.key, entity: c.entity, entityId: c.entityId, op: c.op, doc: c.op === "delete" ? null : c.doc, ...(c.ifVersion === undefined ? {} : { ifVersion: c.ifVersion }) };
}

export function refusalOf(e: AppError): Refusal {
  const d = (typeof e.details === "object" && e.details !== null ? e.details : {}) as { status?: unknown };
  return {
    code: e.code,
    ksCode: e instanceof KsError ? e.ksCode : null,
    status: e instanceof KsError ? e.status : typeof d.status === "number" ? d.status : null,
    message: e.message,
    advice: adviceForError(e),
    details: d,
  };
}

export function errorInfo(e: unknown): SyncErrorInfo {
  if (e instanceof AppError) return { code: e.code, message: e.message, ksCode: e instanceof KsError ? e.ksCode : null, advice: adviceForError(e) };
  return { code: "internal", message: e instanceof Error ? e.message : String(e), ksCode: null, advice: adviceForError(e) };
}

/** Writes the cloud's state of one entity here: created, replaced, or deleted. */
function applyRemote(tx: StoreTx, entity: EntityName, entityId: string, doc: unknown): void {
  const current = tx.get(entity, entityId);
  if (doc === null || doc === undefined) {
    if (current) tx.remove(entity, entityId);
    return;
  }
  const next = { ...(doc as Record<string, unknown>), id: entityId };
  if (current) tx.update(entity, entityId, next as never);
  else tx.insert(entity, next as never);
}

/** A short human label for a document in the dry run's list. */
export function labelOf(entity: SyncEntity, doc: unknown): string | undefined {
  if (doc === null || typeof doc !== "object") return undefined;
  const d = doc as Record<string, unknown>;
  if ((entity === "user" || entity === "podGuest") && typeof d["firstName"] === "string") {
    const name = `${d["firstName"]} ${String(d["lastName"] ?? "")}`.trim();
    return entity === "podGuest" ? `Pod guest ${name}` : name;
  }
  if (entity === "tag" && typeof d["number"] === "string") return `Tag ${d["number"]}`;
  if (typeof d["name"] === "string") return d["name"];
  return undefined;
}
