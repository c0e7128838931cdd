import type { Migration } from "./migration.ts";

/**
 * Pods and their guests (seed L23-41, L134-176).
 *
 * A pod is a document (members with their tags and locks inside it); its members and
 * locks are mirrored into join tables so that each id is a real foreign key, as for
 * access groups in 0003. `pod_members.user_id` is UNIQUE: a user is in at most one pod
 * of a site (2217 read with L172, see shared/DOMAIN.md), and a member cannot be
 * deleted from the site while in a pod (2220), even by a bug above the store.
 * `pods.name_key` (trimmed, lower-cased) makes the name unique in the site (2213).
 *
 * A guest keeps only the SHA-256 of their invitation token, never the token;
 * `pod_guests.tag_id` is UNIQUE so a pod tag is held by at most one guest.
 */
export const migration0005: Migration = {
  version: 5,
  name: "pods",
  up(db) {
    db.exec(`
      CREATE TABLE pods (
        id       TEXT PRIMARY KEY,
        data     TEXT NOT NULL CHECK (json_valid(data)),
        name_key TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE pod_members (
        pod_id  TEXT NOT NULL REFERENCES pods (id) ON DELETE RESTRICT,
        user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE RESTRICT,
        PRIMARY KEY (pod_id, user_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE pod_locks (
        pod_id  TEXT NOT NULL REFERENCES pods (id) ON DELETE RESTRICT,
        lock_id TEXT NOT NULL REFERENCES locks (id) ON DELETE RESTRICT,
        PRIMARY KEY (pod_id, lock_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX pod_locks_lock ON pod_locks (lock_id);

      CREATE TABLE pod_guests (
        id         TEXT PRIMARY KEY,
        data       TEXT NOT NULL CHECK (json_valid(data)),
        pod_id     TEXT NOT NULL REFERENCES pods (id) ON DELETE RESTRICT,
        tag_id     TEXT UNIQUE REFERENCES tags (id) ON DELETE RESTRICT,
        token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64)
      ) STRICT;
      CREATE INDEX pod_guests_pod ON pod_guests (pod_id);
    `);
  },
};
