import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { z } from "zod";
import { Email } from "../../core/domain/index.ts";
import { sha256, type CloudContext } from "./context.ts";
import { badRequest, forbidden, invalidValue, KeepWrites, parseBody, unauthorized, type Reply, type Req, type Routes } from "./http-kit.ts";

/**
 * Accounts and sign-in (API.md §2): password, then a second factor by TOTP (RFC 6238
 * through the `otpauth` library), SMS or e-mail code (to the outbox), or the recovery
 * code; opaque access tokens and rotating refresh tokens per session; trusted devices
 * that skip the second factor for 60 days; sessions that can be listed and ended.
 */

export const TOTP_ISSUER = "KS Cloud Emulator";
const MAX_CODE_FAILURES = 5;
/** scrypt cost: low, because this guards test accounts and tests sign in often. */
const SCRYPT_N = 1 << 12;

interface AccountRow {
  id: string;
  email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  created_at: string;
  tfa_enabled: number;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_counter: number;
  sms_enabled: number;
  email_enabled: number;
  recovery_code_hash: string | null;
}

export interface Principal {
  readonly accountId: string;
  readonly sessionId: string;
  readonly email: string;
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: SCRYPT_N });
  return `scrypt$${salt.toString("base64")}$${hash.toString("base64")}`;
}

function passwordMatches(password: string, stored: string): boolean {
  const [, saltB64, hashB64] = stored.split("$");
  if (!saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, "base64");
  const actual = scryptSync(password, Buffer.from(saltB64, "base64"), expected.length, { N: SCRYPT_N });
  return timingSafeEqual(actual, expected);
}

export function totpFor(email: string, secretBase32: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: email, algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

/** "ABCD-EFGH-JKLM-NPQR": 16 base32 characters (80 bits), grouped for reading aloud. */
function newRecoveryCode(): string {
  const raw = new Secret({ size: 10 }).base32.slice(0, 16);
  return raw.match(/.{4}/g)!.join("-");
}
const normaliseRecovery = (code: string): string => code.replace(/[-\s]/g, "").toUpperCase();

const maskPhone = (phone: string): string => phone.replace(/\d(?=(?:\D*\d){2})/g, "*");
const maskEmail = (email: string): string => email.replace(/^(.)[^@]*/, "$1***");

const keep = (e: unknown) => new KeepWrites(e);

const Password = z.string().min(1).max(200);

export const SignUp = z.object({
  email: Email,
  password: z.string().min(8).max(200),
  first_name: z.string().trim().min(1).max(120),
  last_name: z.string().trim().min(1).max(120),
  phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/).nullable().optional(),
});

export class AuthService {
  constructor(readonly cx: CloudContext) {}

  private get db() {
    return this.cx.db;
  }

  account(id: string): AccountRow {
    return this.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(id) as AccountRow;
  }

  accountByEmail(email: string): AccountRow | undefined {
    return this.db.prepare(`SELECT * FROM accounts WHERE email = ?`).get(email.trim().toLowerCase()) as AccountRow | undefined;
  }

  createAccount(input: z.output<typeof SignUp>): AccountRow {
    const email = input.email.trim().toLowerCase();
    if (this.accountByEmail(email)) throw badRequest("An account with this e-mail already exists.", { reason: "email_taken" });
    const id = this.cx.newId();
    this.db
      .prepare(`INSERT INTO accounts (id, email, password_hash, first_name, last_name, phone, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, email, hashPassword(input.password), input.first_name, input.last_name, input.phone ?? null, this.cx.iso());
    return this.account(id);
  }

  /** Turns on TOTP (with e-mail as backup) with a given or new secret; for seeding. */
  enableTotp(accountId: string, secretBase32 = new Secret({ size: 20 }).base32): string {
    this.db.prepare(`UPDATE accounts SET totp_secret = ?, tfa_enabled = 1, email_enabled = 1 WHERE id = ?`).run(secretBase32, accountId);
    return secretBase32;
  }

  methodsOf(a: AccountRow): string[] {
    const m: string[] = [];
    if (a.email_enabled) m.push("email");
    if (a.totp_secret) m.push("totp");
    if (a.sms_enabled) m.push("sms");
    return m;
  }

  twoFactorView(a: AccountRow) {
    return { enabled: a.tfa_enabled === 1, methods: this.methodsOf(a), phone: a.phone, recovery_code_set: a.recovery_code_hash !== null };
  }

  accountView(a: AccountRow) {
    return { id: a.id, email: a.email, first_name: a.first_name, last_name: a.last_name, phone: a.phone, created_at: a.created_at, two_factor: this.twoFactorView(a) };
  }

  /** The caller of a request, or 1500. */
  authenticate(req: Req): Principal {
    const header = req.headers.authorization;
    const m = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw unauthorized("missing");
    return this.principalOf(m[1]!);
  }

  /** The caller behind an access token, or 1500 (the rate limiter asks too, so no side effects on failure). */
  principalOf(accessToken: string, touch = true): Principal {
    const row = this.db
      .prepare(
        `SELECT t.expires_at, s.id AS session_id, s.ended_at, a.id AS account_id, a.email
           FROM tokens t JOIN sessions s ON s.id = t.session_id JOIN accounts a ON a.id = s.account_id
          WHERE t.hash = ? AND t.kind = 'access'`,
      )
      .get(sha256(accessToken)) as { expires_at: number; session_id: string; ended_at: number | null; account_id: string; email: string } | undefined;
    if (!row) throw unauthorized("invalid");
    if (row.ended_at !== null) throw unauthorized("session_ended");
    if (row.expires_at <= this.cx.now()) throw unauthorized("expired");
    if (touch) this.db.prepare(`UPDATE sessions SET last_used_at = ? WHERE id = ?`).run(this.cx.now(), row.session_id);
    return { accountId: row.account_id, sessionId: row.session_id, email: row.email };
  }

  private issue(sessionId: string, extra: Record<string, unknown> = {}) {
    const now = this.cx.now();
    const access = this.cx.newSecret();
    const refresh = this.cx.newSecret();
    const s = this.cx.settings;
    const ins = this.db.prepare(`INSERT INTO tokens (hash, session_id, kind, expires_at) VALUES (?, ?, ?, ?)`);
    ins.run(sha256(access), sessionId, "access", now + s.accessTokenTtlMs);
    ins.run(sha256(refresh), sessionId, "refresh", now + s.refreshTokenTtlMs);
    return {
      token_type: "Bearer",
      access_token: access,
      expires_in: Math.floor(s.accessTokenTtlMs / 1000),
      refresh_token: refresh,
      refresh_expires_in: Math.floor(s.refreshTokenTtlMs / 1000),
      session_id: sessionId,
      ...extra,
    };
  }

  private newSession(accountId: string, deviceName: string | null, extra: Record<string, unknown> = {}) {
    const id = this.cx.newId();
    const now = this.cx.now();
    this.db.prepare(`INSERT INTO sessions (id, account_id, device_name, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)`).run(id, accountId, deviceName, now, now);
    return this.issue(id, extra);
  }

  signIn(input: { email: string; password: string; device_token?: string | undefined; device_name?: string | undefined }) {
    const a = this.accountByEmail(input.email);
    // Hash even for an unknown e-mail, so timing does not say which e-mails exist.
    const ok = a ? passwordMatches(input.password, a.password_hash) : (passwordMatches(input.password, hashPassword("x")), false);
    if (!a || !ok) throw unauthorized("credentials", "The e-mail or password is wrong.");
    const deviceName = input.device_name ?? null;
    if (a.tfa_enabled !== 1) return this.newSession(a.id, deviceName);
    if (input.device_token) {
      const d = this.db
        .prepare(`SELECT * FROM trusted_devices WHERE token_hash = ? AND account_id = ? AND forgotten_at IS NULL AND expires_at > ?`)
        .get(sha256(input.device_token), a.id, this.cx.now()) as { name: string | null } | undefined;
      if (d) return this.newSession(a.id, deviceName ?? d.name, { trusted_device: true });
    }
    const id = this.cx.newId();
    this.db.prepare(`INSERT INTO challenges (id, account_id, device_name, expires_at) VALUES (?, ?, ?, ?)`).run(id, a.id, deviceName, this.cx.now() + this.cx.settings.challengeTtlMs);
    return { second_factor_required: true, challenge_id: id, methods: this.methodsOf(a), expires_in: Math.floor(this.cx.settings.challengeTtlMs / 1000) };
  }

  private liveChallenge(challengeId: string) {
    const c = this.db.prepare(`SELECT * FROM challenges WHERE id = ?`).get(challengeId) as
      | { id: string; account_id: string; device_name: string | null; expires_at: number; failures: number; done_at: number | null }
      | undefined;
    if (!c || c.done_at !== null || c.expires_at <= this.cx.now() || c.failures >= MAX_CODE_FAILURES) {
      throw unauthorized("challenge", "The sign-in step expired or was already used: sign in again.");
    }
    return c;
  }

  /** Sends a new code by SMS or e-mail, invalidating earlier ones of the same purpose ("Resend"). */
  private sendCode(a: AccountRow, purpose: string, channel: "sms" | "email", target: string): { sent_to: string; expires_in: number } {
    const now = this.cx.now();
    const previous = this.db
      .prepare(`SELECT code FROM codes WHERE account_id = ? AND purpose = ? AND channel = ? AND invalidated_at IS NULL AND used_at IS NULL`)
      .all(a.id, purpose, channel) as { code: string }[];
    this.db.prepare(`UPDATE codes SET invalidated_at = ? WHERE account_id = ? AND purpose = ? AND channel = ? AND invalidated_at IS NULL`).run(now, a.id, purpose, channel);
    let code = this.cx.newCode();
    while (previous.some((p) => p.code === code)) code = this.cx.newCode(); // a resent code always differs
    this.db
      .prepare(`INSERT INTO codes (account_id, purpose, channel, code, target, expires_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(a.id, purpose, channel, code, target, now + this.cx.settings.codeTtlMs);
    const text = `Your KS verification code is ${code}. It expires in ${Math.round(this.cx.settings.codeTtlMs / 60_000)} minutes.`;
    this.cx.send({ channel, to: target, subject: channel === "email" ? "Your KS verification code" : "", body: text, code, token: null });
    return { sent_to: channel === "sms" ? maskPhone(target) : maskEmail(target), expires_in: Math.floor(this.cx.settings.codeTtlMs / 1000) };
  }

  /** The live code row matching, marked used; null when wrong, resent-over or expired. */
  private useCode(accountId: string, purpose: string, channel: "sms" | "email", code: string): { target: string | null } | null {
    const row = this.db
      .prepare(
        `SELECT id, code, target FROM codes WHERE account_id = ? AND purpose = ? AND channel = ? AND invalidated_at IS NULL AND used_at IS NULL AND expires_at > ?
          ORDER BY id DESC LIMIT 1`,
      )
      .get(accountId, purpose, channel, this.cx.now()) as { id: number; code: string; target: string | null } | undefined;
    if (!row || row.code !== code.trim()) return null;
    this.db.prepare(`UPDATE codes SET used_at = ? WHERE id = ?`).run(this.cx.now(), row.id);
    return { target: row.target };
  }

  /** Checks a TOTP code once (a code is not accepted twice); updates the last counter. */
  private useTotp(a: AccountRow, secret: string, code: string): boolean {
    const now = this.cx.now();
    const totp = totpFor(a.email, secret);
    const delta = totp.validate({ token: code.trim(), timestamp: now, window: 1 });
    if (delta === null) return false;
    const counter = totp.counter({ timestamp: now }) + delta;
    if (counter <= a.totp_last_counter) return false;
    this.db.prepare(`UPDATE accounts SET totp_last_counter = ? WHERE id = ?`).run(counter, a.id);
    return true;
  }

  sendChallengeCode(challengeId: string, method: "sms" | "email") {
    const c = this.liveChallenge(challengeId);
    const a = this.account(c.account_id);
    if (method === "sms" && (!a.sms_enabled || !a.phone)) throw badRequest("SMS is not a second factor of this account.", { reason: "method" });
    if (method === "email" && !a.email_enabled) throw badRequest("E-mail is not a second factor of this account.", { reason: "method" });
    return this.sendCode(a, `challenge:${c.id}`, method, method === "sms" ? a.phone! : a.email);
  }

  verifyChallenge(input: { challenge_id: string; method: "totp" | "sms" | "email" | "recovery"; code: string; trust_device?: boolean | undefined; device_name?: string | undefined }) {
    const c = this.liveChallenge(input.challenge_id);
    const a = this.account(c.account_id);
    let ok = false;
    switch (input.method) {
      case "totp":
        ok = a.totp_secret !== null && this.useTotp(a, a.totp_secret, input.code);
        break;
      case "sms":
      case "email":
        ok = this.useCode(a.id, `challenge:${c.id}`, input.method, input.code) !== null;
        break;
      case "recovery":
        ok = a.recovery_code_hash !== null && sha256(normaliseRecovery(input.code)) === a.recovery_code_hash;
        break;
    }
    if (!ok) {
      this.db.prepare(`UPDATE challenges SET failures = failures + 1 WHERE id = ?`).run(c.id);
      throw keep(unauthorized("code", "The code is wrong, expired or replaced by a newer one.", { attempts_left: Math.max(0, MAX_CODE_FAILURES - c.failures - 1) }));
    }
    const now = this.cx.now();
    this.db.prepare(`UPDATE challenges SET done_at = ? WHERE id = ?`).run(now, c.id);
    const deviceName = input.device_name ?? c.device_name;
    if (input.method === "recovery") {
      this.resetTwoFactor(a.id);
      return this.newSession(a.id, deviceName, { two_factor_reset: true });
    }
    const extra: Record<string, unknown> = {};
    if (input.trust_device) {
      const token = this.cx.newSecret();
      this.db
        .prepare(`INSERT INTO trusted_devices (id, account_id, token_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(this.cx.newId(), a.id, sha256(token), deviceName, now, now + this.cx.settings.trustedDeviceTtlMs);
      extra["device_token"] = token;
    }
    return this.newSession(a.id, deviceName, extra);
  }

  /** Using the recovery code resets 2FA (seed L66): off, no methods, no code, devices forgotten. */
  private resetTwoFactor(accountId: string): void {
    this.db
      .prepare(
        `UPDATE accounts SET tfa_enabled = 0, totp_secret = NULL, totp_pending_secret = NULL, sms_enabled = 0, email_enabled = 0, recovery_code_hash = NULL WHERE id = ?`,
      )
      .run(accountId);
    this.db.prepare(`UPDATE trusted_devices SET forgotten_at = ? WHERE account_id = ? AND forgotten_at IS NULL`).run(this.cx.now(), accountId);
  }

  refresh(refreshToken: string) {
    const row = this.db
      .prepare(`SELECT t.hash, t.expires_at, t.used_at, s.id AS session_id, s.ended_at FROM tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ? AND t.kind = 'refresh'`)
      .get(sha256(refreshToken)) as { hash: string; expires_at: number; used_at: number | null; session_id: string; ended_at: number | null } | undefined;
    if (!row) throw unauthorized("refresh_invalid");
    if (row.ended_at !== null) throw unauthorized("session_ended");
    if (row.used_at !== null) {
      // A refresh token used twice was copied: end the session it belongs to.
      this.endSession(row.session_id);
      throw keep(unauthorized("refresh_reused", "This refresh token was already used; the session has been ended. Sign in again."));
    }
    if (row.expires_at <= this.cx.now()) throw unauthorized("refresh_expired");
    this.db.prepare(`UPDATE tokens SET used_at = ? WHERE hash = ?`).run(this.cx.now(), row.hash);
    return this.issue(row.session_id);
  }

  endSession(sessionId: string): void {
    this.db.prepare(`UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL`).run(this.cx.now(), sessionId);
  }

  private reauthenticate(a: AccountRow, password: string): void {
    if (!passwordMatches(password, a.password_hash)) throw forbidden("password", "The password is wrong.");
  }

  enroll(p: Principal, method: "totp" | "sms" | "email", body: { password: string; phone?: string | undefined }) {
    const a = this.account(p.accountId);
    this.reauthenticate(a, body.password);
    if (method === "totp") {
      const secret = new Secret({ size: 20 }).base32;
      this.db.prepare(`UPDATE accounts SET totp_pending_secret = ? WHERE id = ?`).run(secret, a.id);
      return { secret, otpauth_url: totpFor(a.email, secret).toString() };
    }
    if (method === "sms") {
      if (!body.phone) throw badRequest("A phone number is needed for SMS.", { issues: [{ path: "phone", message: "required" }] });
      return this.sendCode(a, "enrol-sms", "sms", body.phone);
    }
    return this.sendCode(a, "enrol-email", "email", a.email);
  }

  confirm(p: Principal, method: "totp" | "sms" | "email", code: string) {
    const a = this.account(p.accountId);
    if (method === "totp") {
      if (!a.totp_pending_secret || !this.useTotp(a, a.totp_pending_secret, code)) throw badRequest("The code is wrong.", { reason: "code" });
      this.db.prepare(`UPDATE accounts SET totp_secret = totp_pending_secret, totp_pending_secret = NULL WHERE id = ?`).run(a.id);
    } else {
      const used = this.useCode(a.id, `enrol-${method}`, method, code);
      if (!used) throw badRequest("The code is wrong.", { reason: "code" });
      if (method === "sms") this.db.prepare(`UPDATE accounts SET sms_enabled = 1, phone = ? WHERE id = ?`).run(used.target, a.id);
    }
    // E-mail stays as the permanent backup once 2FA is configured (seed L62).
    this.db.prepare(`UPDATE accounts SET email_enabled = 1, tfa_enabled = 1 WHERE id = ?`).run(a.id);
    const extra: Record<string, unknown> = {};
    if (a.recovery_code_hash === null) extra["recovery_code"] = this.newRecovery(a.id);
    return { ...this.twoFactorView(this.account(a.id)), ...extra };
  }

  private newRecovery(accountId: string): string {
    const code = newRecoveryCode();
    this.db.prepare(`UPDATE accounts SET recovery_code_hash = ? WHERE id = ?`).run(sha256(normaliseRecovery(code)), accountId);
    return code;
  }

  regenerateRecovery(p: Principal, password: string) {
    const a = this.account(p.accountId);
    this.reauthenticate(a, password);
    if (a.tfa_enabled !== 1) throw badRequest("Two-factor authentication is off.", { reason: "two_factor_off" });
    return { recovery_code: this.newRecovery(a.id) };
  }

  removeMethod(p: Principal, method: string) {
    if (method === "email") throw forbidden("email_is_backup", "E-mail cannot be removed: it stays as the backup of every method.");
    if (method === "totp") this.db.prepare(`UPDATE accounts SET totp_secret = NULL WHERE id = ?`).run(p.accountId);
    else if (method === "sms") this.db.prepare(`UPDATE accounts SET sms_enabled = 0 WHERE id = ?`).run(p.accountId);
    else throw invalidValue("method");
    return this.twoFactorView(this.account(p.accountId));
  }

  setEnabled(p: Principal, enabled: boolean, password: string) {
    const a = this.account(p.accountId);
    this.reauthenticate(a, password);
    if (enabled && this.methodsOf(a).length === 0) throw badRequest("Enrol a method first.", { reason: "no_method" });
    this.db.prepare(`UPDATE accounts SET tfa_enabled = ? WHERE id = ?`).run(enabled ? 1 : 0, a.id);
    return this.twoFactorView(this.account(a.id));
  }
}

const MethodParam = z.enum(["totp", "sms", "email"]);

export function authRoutes(routes: Routes, auth: AuthService): void {
  const ok = (body: unknown, status = 200): Reply => ({ status, body });
  const method = (req: Req) => {
    const m = MethodParam.safeParse(req.params["method"]);
    if (!m.success) throw invalidValue("method");
    return m.data;
  };

  routes
    .add("POST", "/v1/accounts", (req) => ok(auth.accountView(auth.createAccount(parseBody(req, SignUp))), 201))
    .add("POST", "/v1/auth/sign-in", (req) => {
      const b = parseBody(req, z.object({ email: z.string().min(1).max(254), password: Password, device_token: z.string().max(200).optional(), device_name: z.string().max(120).optional() }));
      return ok(auth.signIn(b));
    })
    .add("POST", "/v1/auth/second-factor:send", (req) => {
      const b = parseBody(req, z.object({ challenge_id: z.string().min(1), method: z.enum(["sms", "email"]) }));
      return ok(auth.sendChallengeCode(b.challenge_id, b.method));
    })
    .add("POST", "/v1/auth/second-factor:verify", (req) => {
      const b = parseBody(
        req,
        z.object({
          challenge_id: z.string().min(1),
          method: z.enum(["totp", "sms", "email", "recovery"]),
          code: z.string().min(1).max(64),
          trust_device: z.boolean().optional(),
          device_name: z.string().max(120).optional(),
        }),
      );
      return ok(auth.verifyChallenge(b));
    })
    .add("POST", "/v1/auth/token", (req) => {
      const b = parseBody(req, z.object({ grant_type: z.literal("refresh_token"), refresh_token: z.string().min(1) }));
      return ok(auth.refresh(b.refresh_token));
    })
    .add("POST", "/v1/auth/sign-out", (req) => {
      auth.endSession(auth.authenticate(req).sessionId);
      return { status: 204 };
    })
    .add("GET", "/v1/me", (req) => ok(auth.accountView(auth.account(auth.authenticate(req).accountId))))
    .add("GET", "/v1/me/two-factor", (req) => ok(auth.twoFactorView(auth.account(auth.authenticate(req).accountId))))
    .add("PUT", "/v1/me/two-factor", (req) => {
      const p = auth.authenticate(req);
      const b = parseBody(req, z.object({ enabled: z.boolean(), password: Password }));
      return ok(auth.setEnabled(p, b.enabled, b.password));
    })
    .add("POST", "/v1/me/two-factor/recovery-code:regenerate", (req) => {
      const p = auth.authenticate(req);
      return ok(auth.regenerateRecovery(p, parseBody(req, z.object({ password: Password })).password));
    })
    .add("POST", "/v1/me/two-factor/{method}:enroll", (req) => {
      const p = auth.authenticate(req);
      const m = method(req);
      const b = parseBody(req, z.object({ password: Password, phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/).optional() }));
      return ok(auth.enroll(p, m, b));
    })
    .add("POST", "/v1/me/two-factor/{method}:confirm", (req) => {
      const p = auth.authenticate(req);
      const m = method(req);
      return ok(auth.confirm(p, m, parseBody(req, z.object({ code: z.string().min(1).max(16) })).code));
    })
    .add("DELETE", "/v1/me/two-factor/{method}", (req) => {
      const p = auth.authenticate(req);
      return ok(auth.removeMethod(p, req.params["method"]!));
    })
    .add("GET", "/v1/me/trusted-devices", (req) => {
      const p = auth.authenticate(req);
      const rows = auth.cx.db
        .prepare(`SELECT id, name, created_at, expires_at FROM trusted_devices WHERE account_id = ? AND forgotten_at IS NULL AND expires_at > ? ORDER BY created_at, rowid`)
        .all(p.accountId, auth.cx.now()) as { id: string; name: string | null; created_at: number; expires_at: number }[];
      const iso = (ms: number) => new Date(ms).toISOString();
      return ok({ items: rows.map((r) => ({ id: r.id, name: r.name, created_at: iso(r.created_at), expires_at: iso(r.expires_at) })) });
    })
    .add("DELETE", "/v1/me/trusted-devices/{device_id}", (req) => {
      const p = auth.authenticate(req);
      const r = auth.cx.db
        .prepare(`UPDATE trusted_devices SET forgotten_at = ? WHERE id = ? AND account_id = ? AND forgotten_at IS NULL`)
        .run(auth.cx.now(), req.params["device_id"], p.accountId);
      if (r.changes === 0) throw invalidValue("device_id");
      return { status: 204 };
    })
    .add("GET", "/v1/me/sessions", (req) => {
      const p = auth.authenticate(req);
      const rows = auth.cx.db
        .prepare(`SELECT id, device_name, created_at, last_used_at FROM sessions WHERE account_id = ? AND ended_at IS NULL ORDER BY created_at, rowid`)
        .all(p.accountId) as { id: string; device_name: string | null; created_at: number; last_used_at: number }[];
      const iso = (ms: number) => new Date(ms).toISOString();
      return ok({ items: rows.map((r) => ({ id: r.id, device_name: r.device_name, created_at: iso(r.created_at), last_used_at: iso(r.last_used_at), current: r.id === p.sessionId })) });
    })
    .add("DELETE", "/v1/me/sessions/{session_id}", (req) => {
      const p = auth.authenticate(req);
      const r = auth.cx.db.prepare(`UPDATE sessions SET ended_at = ? WHERE id = ? AND account_id = ? AND ended_at IS NULL`).run(auth.cx.now(), req.params["session_id"], p.accountId);
      if (r.changes === 0) throw invalidValue("session_id");
      return { status: 204 };
    })
    .add("POST", "/v1/me/sessions:end-all", (req) => {
      const p = auth.authenticate(req);
      auth.cx.db.prepare(`UPDATE sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL`).run(auth.cx.now(), p.accountId);
      return { status: 204 };
    });
}
