import { z } from "zod";
import { Email } from "../../core/domain/index.ts";
import { ManualClock } from "../../core/ports/clock.ts";
import { totpFor, type AuthService } from "./auth.ts";
import { ChangeSchema, type ContentStore } from "./content.ts";
import type { CloudContext } from "./context.ts";
import { FaultSettings, type Faults, type RateLimiter } from "./faults.ts";
import { lastFeedSeq } from "./feed.ts";
import { badRequest, invalidValue, issuesOf, jsonBody, parseBody, type Routes } from "./http-kit.ts";

/**
 * `/_emulator/*` (API.md §11): what tests need that the vendor's cloud has no door
 * for — read the outbox, inject faults, move the clock, seed accounts, subscriptions,
 * factory hardware and changes made "in the cloud". Never faulted, never limited.
 */

export const SeedAccount = z.object({
  email: Email,
  password: z.string().min(8).max(200),
  first_name: z.string().trim().min(1).max(120).default("Demo"),
  last_name: z.string().trim().min(1).max(120).default("Account"),
  phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/).nullable().optional(),
  totp: z.boolean().optional(),
  totp_secret: z.string().regex(/^[A-Z2-7]{16,64}$/).optional(),
});

export function seedAccount(auth: AuthService, input: z.input<typeof SeedAccount>) {
  const b = SeedAccount.parse(input);
  const account = auth.createAccount({ email: b.email, password: b.password, first_name: b.first_name, last_name: b.last_name, phone: b.phone ?? null });
  let secret: string | null = null;
  if (b.totp || b.totp_secret) secret = auth.enableTotp(account.id, b.totp_secret);
  return {
    account: auth.accountView(auth.account(account.id)),
    totp_secret: secret,
    otpauth_url: secret === null ? null : totpFor(account.email, secret).toString(),
  };
}

export function grantSubscription(cx: CloudContext, auth: AuthService, input: { email: string; plan?: string | undefined; valid_until: string }) {
  const a = auth.accountByEmail(input.email);
  if (!a) throw invalidValue("email");
  const id = cx.newId();
  const validUntil = new Date(input.valid_until).toISOString();
  cx.db.prepare(`INSERT INTO subscriptions (id, account_id, plan, valid_until) VALUES (?, ?, ?, ?)`).run(id, a.id, input.plan ?? "KS Pro", validUntil);
  return { id, plan: input.plan ?? "KS Pro", valid_until: validUntil, site_id: null };
}

export function registerHardware(cx: CloudContext, input: { serial: string; activation_code: string; model?: string | undefined }) {
  cx.db
    .prepare(`INSERT INTO hardware (serial, activation_code, model) VALUES (?, ?, ?) ON CONFLICT (serial) DO UPDATE SET activation_code = excluded.activation_code, model = excluded.model`)
    .run(input.serial, input.activation_code, input.model ?? "IQ 2.0");
  return { serial: input.serial, model: input.model ?? "IQ 2.0" };
}

const CloudChanges = z.object({ changes: z.array(ChangeSchema.omit({ idempotency_key: true })).min(1).max(1000) });

/** Applies changes as the cloud itself (origin `cloud`): rules hold, subscriptions are not asked. */
export function cloudChanges(cx: CloudContext, content: ContentStore, siteId: string, changes: readonly z.input<typeof CloudChanges>["changes"][number][]) {
  if (!cx.db.prepare(`SELECT 1 FROM sites WHERE id = ?`).get(siteId)) throw invalidValue("site_id", { id: siteId });
  const keyed = changes.map((c, i) => ({ ...c, idempotency_key: `cloud:${cx.newId()}:${i}` }));
  const results = content.batch(siteId, keyed, { origin: "cloud", role: "owner" }, false);
  return results.map(({ idempotency_key: _k, ...r }) => r);
}

export interface EmulatorDeps {
  readonly cx: CloudContext;
  readonly auth: AuthService;
  readonly content: ContentStore;
  readonly faults: Faults;
  readonly limiter: RateLimiter;
}

export function emulatorRoutes(routes: Routes, d: EmulatorDeps): void {
  const { cx, auth, content, faults, limiter } = d;
  routes
    .add("GET", "/_emulator/outbox", (req) => {
      const to = req.query.get("to");
      const channel = req.query.get("channel");
      return { status: 200, body: { items: cx.outbox({ ...(to === null ? {} : { to }), ...(channel === null ? {} : { channel }) }) } };
    })
    .add("DELETE", "/_emulator/outbox", () => {
      cx.db.prepare(`DELETE FROM outbox`).run();
      return { status: 204 };
    })
    .add("GET", "/_emulator/faults", () => ({ status: 200, body: faults.get() }))
    .add("POST", "/_emulator/faults", (req) => {
      const parsed = FaultSettings.safeParse(jsonBody(req));
      if (!parsed.success) throw badRequest("The fault settings are invalid", { issues: issuesOf(parsed.error) });
      faults.set(parsed.data);
      return { status: 200, body: faults.get() };
    })
    .add("DELETE", "/_emulator/faults", () => {
      faults.clear();
      return { status: 200, body: faults.get() };
    })
    .add("POST", "/_emulator/rate-limit", (req) => {
      const b = parseBody(req, z.object({ capacity: z.number().int().min(1).max(1_000_000), refill_per_second: z.number().min(0).max(1_000_000) }));
      limiter.configure({ capacity: b.capacity, refillPerSecond: b.refill_per_second });
      return { status: 200, body: { capacity: b.capacity, refill_per_second: b.refill_per_second } };
    })
    .add("POST", "/_emulator/clock", (req) => {
      if (!(cx.clock instanceof ManualClock)) throw badRequest("The emulator runs on the system clock; start it with a ManualClock to move time.", { reason: "clock" });
      const b = parseBody(req, z.object({ advance_ms: z.number().int().min(0) }));
      cx.clock.advance(b.advance_ms);
      return { status: 200, body: { now: cx.iso() } };
    })
    .add("POST", "/_emulator/accounts", (req) => ({ status: 201, body: seedAccount(auth, parseBody(req, SeedAccount)) }))
    .add("POST", "/_emulator/subscriptions", (req) => {
      const b = parseBody(req, z.object({ email: Email, plan: z.string().min(1).max(60).optional(), valid_until: z.iso.datetime() }));
      return { status: 201, body: grantSubscription(cx, auth, b) };
    })
    .add("POST", "/_emulator/hardware", (req) => {
      const b = parseBody(req, z.object({ serial: z.string().min(4).max(32), activation_code: z.string().min(1).max(64), model: z.string().max(20).optional() }));
      return { status: 201, body: registerHardware(cx, b) };
    })
    .add("POST", "/_emulator/sites/{site_id}/changes", (req) => {
      const b = parseBody(req, CloudChanges);
      return { status: 200, body: { results: cloudChanges(cx, content, req.params["site_id"]!, b.changes) } };
    })
    .add("GET", "/_emulator/sites/{site_id}/stats", (req) => {
      const siteId = req.params["site_id"]!;
      const keys = cx.db.prepare(`SELECT COUNT(*) AS n FROM change_keys WHERE site_id = ?`).get(siteId) as { n: number };
      return { status: 200, body: { counts: content.counts(siteId), feed_seq: lastFeedSeq(cx.db, siteId), keys: keys.n } };
    });
}
