import type { Migration } from "./migration.ts";

/**
 * The reception desk (issue 5). Extends 0003 rather than repeating it: users, tags,
 * schedules (with their timeframes inside the document) and access groups with their
 * users, locks and schedules are there already; a user's lock permissions (MOM, EOM)
 * are in the user's document, a lock's online and office-mode state and its EOM
 * schedule in the lock's. `users` and `tags` are not touched: bulk import writes them
 * directly. Added here:
 *
 * - `tag_readers`: the site's default Tag reader (L110-117), at most one row (`one`
 *   UNIQUE, as for `site`); a lock reader's `lock_id` is RESTRICT, so the lock cannot
 *   vanish while it reads tags. A USB reader has no lock.
 * - `tag_histories`: what happened to each tag, when and where (L255), one document per
 *   tag under the tag's own id, so a tag's history is one primary-key lookup. The id is
 *   a RESTRICT foreign key: a tag leaving the site takes its history with it in the
 *   same action (the journal keeps both).
 * - `locker_banks` (name unique per site), `lockers` (number unique per bank; a locker
 *   lock drives at most one locker; the Dynamic-mode occupant a real foreign key) and
 *   `locker_assignees` for Personal mode (L9-22), a join table so that each assigned
 *   user is a foreign key too. Removing a user who holds a locker is refused until the
 *   locker is freed.
 */
export const migration0006: Migration = {
  version: 6,
  name: "reception",
  up(db) {
    db.exec(`
      CREATE TABLE tag_readers (
        id      TEXT PRIMARY KEY,
        data    TEXT NOT NULL CHECK (json_valid(data)),
        lock_id TEXT REFERENCES locks (id) ON DELETE RESTRICT,
        one     INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (one = 1)
      ) STRICT;

      CREATE TABLE tag_histories (
        id   TEXT PRIMARY KEY REFERENCES tags (id) ON DELETE RESTRICT,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;

      CREATE TABLE locker_banks (
        id       TEXT PRIMARY KEY,
        data     TEXT NOT NULL CHECK (json_valid(data)),
        name_key TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE lockers (
        id          TEXT PRIMARY KEY,
        data        TEXT NOT NULL CHECK (json_valid(data)),
        bank_id     TEXT NOT NULL REFERENCES locker_banks (id) ON DELETE RESTRICT,
        number      INTEGER NOT NULL CHECK (number BETWEEN 1 AND 9999),
        lock_id     TEXT UNIQUE REFERENCES locks (id) ON DELETE RESTRICT,
        occupant_id TEXT REFERENCES users (id) ON DELETE RESTRICT,
        UNIQUE (bank_id, number)
      ) STRICT;
      CREATE INDEX lockers_occupant ON lockers (occupant_id);

      CREATE TABLE locker_assignees (
        locker_id TEXT NOT NULL REFERENCES lockers (id) ON DELETE RESTRICT,
        user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
        PRIMARY KEY (locker_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX locker_assignees_user ON locker_assignees (user_id);
    `);
  },
};
