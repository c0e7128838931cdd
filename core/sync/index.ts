/** The sync engine: the site's journal to the KS cloud and back. See engine.ts. */
import { openReadWrite } from "../store/database.ts";
import type { SiteStore } from "../store/index.ts";
import { SyncEngine, type SyncEngineDeps } from "./engine.ts";
import { SyncState } from "./sync-state.ts";

export { SyncEngine, SYNC_ACTIONS, DEFAULT_LIMITS, errorInfo, refusalOf } from "./engine.ts";
export type { SyncEngineDeps, SyncLimits, SyncPhase, SyncProgress, SyncReport, SyncStatus, SyncErrorInfo, DryRun, DryRunItem } from "./engine.ts";
export { SyncState } from "./sync-state.ts";
export type { ConflictRow, SetAsideRow, SyncStateRow, Inflight } from "./sync-state.ts";
export { Compactor, idempotencyKey, keyPrefix, referencedIds, type SyncChange, type SyncEntity } from "./compact.ts";
export { backoffDelay, parseRetryAfter, timerSleep, DEFAULT_BACKOFF, type BackoffPolicy, type Random01, type Sleep } from "./backoff.ts";
export type { SyncRemote, PushItem, PushResult, RemoteChange, PullPage } from "./remote.ts";

export interface OpenSync {
  readonly engine: SyncEngine;
  readonly state: SyncState;
  /** Closes the sync's own connection to the site file (the store stays open). */
  close(): void;
}

/**
 * A sync engine for an open site. The engine keeps its bookkeeping (migration 0008)
 * on a connection of its own to the same file, so that a batch's outcome and the
 * checkpoint commit together without going through the store's journaled actions.
 */
export function openSync(store: SiteStore, deps: Omit<SyncEngineDeps, "store" | "state" | "db"> & { readonly nativeBinding?: string | undefined }): OpenSync {
  const { nativeBinding, ...rest } = deps;
  const db = openReadWrite(store.path, { mustExist: true, nativeBinding });
  try {
    const state = new SyncState(db);
    state.read();
    const engine = new SyncEngine({ ...rest, store, state, db });
    return { engine, state, close: () => db.close() };
  } catch (e) {
    db.close();
    throw e;
  }
}
