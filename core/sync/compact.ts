import type { EntityName, JournalEntry, JournalOp } from "../store/index.ts";

/**
 * One change as the sync engine pushes it: an entity's whole latest document (or its
 * deletion) standing for one or more journal entries `firstSeq..lastSeq`. The
 * idempotency key names exactly that range of this site's journal, so the same change
 * always travels under the same key and a different one never does.
 */
export interface SyncChange {
  readonly key: string;
  readonly entity: SyncEntity;
  readonly entityId: string;
  readonly op: JournalOp;
  /** The document after the change; null for a delete. */
  readonly doc: unknown;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** The site's Lamport clock at the last entry. */
  readonly clock: number;
  /**
   * Settled without a request: the delete of an entity whose creation the cloud refused
   * (it never reached the cloud, so there is nothing there to delete).
   */
  readonly local?: true;
  /** The cloud's version this change was made on (absent: unknown, or a creation). */
  readonly ifVersion?: number;
}

/** What the sync pushes: an entity of the site, or an IQ's tree document (built from the locks' and repeaters' parents). */
export type SyncEntity = EntityName | "iqTree";

/**
 * The prefix of every idempotency key this copy of a site sends: the site and the
 * copy's replica id (two laptops' journals number their entries independently), so
 * the cloud's feed tells this copy's own changes from everyone else's.
 */
export function keyPrefix(siteId: string, replicaId: string): string {
  return `lintel:${siteId}:${replicaId}:`;
}

/** The idempotency key of the change standing for journal entries `firstSeq..lastSeq`. */
export function idempotencyKey(prefix: string, firstSeq: number, lastSeq: number): string {
  return `${prefix}${firstSeq}-${lastSeq}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id a document mentions (ids are UUIDs, unique across entity kinds). */
export function referencedIds(doc: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof doc === "string") {
    if (UUID.test(doc)) out.add(doc.toLowerCase());
  } else if (Array.isArray(doc)) {
    for (const v of doc) referencedIds(v, out);
  } else if (doc !== null && typeof doc === "object") {
    for (const v of Object.values(doc)) referencedIds(v, out);
  }
  return out;
}

interface Slot {
  readonly entity: EntityName;
  readonly entityId: string;
  readonly firstOp: JournalOp;
  readonly op: JournalOp;
  readonly doc: unknown;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly clock: number;
  readonly bytes: number;
}

/** The net effect of an entity's earlier change followed by a later one; null when they cancel out. */
function combine(first: JournalOp, next: JournalOp): JournalOp | null {
  if (first === "insert") return next === "delete" ? null : "insert";
  if (first === "delete") return next === "delete" ? "delete" : "update";
  return next === "delete" ? "delete" : "update";
}

/**
 * Folds a run of journal entries into per-entity latest state, where that is safe.
 *
 * An entity's earlier change is folded into its later one (which then stands at the
 * later place: insert+update → insert of the latest document, update+update → update,
 * update+delete → delete, insert+delete → nothing at all) only if no change in between
 * is related to it: none touches an entity its documents mention, and none mentions it.
 * Otherwise moving the earlier effect later could reorder it past something that needs
 * it (a lock created for a door, a floor deleted after a door left it), so the earlier
 * change stays where it was and a new one starts. Relations are read generically: any
 * UUID inside a document is a reference.
 *
 * The state is bounded by the batch: the caller stops adding at its count and byte limits.
 */
export class Compactor {
  private readonly slots = new Map<number, Slot>();
  /** Entities whose latest slot may still absorb a later change: entity id → slot key. */
  private readonly mergeable = new Map<string, number>();
  /** Entity id → ids of mergeable entities whose documents mention it. */
  private readonly mentionedBy = new Map<string, Set<string>>();
  /** Entity id → how many slots it has (more than one when an earlier change was pinned). */
  private readonly perEntity = new Map<string, number>();
  private repeated = 0;
  private total = 0;
  private entries = 0;

  constructor(private readonly prefix: string) {}

  /** Changes out, in push order. */
  get count(): number {
    return this.slots.size;
  }

  /** Approximate request size: the JSON bytes of the documents out. */
  get bytes(): number {
    return this.total;
  }

  /** Entities with more than one change out (the batch planner keeps it at zero, see engine.ts). */
  get repeats(): number {
    return this.repeated;
  }

  /** Journal entries taken in (including those that folded away). */
  get consumed(): number {
    return this.entries;
  }

  add(e: JournalEntry): void {
    this.entries += 1;
    const id = e.entityId.toLowerCase();
    const related = referencedIds(e.before);
    referencedIds(e.after, related);
    related.delete(id);
    // Pin every pending entity this change relates to, in either direction.
    for (const r of related) this.mergeable.delete(r);
    for (const other of this.mentionedBy.get(id) ?? []) if (other !== id) this.mergeable.delete(other);
    this.mentionedBy.delete(id);

    const slotKey = this.mergeable.get(id);
    const earlier = slotKey === undefined ? undefined : this.slots.get(slotKey);
    let firstOp: JournalOp = e.op;
    let op: JournalOp | null = e.op;
    let firstSeq = e.seq;
    if (earlier && slotKey !== undefined) {
      this.slots.delete(slotKey);
      this.uncount(id);
      this.total -= earlier.bytes;
      firstOp = earlier.firstOp;
      firstSeq = earlier.firstSeq;
      op = combine(earlier.firstOp, e.op);
    }
    if (op === null) {
      this.mergeable.delete(id);
      return;
    }
    const doc = e.op === "delete" ? null : e.after;
    const bytes = doc === null ? 64 : Buffer.byteLength(JSON.stringify(doc), "utf8") + 64;
    this.slots.set(e.seq, { entity: e.entity, entityId: e.entityId, firstOp, op, doc, firstSeq, lastSeq: e.seq, clock: e.clock, bytes });
    this.total += bytes;
    const n = (this.perEntity.get(id) ?? 0) + 1;
    this.perEntity.set(id, n);
    if (n === 2) this.repeated += 1;
    this.mergeable.set(id, e.seq);
    for (const r of related) {
      let set = this.mentionedBy.get(r);
      if (!set) this.mentionedBy.set(r, (set = new Set()));
      set.add(id);
    }
  }

  private uncount(id: string): void {
    const n = this.perEntity.get(id) ?? 0;
    if (n === 2) this.repeated -= 1;
    if (n <= 1) this.perEntity.delete(id);
    else this.perEntity.set(id, n - 1);
  }

  changes(): SyncChange[] {
    return [...this.slots.values()].map((s) => ({
      key: idempotencyKey(this.prefix, s.firstSeq, s.lastSeq),
      entity: s.entity,
      entityId: s.entityId,
      op: s.op,
      doc: s.doc,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      clock: s.clock,
    }));
  }
}
