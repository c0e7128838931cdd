import type { Migration } from "./migration.ts";

/**
 * Commissioning IQs over Bluetooth (issue 4). Extends 0002 rather than repeating it:
 * an IQ's identity (serial, model, firmware, MAC), its network (secrets as vault keys
 * only) and its cloud state stay in the `iqs` document; locks and repeaters keep their
 * parent there too. Added here:
 *
 * - `commissioning_jobs`: one per IQ (`iq_id` UNIQUE): the step it stands at, its
 *   status, the plan and planned IQ it follows, and in the document the devices to
 *   attach, the attempts and the last error with its KS code. `step` and `status` are
 *   columns (with CHECKs) so "which IQs still need work" is an index lookup. A plan
 *   IQ is commissioned by at most one job (`plan_id, plan_iq` UNIQUE; NULLs are
 *   distinct in SQLite, so jobs without a plan do not collide).
 * - `iq_devices`: the as-built tree, one row per attached Device ID, with the link
 *   quality and RSSI the IQ measured. RESTRICT both ways: an IQ with attached devices
 *   cannot be deleted (KS 2209 at the schema level), nor can an attached lock or
 *   repeater vanish from under its row; detaching removes the row first.
 * - `door_tests`: every test-open with its outcome. History, so `lock_id` is not a
 *   foreign key: a test record outlives a door deleted later.
 */
export const migration0007: Migration = {
  version: 7,
  name: "commissioning",
  up(db) {
    db.exec(`
      CREATE TABLE commissioning_jobs (
        id      TEXT PRIMARY KEY,
        data    TEXT NOT NULL CHECK (json_valid(data)),
        iq_id   TEXT NOT NULL UNIQUE REFERENCES iqs (id) ON DELETE RESTRICT,
        plan_id TEXT REFERENCES plans (id) ON DELETE RESTRICT,
        plan_iq TEXT,
        step    TEXT NOT NULL CHECK (step IN ('discover', 'authenticate', 'identify', 'network', 'cloud', 'attach', 'test', 'done')),
        status  TEXT NOT NULL CHECK (status IN ('ready', 'needs-input', 'failed', 'done')),
        CHECK ((plan_id IS NULL) = (plan_iq IS NULL)),
        CHECK ((step = 'done') = (status = 'done'))
      ) STRICT;
      CREATE UNIQUE INDEX commissioning_jobs_plan_iq ON commissioning_jobs (plan_id, plan_iq);
      CREATE INDEX commissioning_jobs_status ON commissioning_jobs (status);

      CREATE TABLE iq_devices (
        id          TEXT PRIMARY KEY,
        data        TEXT NOT NULL CHECK (json_valid(data)),
        iq_id       TEXT NOT NULL REFERENCES iqs (id) ON DELETE RESTRICT,
        device_id   TEXT NOT NULL UNIQUE,
        lock_id     TEXT UNIQUE REFERENCES locks (id) ON DELETE RESTRICT,
        repeater_id TEXT UNIQUE REFERENCES repeaters (id) ON DELETE RESTRICT,
        CHECK ((lock_id IS NULL) <> (repeater_id IS NULL))
      ) STRICT;
      CREATE INDEX iq_devices_iq ON iq_devices (iq_id);

      CREATE TABLE door_tests (
        id      TEXT PRIMARY KEY,
        data    TEXT NOT NULL CHECK (json_valid(data)),
        lock_id TEXT NOT NULL,
        at      TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('opened', 'no-response', 'refused'))
      ) STRICT;
      CREATE INDEX door_tests_lock ON door_tests (lock_id, at);
    `);
  },
};
