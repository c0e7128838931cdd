import type { Migration } from "./migration.ts";

/**
 * Users, tags, schedules and access groups.
 *
 * `users.*_key` are search keys (lower-cased, accents folded; see user-search.ts),
 * indexed so a prefix search stays a range scan with 100,000 users. An access group's
 * id arrays become join tables, because a foreign key cannot look inside a JSON array:
 * deleting a user, lock or schedule still in a group is refused. Foreign keys are
 * RESTRICT for the reason given in 0002.
 */
export const migration0003: Migration = {
  version: 3,
  name: "people_access",
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id        TEXT PRIMARY KEY,
        data      TEXT NOT NULL CHECK (json_valid(data)),
        first_key TEXT NOT NULL,
        last_key  TEXT NOT NULL,
        email_key TEXT
      ) STRICT;
      CREATE INDEX users_first ON users (first_key);
      CREATE INDEX users_last ON users (last_key, first_key, id);
      CREATE INDEX users_email ON users (email_key);

      CREATE TABLE tags (
        id      TEXT PRIMARY KEY,
        data    TEXT NOT NULL CHECK (json_valid(data)),
        number  TEXT NOT NULL UNIQUE,
        user_id TEXT REFERENCES users (id) ON DELETE RESTRICT
      ) STRICT;
      CREATE INDEX tags_user ON tags (user_id);

      CREATE TABLE schedules (
        id   TEXT PRIMARY KEY,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;

      CREATE TABLE access_groups (
        id   TEXT PRIMARY KEY,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;

      CREATE TABLE access_group_users (
        group_id TEXT NOT NULL REFERENCES access_groups (id) ON DELETE RESTRICT,
        user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
        PRIMARY KEY (group_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX access_group_users_user ON access_group_users (user_id);

      CREATE TABLE access_group_locks (
        group_id TEXT NOT NULL REFERENCES access_groups (id) ON DELETE RESTRICT,
        lock_id  TEXT NOT NULL REFERENCES locks (id) ON DELETE RESTRICT,
        PRIMARY KEY (group_id, lock_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX access_group_locks_lock ON access_group_locks (lock_id);

      CREATE TABLE access_group_schedules (
        group_id    TEXT NOT NULL REFERENCES access_groups (id) ON DELETE RESTRICT,
        schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE RESTRICT,
        PRIMARY KEY (group_id, schedule_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX access_group_schedules_schedule ON access_group_schedules (schedule_id);
    `);
  },
};
