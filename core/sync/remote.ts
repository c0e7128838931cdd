import type { AppError } from "../errors/index.ts";
import type { EntityName, JournalOp } from "../store/index.ts";
import type { SyncEntity } from "./compact.ts";

/**
 * What the sync engine needs from the cloud, whatever its wire format: push a batch of
 * changes (each under its own idempotency key) and read the cloud's change feed from a
 * cursor. core/cloud implements it over HTTP; tests may fake it.
 */
export interface SyncRemote {
  /**
   * Sends changes in order; answers one result per change, in the same order. Throws
   * an AppError when the whole request failed (the network, 429, 5xx, 1500 after a
   * failed refresh): the engine retries transient ones with the same keys.
   */
  push(items: readonly PushItem[], signal: AbortSignal): Promise<readonly PushResult[]>;
  /**
   * One page of the feed after `cursor` (null: from the beginning). Changes made under
   * keys starting with `ownKeyPrefix` are this copy's own echoes: their documents are
   * not needed (and a remote may leave them out).
   */
  pull(cursor: string | null, signal: AbortSignal, ownKeyPrefix?: string): Promise<PullPage>;
}

export interface PushItem {
  readonly key: string;
  readonly entity: SyncEntity;
  readonly entityId: string;
  readonly op: JournalOp;
  /** The whole document; null for a delete. */
  readonly doc: unknown;
  /** Refuse with a conflict unless the cloud still holds this version. */
  readonly ifVersion?: number;
}

export type PushResult =
  /** Took effect now, or had already taken effect under this key (`duplicate`). */
  | { readonly status: "applied" | "duplicate"; readonly version: number | null }
  /** Refused by a rule; the error carries the KS code where there is one. */
  | { readonly status: "rejected"; readonly error: AppError }
  /** Someone changed the entity in the cloud meanwhile; nothing was written. */
  | { readonly status: "conflict"; readonly remoteDoc: unknown; readonly remoteVersion: number | null };

export interface RemoteChange {
  readonly entity: EntityName;
  readonly entityId: string;
  readonly op: "upsert" | "delete";
  /** The document as the cloud holds it now; null after a delete. */
  readonly doc: unknown;
  readonly version: number | null;
  /** The idempotency key it was made under, if a client sent one (ours start with `keyPrefix`). */
  readonly key: string | null;
}

export interface PullPage {
  readonly changes: readonly RemoteChange[];
  /** Where the next read starts; stored only after the page was applied. */
  readonly cursor: string | null;
  /** Another page follows right away (follow the cursor, not the item count). */
  readonly more: boolean;
}
