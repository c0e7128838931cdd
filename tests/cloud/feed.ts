import type { Statement } from "better-sqlite3";
import type { CloudDb } from "./db.ts";

/** One change that took effect, as the change feed shows it (API.md §8). */
export interface FeedEntry {
  readonly siteId: string;
  readonly resource: string;
  readonly id: string;
  readonly op: "upsert" | "delete";
  readonly version: number | null;
  readonly body: unknown;
  readonly at: string;
  readonly origin: "api" | "cloud";
  readonly accountId: string | null;
  readonly idempotencyKey: string | null;
}

const inserts = new WeakMap<CloudDb, Statement>();

export function appendFeed(db: CloudDb, e: FeedEntry): void {
  let insert = inserts.get(db);
  if (!insert) {
    insert = db.prepare(
      `INSERT INTO feed (site_id, resource, id, op, version, body, at, origin, account_id, idempotency_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    inserts.set(db, insert);
  }
  insert.run(e.siteId, e.resource, e.id, e.op, e.version, e.body === null ? null : JSON.stringify(e.body), e.at, e.origin, e.accountId, e.idempotencyKey);
}

interface FeedRow {
  seq: number;
  resource: string;
  id: string;
  op: "upsert" | "delete";
  version: number | null;
  body: string | null;
  at: string;
  origin: "api" | "cloud";
  account_id: string | null;
  idempotency_key: string | null;
}

/** Entries after `since` (a seq), at most `top`, and whether more follow. */
export function readFeed(db: CloudDb, siteId: string, since: number, top: number) {
  const rows = db.prepare(`SELECT * FROM feed WHERE site_id = ? AND seq > ? ORDER BY seq LIMIT ?`).all(siteId, since, top + 1) as FeedRow[];
  const more = rows.length > top;
  const page = rows.slice(0, top);
  return {
    items: page.map((r) => ({
      seq: r.seq,
      resource: r.resource,
      id: r.id,
      op: r.op,
      version: r.version,
      body: r.body === null ? null : (JSON.parse(r.body) as unknown),
      at: r.at,
      origin: r.origin,
      account_id: r.account_id,
      idempotency_key: r.idempotency_key,
    })),
    cursor: String(page.length > 0 ? page[page.length - 1]!.seq : since),
    has_more: more,
  };
}

export function lastFeedSeq(db: CloudDb, siteId: string): number {
  const row = db.prepare(`SELECT MAX(seq) AS seq FROM feed WHERE site_id = ?`).get(siteId) as { seq: number | null };
  return row.seq ?? 0;
}
