import type { Migration } from "./migration.ts";

/**
 * The file's spine: `meta` (site id, replica id, logical clock), the change journal
 * that sync and merging read, and the single `site` row.
 */
export const migration0001: Migration = {
  version: 1,
  name: "meta_journal_site",
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- One row per entity write; an action's rows share action_id and clock.
      -- AUTOINCREMENT: a seq is never reused, so a reader's "after seq N" cursor stays valid.
      CREATE TABLE journal (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id TEXT NOT NULL,
        action    TEXT NOT NULL,
        entity    TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        op        TEXT NOT NULL,
        before    TEXT CHECK (before IS NULL OR json_valid(before)),
        after     TEXT CHECK (after IS NULL OR json_valid(after)),
        clock     INTEGER NOT NULL CHECK (clock > 0),
        actor     TEXT NOT NULL,
        at        TEXT NOT NULL,
        CHECK (
          (op = 'insert' AND before IS NULL AND after IS NOT NULL) OR
          (op = 'update' AND before IS NOT NULL AND after IS NOT NULL) OR
          (op = 'delete' AND before IS NOT NULL AND after IS NULL)
        )
      ) STRICT;
      CREATE INDEX journal_action ON journal (action_id);
      CREATE INDEX journal_entity ON journal (entity, entity_id, seq);

      -- Exactly one row: the UNIQUE CHECK(one = 1) column refuses a second site.
      CREATE TABLE site (
        id   TEXT PRIMARY KEY,
        data TEXT NOT NULL CHECK (json_valid(data)),
        one  INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (one = 1)
      ) STRICT;

      INSERT INTO meta (key, value) VALUES ('clock', '0');
    `);
  },
};
