import type { Migration } from "./migration.ts";

/**
 * What the sync engine (core/sync) remembers between runs, next to the journal it reads.
 *
 * - `sync_state`, one row: how far the journal has been pushed (`checkpoint_seq`), the
 *   batch on its way (`inflight_*`: its journal range and the exact changes sent, kept
 *   so that a resume after a crash re-sends the same changes under the same
 *   idempotency keys), how far IQ trees have been written (`trees_seq`), and the
 *   cloud's change-feed cursor.
 * - `sync_set_aside`: changes the cloud refused by a rule (KS code, HTTP status, advice),
 *   one row per entity, kept for the person to retry or discard; they never block the
 *   rest of the queue.
 * - `sync_conflicts`: an entity changed both here and in the cloud since the last sync;
 *   open until the person keeps theirs or takes the cloud's, and afterwards remembered
 *   up to `skip_through_seq` so that older local changes of it are not pushed over the
 *   choice that was made.
 * - `sync_versions`: the cloud's version of each entity as last seen, sent back as
 *   `if_version` so that a change made in the cloud meanwhile is a conflict, not
 *   silently overwritten.
 *
 * None of this is journaled: it is bookkeeping about the journal, not site content.
 */
export const migration0008: Migration = {
  version: 8,
  name: "sync",
  up(db) {
    db.exec(`
      CREATE TABLE sync_state (
        one             INTEGER PRIMARY KEY CHECK (one = 1),
        checkpoint_seq  INTEGER NOT NULL DEFAULT 0 CHECK (checkpoint_seq >= 0),
        inflight_from   INTEGER,
        inflight_to     INTEGER,
        inflight_body   TEXT CHECK (inflight_body IS NULL OR json_valid(inflight_body)),
        trees_seq       INTEGER NOT NULL DEFAULT 0 CHECK (trees_seq >= 0),
        cursor          TEXT,
        last_synced_at  TEXT,
        CHECK (
          (inflight_from IS NULL AND inflight_to IS NULL AND inflight_body IS NULL) OR
          (inflight_from >= checkpoint_seq AND inflight_to > inflight_from AND inflight_body IS NOT NULL)
        )
      ) STRICT;
      INSERT INTO sync_state (one) VALUES (1);

      CREATE TABLE sync_set_aside (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        entity      TEXT NOT NULL, -- an entity name, or 'iqTree' for an IQ's tree document
        entity_id   TEXT NOT NULL,
        op          TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        doc         TEXT CHECK (doc IS NULL OR json_valid(doc)),
        last_seq    INTEGER NOT NULL,
        idem_key    TEXT NOT NULL,
        code        TEXT NOT NULL,
        ks_code     INTEGER,
        status      INTEGER,
        message     TEXT NOT NULL,
        advice      TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
        at          TEXT NOT NULL,
        UNIQUE (entity, entity_id),
        CHECK ((op = 'delete') = (doc IS NULL))
      ) STRICT;

      CREATE TABLE sync_conflicts (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        entity           TEXT NOT NULL,
        entity_id        TEXT NOT NULL,
        local_doc        TEXT CHECK (local_doc IS NULL OR json_valid(local_doc)),
        remote_doc       TEXT CHECK (remote_doc IS NULL OR json_valid(remote_doc)),
        remote_version   INTEGER,
        detected_at      TEXT NOT NULL,
        state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'kept-mine', 'took-theirs')),
        skip_through_seq INTEGER,
        resolved_at      TEXT,
        UNIQUE (entity, entity_id),
        CHECK (
          (state = 'open' AND skip_through_seq IS NULL AND resolved_at IS NULL) OR
          (state <> 'open' AND skip_through_seq IS NOT NULL AND resolved_at IS NOT NULL)
        )
      ) STRICT;

      CREATE TABLE sync_versions (
        entity_id TEXT PRIMARY KEY,
        version   INTEGER NOT NULL CHECK (version >= 0)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
