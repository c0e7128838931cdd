import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";
import type { Clock } from "../../core/ports/clock.ts";
import type { CloudDb } from "./db.ts";

/** Lifetimes and limits of one emulator run (API.md §2, §9, §10). */
export interface CloudSettings {
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  readonly trustedDeviceTtlMs: number;
  readonly challengeTtlMs: number;
  readonly codeTtlMs: number;
  readonly invitationTtlMs: number;
  readonly installerAccessMs: number;
  readonly scanBudget: number;
  readonly maxBatch: number;
}

export const DEFAULT_SETTINGS: CloudSettings = Object.freeze({
  accessTokenTtlMs: 15 * 60_000,
  refreshTokenTtlMs: 30 * 86_400_000,
  trustedDeviceTtlMs: 60 * 86_400_000,
  challengeTtlMs: 10 * 60_000,
  codeTtlMs: 10 * 60_000,
  invitationTtlMs: 7 * 86_400_000,
  installerAccessMs: 86_400_000,
  scanBudget: 1000,
  maxBatch: 1000,
});

export interface OutboxMessage {
  readonly id: number;
  readonly channel: "sms" | "email";
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly code: string | null;
  readonly token: string | null;
  readonly at: string;
}

/** What every part of the emulator shares: the database, the clock, the settings. */
export class CloudContext {
  constructor(
    readonly db: CloudDb,
    readonly clock: Clock,
    readonly settings: CloudSettings,
    /** Signs continuation tokens; kept in the database so tokens survive a restart. */
    readonly secret: string,
  ) {}

  now(): number {
    return this.clock.now();
  }

  iso(ms = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  newId(): string {
    return randomUUID();
  }

  /** An opaque bearer secret (tokens, device tokens, invitation tokens). */
  newSecret(): string {
    return randomBytes(32).toString("base64url");
  }

  /** A 6-digit code for SMS and e-mail. */
  newCode(): string {
    return String(randomInt(0, 1_000_000)).padStart(6, "0");
  }

  send(message: Omit<OutboxMessage, "id" | "at">): void {
    this.db
      .prepare(`INSERT INTO outbox (channel, to_addr, subject, body, code, token, at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(message.channel, message.to, message.subject, message.body, message.code, message.token, this.iso());
  }

  outbox(filter: { readonly to?: string; readonly channel?: string } = {}): OutboxMessage[] {
    const rows = this.db.prepare(`SELECT * FROM outbox ORDER BY id`).all() as {
      id: number;
      channel: "sms" | "email";
      to_addr: string;
      subject: string;
      body: string;
      code: string | null;
      token: string | null;
      at: string;
    }[];
    return rows
      .filter((r) => (filter.to === undefined || r.to_addr.toLowerCase() === filter.to.toLowerCase()) && (filter.channel === undefined || r.channel === filter.channel))
      .map((r) => ({ id: r.id, channel: r.channel, to: r.to_addr, subject: r.subject, body: r.body, code: r.code, token: r.token, at: r.at }));
  }
}

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The meta value under `key`, created by `make` on first use. */
export function metaValue(db: CloudDb, key: string, make: () => string): string {
  const row = db.prepare(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
  if (row) return row.value;
  const value = make();
  db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`).run(key, value);
  return value;
}
