import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { KsError } from "../../core/errors/index.ts";
import { systemClock, type Clock } from "../../core/ports/clock.ts";
import { AuthService, authRoutes } from "./auth.ts";
import { contentRoutes } from "./content-routes.ts";
import { ContentStore, type WireChange } from "./content.ts";
import { CloudContext, DEFAULT_SETTINGS, metaValue, sha256, type CloudSettings, type OutboxMessage } from "./context.ts";
import { openCloudDb, type CloudDb } from "./db.ts";
import { seedDemo, type DemoInfo } from "./demo.ts";
import { cloudChanges, emulatorRoutes, grantSubscription, registerHardware, seedAccount } from "./emulator.ts";
import { DEFAULT_RATE_LIMIT, Faults, RateLimiter, type FaultInput, type RateLimit } from "./faults.ts";
import { badRequest, errorReply, HttpError, KeepWrites, Routes, type Reply, type Req } from "./http-kit.ts";
import { SiteService, siteRoutes } from "./sites.ts";

/**
 * The KS cloud emulator's HTTP server (API.md). `startCloud({ port: 0 })` in tests,
 * `npm run cloud` (main.ts) for people. Each request runs in one SQLite transaction,
 * together with its idempotency record; faults are applied around it, so "commit,
 * then lose the response" means exactly that.
 */

export interface CloudOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** One SQLite file; in memory when omitted. */
  readonly dbPath?: string;
  /** Tokens, codes, trusted devices, subscriptions and the rate limiter read this clock. */
  readonly clock?: Clock;
  readonly faults?: FaultInput;
  readonly rateLimit?: RateLimit;
  readonly settings?: Partial<CloudSettings>;
  /** Seed the demo accounts of demo.ts. */
  readonly demo?: boolean;
}

export interface RunningCloud {
  readonly url: string;
  readonly port: number;
  readonly clock: Clock;
  readonly db: CloudDb;
  readonly faults: Faults;
  readonly demo: DemoInfo | null;
  outbox(filter?: { readonly to?: string; readonly channel?: "sms" | "email" }): OutboxMessage[];
  setFaults(input: FaultInput): void;
  clearFaults(): void;
  setRateLimit(limit: RateLimit): void;
  createAccount(input: Parameters<typeof seedAccount>[1]): ReturnType<typeof seedAccount>;
  grantSubscription(input: { email: string; plan?: string; valid_until: string }): ReturnType<typeof grantSubscription>;
  registerHardware(input: { serial: string; activation_code: string; model?: string }): void;
  /** Changes made "in the cloud" meanwhile (origin `cloud` in the feed). */
  cloudChanges(siteId: string, changes: readonly Omit<WireChange, "idempotency_key">[]): Record<string, unknown>[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MUTATING = new Set(["POST", "PUT", "DELETE", "PATCH"]);

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => ok(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...reply.headers });
    res.end();
    return;
  }
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(Buffer.byteLength(body)), ...reply.headers });
  res.end(body);
}

const isSuccess = (status: number) => status >= 200 && status < 300;

export async function startCloud(options: CloudOptions = {}): Promise<RunningCloud> {
  const db = openCloudDb(options.dbPath);
  const clock = options.clock ?? systemClock;
  const secret = metaValue(db, "token_secret", () => randomBytes(32).toString("hex"));
  const cx = new CloudContext(db, clock, { ...DEFAULT_SETTINGS, ...options.settings }, secret);
  const auth = new AuthService(cx);
  const content = new ContentStore(cx);
  const sites = new SiteService(cx, auth, content);
  const faults = new Faults();
  if (options.faults) faults.set(options.faults);
  const limiter = new RateLimiter(clock, options.rateLimit ?? DEFAULT_RATE_LIMIT);

  const api = new Routes();
  authRoutes(api, auth);
  siteRoutes(api, auth, sites);
  contentRoutes(api, auth, sites, content);
  const control = new Routes();
  emulatorRoutes(control, { cx, auth, content, faults, limiter });

  const demo = options.demo ? db.transaction(() => seedDemo(cx, auth))() : null;

  /** The account behind a bearer token, if it is a live one (no side effects). */
  const bearerAccount = (r: Req): string | null => {
    const m = typeof r.headers.authorization === "string" ? /^Bearer\s+(\S+)$/i.exec(r.headers.authorization) : null;
    if (!m) return null;
    try {
      return auth.principalOf(m[1]!, false).accountId;
    } catch {
      return null;
    }
  };

  /** Runs a request in one transaction with its idempotency record (API.md §7.1). */
  function execute(routes: Routes, r: Req, idempotent: boolean): Reply {
    const found = routes.match(r.method, r.path);
    if ("status" in found) {
      if (found.status === 405) return errorReply(new HttpError(405, "http.method_not_allowed", `${r.method} is not allowed here.`, { allow: found.allow }, { Allow: found.allow.join(", ") }));
      return errorReply(new HttpError(404, "http.not_found", `No route ${r.method} ${r.path}.`));
    }
    const rawKey = r.headers["idempotency-key"];
    const key = idempotent && MUTATING.has(r.method) && typeof rawKey === "string" ? rawKey : null;
    if (key !== null && (key.length < 1 || key.length > 200)) return errorReply(badRequest("Idempotency-Key must be 1 to 200 characters.", { reason: "idempotency_key" }));
    const principal = key === null ? "" : (bearerAccount(r) ?? "anon");
    const fingerprint = key === null ? "" : sha256(`${r.method} ${r.path}?${r.query.toString()}\n${r.rawBody}`);
    const run = db.transaction((): Reply => {
      if (key !== null) {
        const seen = db.prepare(`SELECT fingerprint, status, headers, body FROM request_keys WHERE principal = ? AND key = ?`).get(principal, key) as
          | { fingerprint: string; status: number; headers: string; body: string }
          | undefined;
        if (seen) {
          if (seen.fingerprint !== fingerprint) return errorReply(badRequest("This Idempotency-Key was used for a different request.", { reason: "idempotency_key_reused" }));
          const body = seen.body === "" ? undefined : (JSON.parse(seen.body) as unknown);
          return { status: seen.status, headers: { ...(JSON.parse(seen.headers) as Record<string, string>), "Idempotent-Replayed": "true" }, ...(body === undefined ? {} : { body }) };
        }
      }
      let reply: Reply;
      try {
        reply = found.handler({ ...r, params: found.params });
      } catch (e) {
        if (e instanceof KeepWrites) return errorReply(e.error);
        throw e;
      }
      if (key !== null && isSuccess(reply.status)) {
        db.prepare(`INSERT INTO request_keys (principal, key, fingerprint, status, headers, body) VALUES (?, ?, ?, ?, ?, ?)`).run(
          principal,
          key,
          fingerprint,
          reply.status,
          JSON.stringify(reply.headers ?? {}),
          reply.body === undefined ? "" : JSON.stringify(reply.body),
        );
      }
      return reply;
    });
    try {
      return run();
    } catch (e) {
      return errorReply(e);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const raw = await readBody(req);
    const r: Req = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody: raw ?? "",
      params: {},
      remote: req.socket.remoteAddress ?? "unknown",
    };
    if (raw === null) {
      send(res, { ...errorReply(badRequest(`The body is larger than ${MAX_BODY_BYTES} bytes.`, { reason: "body_too_big" })), headers: { Connection: "close" } });
      return;
    }
    if (r.path.startsWith("/_emulator/")) {
      send(res, execute(control, r, false));
      return;
    }
    const decision = r.path.startsWith("/v1/") ? faults.decide(r.method, r.path) : { latencyMs: 0, action: "none" as const };
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    switch (decision.action) {
      case "drop":
        req.socket.destroy();
        return;
      case "rate_limit": {
        const s = faults.retryAfterSeconds;
        send(res, errorReply(new HttpError(429, "rate_limited", "Too many requests.", { retry_after_seconds: s }, { "Retry-After": String(s) })));
        return;
      }
      case "error": {
        const status = faults.errorStatus;
        send(res, errorReply(status === 500 ? new KsError(2201, { details: { reason: "injected" } }) : new HttpError(status, "fault.injected", "The service is unavailable (injected fault).")));
        return;
      }
      default:
        break;
    }
    const limited = limiter.take(bearerAccount(r) ?? `addr:${r.remote}`);
    if (!limited.ok) {
      send(res, errorReply(new HttpError(429, "rate_limited", "Too many requests.", { retry_after_seconds: limited.retryAfterSeconds }, { "Retry-After": String(limited.retryAfterSeconds) })));
      return;
    }
    const reply = execute(api, r, true);
    if (decision.action === "lose_response") {
      // Committed above; the client never hears of it.
      req.socket.destroy();
      return;
    }
    send(res, reply);
  }

  const server: Server = createServer((req, res) => {
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, errorReply(e));
      else res.destroy();
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";
  const inTx = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => db.transaction(() => f(...a))();

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    clock,
    db,
    faults,
    demo,
    outbox: (filter = {}) => cx.outbox(filter),
    setFaults: (input) => void faults.set(input),
    clearFaults: () => void faults.clear(),
    setRateLimit: (limit) => limiter.configure(limit),
    createAccount: inTx((input) => seedAccount(auth, input)),
    grantSubscription: inTx((input) => grantSubscription(cx, auth, input)),
    registerHardware: inTx((input) => void registerHardware(cx, input)),
    cloudChanges: inTx((siteId, changes) => cloudChanges(cx, content, siteId, changes)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      db.close();
    },
  };
}
