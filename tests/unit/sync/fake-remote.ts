import { canonicalJson } from "../../../core/store/canonical-json.ts";
import { cloudErrors } from "../../../core/cloud/errors.ts";
import type { AppError } from "../../../core/errors/index.ts";
import type { EntityName } from "../../../core/store/index.ts";
import type { PullPage, PushItem, PushResult, RemoteChange, SyncRemote } from "../../../core/sync/remote.ts";

interface Held {
  readonly entity: string;
  doc: unknown;
  version: number;
}

/**
 * A small in-memory cloud behind the sync engine's remote port: per-change idempotency
 * keys (a repeat with the same change replays its first result), `if_version`, a feed,
 * rule refusals and injectable failures. Enough to test the engine's logic exactly;
 * the real emulator is exercised by tests/integration/sync.
 */
export class FakeRemote implements SyncRemote {
  readonly held = new Map<string, Held>();
  readonly keys = new Map<string, { fingerprint: string; result: PushResult }>();
  readonly feed: { change: RemoteChange; seq: number }[] = [];
  /** How many times each (entity id) was written: exactly-once means 1 per change. */
  readonly writes = new Map<string, number>();
  pushes = 0;
  pulls = 0;
  /** Called before a push is processed: throw to fail the whole request. */
  beforePush: ((items: readonly PushItem[], n: number) => void) | null = null;
  /** Called after a push committed: throw to lose the answer. */
  afterPush: ((items: readonly PushItem[], n: number) => void) | null = null;
  /** A rule: return an error to refuse one change. */
  refuse: (item: PushItem) => AppError | null = () => null;

  async push(items: readonly PushItem[]): Promise<readonly PushResult[]> {
    this.pushes += 1;
    this.beforePush?.(items, this.pushes);
    const results = items.map((item) => this.one(item));
    this.afterPush?.(items, this.pushes);
    return results;
  }

  async pull(cursor: string | null): Promise<PullPage> {
    this.pulls += 1;
    const from = cursor === null ? 0 : Number(cursor);
    const page = this.feed.filter((f) => f.seq > from).slice(0, 50);
    const last = page.at(-1)?.seq ?? from;
    return { changes: page.map((f) => f.change), cursor: String(last), more: this.feed.some((f) => f.seq > last) };
  }

  /** Someone else changes an entity in the cloud. */
  editInCloud(entity: EntityName, id: string, doc: unknown): void {
    const h = this.held.get(id);
    const version = (h?.version ?? 0) + 1;
    if (doc === null) this.held.delete(id);
    else this.held.set(id, { entity, doc, version });
    this.feed.push({ seq: this.feed.length + 1, change: { entity, entityId: id, op: doc === null ? "delete" : "upsert", doc, version, key: null } });
  }

  count(entity: string): number {
    return [...this.held.values()].filter((h) => h.entity === entity).length;
  }

  private one(item: PushItem): PushResult {
    const fingerprint = canonicalJson([item.entity, item.entityId, item.op, item.doc, item.ifVersion ?? null]);
    const seen = this.keys.get(item.key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) return { status: "rejected", error: cloudErrors.refused({ status: 400, body: "idempotency_key_reused" }) };
      return seen.result.status === "applied" ? { status: "duplicate", version: seen.result.version } : seen.result;
    }
    const current = this.held.get(item.entityId);
    if (item.ifVersion !== undefined && (current?.version ?? 0) !== item.ifVersion) {
      return { status: "conflict", remoteDoc: current?.doc ?? null, remoteVersion: current?.version ?? 0 };
    }
    const refusal = this.refuse(item);
    if (refusal) return { status: "rejected", error: refusal };
    this.writes.set(item.entityId, (this.writes.get(item.entityId) ?? 0) + 1);
    let result: PushResult;
    if (item.entity === "iqTree") result = { status: "applied", version: 1 };
    else if (item.op === "delete") {
      this.held.delete(item.entityId);
      result = { status: "applied", version: null };
    } else {
      const version = (current?.version ?? 0) + 1;
      this.held.set(item.entityId, { entity: item.entity, doc: item.doc, version });
      result = { status: "applied", version };
    }
    if (item.entity !== "iqTree") {
      this.feed.push({
        seq: this.feed.length + 1,
        change: { entity: item.entity, entityId: item.entityId, op: item.op === "delete" ? "delete" : "upsert", doc: item.doc, version: result.status === "applied" ? result.version : null, key: item.key },
      });
    }
    this.keys.set(item.key, { fingerprint, result });
    return result;
  }
}
