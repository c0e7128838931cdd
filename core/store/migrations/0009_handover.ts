import type { Migration } from "./migration.ts";

/**
 * The handover (issue 7): what Lintel remembers between the checklist passing and the
 * site being released to its owner. Bookkeeping about the handover, written on a
 * connection of its own like the sync's (migration 0008), not journaled: none of it
 * is site content the cloud keeps.
 *
 * - `handover_presets`, at most one row: the owner presets set up before handover —
 *   notification rules ("if _ opened _ in _ via _") and NOT CLOSED alerts per lock —
 *   as one JSON document checked by core/rules/notifications.ts, and when they were
 *   saved. No row = never set up (the checklist says so).
 * - `handover_state`, one row: where the handover stands. `stage` moves preparing →
 *   invited → transferred → released; an invited owner has an e-mail (and the cloud's
 *   invitation), a transferred one an account and the end of the installer's
 *   time-boxed access, a released site its time. `report_hash` is the SHA-256 of the
 *   site state the last handover report described.
 * - `handover_log`: every step with its time, for "who handed over what, when".
 */
export const migration0009: Migration = {
  version: 9,
  name: "handover",
  up(db) {
    db.exec(`
      CREATE TABLE handover_presets (
        one      INTEGER PRIMARY KEY CHECK (one = 1),
        data     TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
        saved_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE handover_state (
        one                         INTEGER PRIMARY KEY CHECK (one = 1),
        stage                       TEXT NOT NULL DEFAULT 'preparing' CHECK (stage IN ('preparing', 'invited', 'transferred', 'released')),
        owner_email                 TEXT,
        invitation                  TEXT CHECK (invitation IS NULL OR json_valid(invitation)),
        installer_email             TEXT,
        owner_account_id            TEXT,
        transferred_at              TEXT,
        installer_access_expires_at TEXT,
        released_at                 TEXT,
        report_hash                 TEXT CHECK (report_hash IS NULL OR (length(report_hash) = 64 AND report_hash NOT GLOB '*[^0-9a-f]*')),
        report_at                   TEXT,
        updated_at                  TEXT,
        CHECK ((stage = 'preparing') = (owner_email IS NULL)),
        CHECK (stage IN ('preparing', 'invited') OR (owner_account_id IS NOT NULL AND transferred_at IS NOT NULL)),
        CHECK ((stage = 'released') = (released_at IS NOT NULL)),
        CHECK ((report_hash IS NULL) = (report_at IS NULL))
      ) STRICT;
      INSERT INTO handover_state (one) VALUES (1);

      CREATE TABLE handover_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        event   TEXT NOT NULL CHECK (event IN ('presets-saved', 'invited', 'transferred', 'released', 'report', 'installer-access-ended')),
        details TEXT NOT NULL CHECK (json_valid(details))
      ) STRICT;
    `);
  },
};
