import type { Migration } from "./migration.ts";

/**
 * Floors, doors and the IQ trees' hardware. Each row keeps the entity as a JSON
 * document plus the ids that foreign keys and lookups need, written by the store's
 * generic writer from the document (see entities.ts).
 *
 * Every foreign key is RESTRICT (immediate): a cascade or SET NULL would change a
 * column behind the document's back and outside the journal. Deleting a floor with
 * doors is refused; the caller moves or removes the doors first, in the same action.
 * A lock or repeater hangs under an IQ or a repeater: two nullable columns, at most
 * one set, so both kinds of parent are real foreign keys.
 */
export const migration0002: Migration = {
  version: 2,
  name: "hardware",
  up(db) {
    db.exec(`
      CREATE TABLE floors (
        id    TEXT PRIMARY KEY,
        data  TEXT NOT NULL CHECK (json_valid(data)),
        level INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX floors_level ON floors (level);

      CREATE TABLE doors (
        id       TEXT PRIMARY KEY,
        data     TEXT NOT NULL CHECK (json_valid(data)),
        floor_id TEXT NOT NULL REFERENCES floors (id) ON DELETE RESTRICT
      ) STRICT;
      CREATE INDEX doors_floor ON doors (floor_id);

      CREATE TABLE iqs (
        id       TEXT PRIMARY KEY,
        data     TEXT NOT NULL CHECK (json_valid(data)),
        serial   TEXT UNIQUE,
        floor_id TEXT REFERENCES floors (id) ON DELETE RESTRICT
      ) STRICT;
      CREATE INDEX iqs_floor ON iqs (floor_id);

      CREATE TABLE repeaters (
        id                 TEXT PRIMARY KEY,
        data               TEXT NOT NULL CHECK (json_valid(data)),
        device_id          TEXT UNIQUE,
        parent_iq_id       TEXT REFERENCES iqs (id) ON DELETE RESTRICT,
        parent_repeater_id TEXT REFERENCES repeaters (id) ON DELETE RESTRICT CHECK (parent_repeater_id IS NOT id),
        floor_id           TEXT REFERENCES floors (id) ON DELETE RESTRICT,
        CHECK (parent_iq_id IS NULL OR parent_repeater_id IS NULL)
      ) STRICT;
      CREATE INDEX repeaters_parent_iq ON repeaters (parent_iq_id);
      CREATE INDEX repeaters_parent_repeater ON repeaters (parent_repeater_id);
      CREATE INDEX repeaters_floor ON repeaters (floor_id);

      CREATE TABLE locks (
        id                 TEXT PRIMARY KEY,
        data               TEXT NOT NULL CHECK (json_valid(data)),
        door_id            TEXT NOT NULL REFERENCES doors (id) ON DELETE RESTRICT,
        device_id          TEXT UNIQUE,
        parent_iq_id       TEXT REFERENCES iqs (id) ON DELETE RESTRICT,
        parent_repeater_id TEXT REFERENCES repeaters (id) ON DELETE RESTRICT,
        CHECK (parent_iq_id IS NULL OR parent_repeater_id IS NULL)
      ) STRICT;
      CREATE INDEX locks_door ON locks (door_id);
      CREATE INDEX locks_parent_iq ON locks (parent_iq_id);
      CREATE INDEX locks_parent_repeater ON locks (parent_repeater_id);
    `);
  },
};
