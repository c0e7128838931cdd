import type { Migration } from "./migration.ts";

/**
 * Mesh planning: places where IQs may stand, saved plans, and floor-plan images.
 *
 * `plans` keeps each plan as a document (StoredPlan, in the site's own ids) with its
 * time and the plan it replaced, so "the latest plan" and "what changed" are index
 * lookups; a plan's predecessor cannot be deleted from under it (RESTRICT, as in 0002).
 *
 * `floor_images` holds the bytes of floor-plan images under the UUID that
 * `Floor.plan.imageId` names. They are not entities: the journal records the floor
 * document that points at an image, never megabytes of pixels. `sha256` lets a
 * re-upload of the same picture reuse the row instead of storing it twice.
 */
export const migration0004: Migration = {
  version: 4,
  name: "plans",
  up(db) {
    db.exec(`
      CREATE TABLE iq_sites (
        id       TEXT PRIMARY KEY,
        data     TEXT NOT NULL CHECK (json_valid(data)),
        floor_id TEXT NOT NULL REFERENCES floors (id) ON DELETE RESTRICT
      ) STRICT;
      CREATE INDEX iq_sites_floor ON iq_sites (floor_id);

      CREATE TABLE plans (
        id          TEXT PRIMARY KEY,
        data        TEXT NOT NULL CHECK (json_valid(data)),
        created_at  TEXT NOT NULL,
        previous_id TEXT REFERENCES plans (id) ON DELETE RESTRICT CHECK (previous_id IS NOT id)
      ) STRICT;
      CREATE INDEX plans_created ON plans (created_at, id);
      CREATE INDEX plans_previous ON plans (previous_id);

      CREATE TABLE floor_images (
        id       TEXT PRIMARY KEY,
        floor_id TEXT NOT NULL REFERENCES floors (id) ON DELETE RESTRICT,
        mime     TEXT NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
        sha256   TEXT NOT NULL CHECK (length(sha256) = 64),
        bytes    BLOB NOT NULL CHECK (length(bytes) > 0)
      ) STRICT;
      CREATE UNIQUE INDEX floor_images_content ON floor_images (floor_id, sha256);
    `);
  },
};
