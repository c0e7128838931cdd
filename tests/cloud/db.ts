import Database from "better-sqlite3";

/** The emulator's whole state: one SQLite file (or memory), opened and shaped here. */
export type CloudDb = Database.Database;

/**
 * The cloud's tables. Site content is stored as documents (the API's snake_case JSON)
 * per (site, resource, id), with the references that must exist mirrored into `refs`
 * (so deletes can be refused without scanning documents) and the values rules look
 * up (tag numbers, e-mails, the Owner) into `lookups`. `feed` is the change
 * feed; `change_keys` and `request_keys` remember what already took effect.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS accounts (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    phone               TEXT,
    created_at          TEXT NOT NULL,
    tfa_enabled         INTEGER NOT NULL DEFAULT 0,
    totp_secret         TEXT,
    totp_pending_secret TEXT,
    totp_last_counter   INTEGER NOT NULL DEFAULT -1,
    sms_enabled         INTEGER NOT NULL DEFAULT 0,
    email_enabled       INTEGER NOT NULL DEFAULT 0,
    recovery_code_hash  TEXT
  ) STRICT;

  CREATE TABLE IF NOT EXISTS sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    device_name  TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    ended_at     INTEGER
  ) STRICT;
  CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account_id);

  CREATE TABLE IF NOT EXISTS tokens (
    hash        TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    kind        TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
  ) STRICT;
  CREATE INDEX IF NOT EXISTS tokens_session ON tokens (session_id);

  CREATE TABLE IF NOT EXISTS challenges (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    device_name TEXT,
    expires_at  INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    done_at     INTEGER
  ) STRICT;

  CREATE TABLE IF NOT EXISTS codes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    purpose        TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    code           TEXT NOT NULL,
    target         TEXT,
    expires_at     INTEGER NOT NULL,
    invalidated_at INTEGER,
    used_at        INTEGER
  ) STRICT;
  CREATE INDEX IF NOT EXISTS codes_purpose ON codes (account_id, purpose, channel);

  CREATE TABLE IF NOT EXISTS trusted_devices (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    forgotten_at INTEGER
  ) STRICT;

  CREATE TABLE IF NOT EXISTS outbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    channel  TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    to_addr  TEXT NOT NULL,
    subject  TEXT NOT NULL,
    body     TEXT NOT NULL,
    code     TEXT,
    token    TEXT,
    at       TEXT NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS subscriptions (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    plan        TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    site_id     TEXT UNIQUE
  ) STRICT;

  CREATE TABLE IF NOT EXISTS hardware (
    serial          TEXT PRIMARY KEY,
    activation_code TEXT NOT NULL,
    model           TEXT NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS sites (
    id                TEXT PRIMARY KEY,
    doc               TEXT NOT NULL CHECK (json_valid(doc)),
    version           INTEGER NOT NULL,
    updated_at        TEXT NOT NULL,
    owner_account_id  TEXT NOT NULL REFERENCES accounts (id),
    installer_id      TEXT NOT NULL REFERENCES accounts (id),
    released_at       TEXT
  ) STRICT;

  CREATE TABLE IF NOT EXISTS site_access (
    site_id    TEXT NOT NULL REFERENCES sites (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role       TEXT NOT NULL CHECK (role IN ('installer', 'owner')),
    expires_at INTEGER,
    PRIMARY KEY (site_id, account_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS site_access_account ON site_access (account_id);

  CREATE TABLE IF NOT EXISTS entities (
    site_id    TEXT NOT NULL,
    resource   TEXT NOT NULL,
    id         TEXT NOT NULL,
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (site_id, resource, id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS refs (
    site_id       TEXT NOT NULL,
    from_resource TEXT NOT NULL,
    from_id       TEXT NOT NULL,
    to_resource   TEXT NOT NULL,
    to_id         TEXT NOT NULL,
    PRIMARY KEY (site_id, from_resource, from_id, to_resource, to_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS refs_target ON refs (site_id, to_resource, to_id);

  CREATE TABLE IF NOT EXISTS lookups (
    site_id TEXT NOT NULL,
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    id      TEXT NOT NULL,
    PRIMARY KEY (site_id, kind, value, id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS lookups_owner ON lookups (site_id, id);

  CREATE TABLE IF NOT EXISTS iq_trees (
    site_id    TEXT NOT NULL,
    iq_id      TEXT NOT NULL,
    items      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (site_id, iq_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS tree_members (
    site_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    iq_id     TEXT NOT NULL,
    PRIMARY KEY (site_id, device_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS feed (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         TEXT NOT NULL,
    resource        TEXT NOT NULL,
    id              TEXT NOT NULL,
    op              TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    version         INTEGER,
    body            TEXT,
    at              TEXT NOT NULL,
    origin          TEXT NOT NULL CHECK (origin IN ('api', 'cloud')),
    account_id      TEXT,
    idempotency_key TEXT
  ) STRICT;
  CREATE INDEX IF NOT EXISTS feed_site ON feed (site_id, seq);

  CREATE TABLE IF NOT EXISTS change_keys (
    site_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result      TEXT NOT NULL,
    PRIMARY KEY (site_id, key)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS request_keys (
    principal   TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    headers     TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (principal, key)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS invitations (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites (id),
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL REFERENCES accounts (id),
    created_at  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at TEXT,
    revoked_at  TEXT
  ) STRICT;
`;

export function openCloudDb(path: string | undefined): CloudDb {
  const db = new Database(path ?? ":memory:");
  if (path) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);
  return db;
}
