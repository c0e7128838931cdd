import { z } from "zod";
import { AppError, WireErrorSchema } from "../errors/index.ts";
import type { Clock } from "../ports/clock.ts";
import { parseRetryAfter } from "../sync/backoff.ts";
import { cloudErrors, ksErrorFrom, type CloudErrorDetails } from "./errors.ts";

/** The fetch this client calls: global fetch in the app, a wrapper (counting, faulty) in tests. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface KsHttpOptions {
  /** The cloud's origin, e.g. `https://clay.example` or `http://127.0.0.1:4100`. */
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly fetch?: FetchLike;
  /** A request with no answer after this long fails as a network error (default 30 s). */
  readonly timeoutMs?: number;
}

export interface KsRequest<T> {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the origin, e.g. `/v1/sites/…`; query parameters go in `query`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bearer?: string;
  readonly idempotencyKey?: string;
  /** How a 2xx body must look; `z.void()`-like schemas accept an empty 204. */
  readonly schema: z.ZodType<T>;
  readonly signal?: AbortSignal;
}

export interface KsResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/**
 * The KS cloud over HTTP, one request at a time: JSON in, JSON out, every answer
 * parsed with zod. A KS error body becomes a `KsError` with its code and status; the
 * cloud's other refusals an `AppError` with the cloud's code; no answer at all
 * `cloud.network`; 429 and 5xx carry the Retry-After the server asked for. It never
 * retries by itself: retrying is the caller's decision (the sync engine's backoff).
 */
export class KsHttp {
  private readonly fetchImpl: FetchLike;
  readonly baseUrl: string;

  constructor(private readonly options: KsHttpOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  async request<T>(req: KsRequest<T>): Promise<KsResponse<T>> {
    const url = new URL(this.baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (req.body !== undefined) headers["content-type"] = "application/json";
    if (req.bearer) headers["authorization"] = `Bearer ${req.bearer}`;
    if (req.idempotencyKey) headers["idempotency-key"] = req.idempotencyKey;
    const where: CloudErrorDetails = { method: req.method, path: req.path };

    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url.toString(), {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal,
      });
      text = await res.text();
    } catch (e) {
      if (req.signal?.aborted) throw cloudErrors.cancelled();
      const cause = timeout.aborted ? `no answer within ${this.options.timeoutMs ?? 30_000} ms` : describe(e);
      throw cloudErrors.network({ ...where, cause });
    }

    if (res.status >= 200 && res.status < 300) {
      let json: unknown = undefined;
      if (text.length > 0) {
        try {
          json = JSON.parse(text);
        } catch {
          throw cloudErrors.badResponse({ ...where, status: res.status, cause: "the body is not JSON" });
        }
      }
      const parsed = req.schema.safeParse(json);
      if (!parsed.success) throw cloudErrors.badResponse({ ...where, status: res.status, issues: parsed.error.issues });
      return { status: res.status, body: parsed.data, headers: res.headers };
    }
    throw this.errorOf(res, text, where);
  }

  /** A failed answer as the typed error a caller can act on. */
  private errorOf(res: Response, text: string, where: CloudErrorDetails): AppError {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), this.options.clock.now());
    const base: CloudErrorDetails = { ...where, status: res.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const known = errorFromWire(body, res.status, base);
    if (known?.code.startsWith("ks.")) return known;
    if (res.status === 429) return cloudErrors.rateLimited(base);
    if (res.status >= 500) return cloudErrors.unavailable({ ...base, ...(known ? { cause: known.message } : {}) });
    return known ?? cloudErrors.refused({ ...base, body: text.slice(0, 500) });
  }
}

/**
 * An error body in the wire format (`toWireError`) as a typed error: a `KsError` for a
 * code of the KS table, an `AppError` with the cloud's own code otherwise. The cloud's
 * details sit under `details.cloud`, next to the status. Undefined when the body is not
 * an error body at all.
 */
export function errorFromWire(body: unknown, status: number, base: CloudErrorDetails = {}): AppError | undefined {
  const wire = WireErrorSchema.safeParse(body);
  if (!wire.success) return undefined;
  const details = { ...base, status, ...(wire.data.details === undefined ? {} : { cloud: wire.data.details }) };
  if (wire.data.ksCode !== undefined) {
    const ks = ksErrorFrom(wire.data.ksCode, status, wire.data.message, details);
    if (ks) return ks;
  }
  return new AppError(wire.data.code, wire.data.message, details);
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
  }
  return String(e);
}

/** For 204 answers and bodies nobody reads. */
export const NoBody = z.unknown();
