import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";
import { AppError, KsError, toWireError, type WireError } from "../../core/errors/index.ts";

/**
 * The emulator's small HTTP toolkit: a handler gets a parsed request and returns a
 * reply as a value (it never writes the socket), so the server can still decide to
 * lose that reply after the work committed (the `lose_response` fault).
 */

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-serialised when present; no body (e.g. 204) when undefined. */
  readonly body?: unknown;
}

export interface Req {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly params: Readonly<Record<string, string>>;
  readonly remote: string;
}

/** An error of the emulator that is not in the KS table, with the status it travels with. */
export class HttpError extends AppError {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    code: string,
    message: string,
    details?: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, details);
  }
}

/**
 * A refusal whose bookkeeping must still commit (a wrong code counts against the
 * sign-in; a reused refresh token ends its session): every request runs in one
 * transaction that a plain throw rolls back, and this one does not.
 */
export class KeepWrites extends Error {
  constructor(readonly error: unknown) {
    super("refusal with writes kept");
  }
}

/** Any thrown error as the reply the client sees: the wire format of core/errors. */
export function errorReply(e: unknown): Reply {
  if (e instanceof KsError) return { status: e.status, body: toWireError(e) };
  if (e instanceof HttpError) return { status: e.status, headers: e.headers, body: { ...toWireError(e), status: e.status } };
  if (e instanceof AppError) return { status: 400, body: { ...toWireError(e), status: 400 } };
  const internal = new KsError(2201, { details: { reason: e instanceof Error ? e.message : String(e) } });
  return { status: 500, body: toWireError(internal) };
}

/** The wire error of any thrown value (batch results carry these). */
export function wireOf(e: unknown): WireError & { readonly status: number } {
  const r = errorReply(e);
  return { ...(r.body as WireError), status: r.status };
}

/** KS 1101 "Value of '{parameterName}' is invalid." with the parameter named. */
export function invalidValue(parameter: string, details: Record<string, unknown> = {}): KsError {
  return new KsError(1101, { message: `Value of '${parameter}' is invalid.`, details: { parameter, ...details } });
}

/** KS 1100 with what was wrong. */
export function badRequest(message: string, details: Record<string, unknown> = {}): KsError {
  return new KsError(1100, { message, details });
}

export function unauthorized(reason: string, message = "Unauthorized request", extra: Record<string, unknown> = {}): KsError {
  return new KsError(1500, { message, details: { reason, ...extra } });
}

export function forbidden(reason: string, message: string, extra: Record<string, unknown> = {}): KsError {
  return new KsError(2203, { message, details: { reason, ...extra } });
}

/** camelCase → snake_case for one key. */
export const snakeKey = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** snake_case → camelCase for one key. */
export const camelKey = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function mapKeys(value: unknown, f: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, f));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[f(k)] = mapKeys(v, f);
    return out;
  }
  return value;
}

export const toSnake = (value: unknown): unknown => mapKeys(value, snakeKey);
export const toCamel = (value: unknown): unknown => mapKeys(value, camelKey);

/** Parses the JSON body (1100 when it is not JSON). */
export function jsonBody(req: Req): unknown {
  if (req.rawBody.trim() === "") return {};
  try {
    return JSON.parse(req.rawBody);
  } catch {
    throw badRequest("The request body is not JSON.");
  }
}

/** zod issues with snake_case paths, as the client wrote them. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "string" ? snakeKey(p) : String(p))).join("."), message: i.message }));
}

/** Parses a body with a zod schema of snake_case fields (1100 with the issues). */
export function parseBody<S extends z.ZodType>(req: Req, schema: S): z.output<S> {
  const parsed = schema.safeParse(jsonBody(req));
  if (!parsed.success) throw badRequest("The request received is invalid", { issues: issuesOf(parsed.error) });
  return parsed.data;
}

/** Handlers are synchronous: each request runs inside one SQLite transaction. */
export type Handler = (req: Req) => Reply;

interface Route {
  readonly method: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

/** Method + path patterns like `/v1/sites/{site_id}:release`; first match wins. */
export class Routes {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const source = pattern
      .split(/(\{[a-z_]+\})/)
      .map((part) => {
        const m = /^\{([a-z_]+)\}$/.exec(part);
        if (m) {
          names.push(m[1]!);
          return "([^/:]+)";
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("");
    this.routes.push({ method, regex: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** The handler and path params, or why not: no such path (404) or method (405). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | { status: 404 } | { status: 405; allow: string[] } {
    const allow: string[] = [];
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        allow.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]!);
      });
      return { handler: r.handler, params };
    }
    return allow.length > 0 ? { status: 405, allow: [...new Set(allow)] } : { status: 404 };
  }
}
