import { z } from "zod";
import type { Clock } from "../../core/ports/clock.ts";
import { seededRandom } from "../../core/ports/ids.ts";

/**
 * Injected faults (API.md §11) and the rate limiter (§10). Faults are decided per
 * request from counters first, then seeded probabilities, so a test that sets a seed
 * sees the same sequence of failures on every run.
 */

export const FaultSettings = z.object({
  seed: z.number().int().default(1),
  latency_ms: z.number().int().min(0).max(60_000).default(0),
  latency_jitter_ms: z.number().int().min(0).max(60_000).default(0),
  error_rate: z.number().min(0).max(1).default(0),
  error_count: z.number().int().min(0).default(0),
  error_status: z.union([z.literal(500), z.literal(502), z.literal(503)]).default(500),
  drop_rate: z.number().min(0).max(1).default(0),
  drop_count: z.number().int().min(0).default(0),
  lose_response_rate: z.number().min(0).max(1).default(0),
  lose_response_count: z.number().int().min(0).default(0),
  rate_limit_count: z.number().int().min(0).default(0),
  retry_after_seconds: z.number().int().min(1).max(3600).default(1),
  match: z.object({ method: z.string().toUpperCase().optional(), path_prefix: z.string().optional() }).default({}),
});
export type FaultSettings = z.output<typeof FaultSettings>;
export type FaultInput = z.input<typeof FaultSettings>;

export type FaultAction = "none" | "rate_limit" | "error" | "drop" | "lose_response";

export interface FaultDecision {
  readonly latencyMs: number;
  readonly action: FaultAction;
}

export class Faults {
  private settings: FaultSettings = FaultSettings.parse({});
  private random = seededRandom(1);
  private buffer: Uint8Array = new Uint8Array(0);
  private offset = 0;
  /** How many times each fault fired since the last `set` (tests read it). */
  readonly fired: Record<Exclude<FaultAction, "none">, number> = { rate_limit: 0, error: 0, drop: 0, lose_response: 0 };

  set(input: FaultInput): FaultSettings {
    this.settings = FaultSettings.parse(input);
    this.random = seededRandom(this.settings.seed);
    this.buffer = new Uint8Array(0);
    this.offset = 0;
    for (const k of Object.keys(this.fired) as (keyof typeof this.fired)[]) this.fired[k] = 0;
    return this.settings;
  }

  clear(): FaultSettings {
    return this.set({});
  }

  get(): FaultSettings & { fired: Record<Exclude<FaultAction, "none">, number> } {
    return { ...this.settings, fired: { ...this.fired } };
  }

  /** A uniform number in [0, 1) from the seeded generator. */
  private next(): number {
    if (this.offset + 4 > this.buffer.length) {
      this.buffer = this.random();
      this.offset = 0;
    }
    const b = this.buffer;
    const o = this.offset;
    this.offset += 4;
    const word = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    return word / 2 ** 32;
  }

  /** What happens to this request (only `/v1` requests are asked). */
  decide(method: string, path: string): FaultDecision {
    const s = this.settings;
    if (s.match.method !== undefined && s.match.method !== method) return { latencyMs: 0, action: "none" };
    if (s.match.path_prefix !== undefined && !path.startsWith(s.match.path_prefix)) return { latencyMs: 0, action: "none" };
    const latencyMs = s.latency_ms + (s.latency_jitter_ms > 0 ? Math.floor(this.next() * (s.latency_jitter_ms + 1)) : 0);
    const fire = (countKey: "rate_limit_count" | "error_count" | "drop_count" | "lose_response_count", rate: number): boolean => {
      if (s[countKey] > 0) {
        s[countKey]--;
        return true;
      }
      return rate > 0 && this.next() < rate;
    };
    let action: FaultAction = "none";
    if (fire("rate_limit_count", 0)) action = "rate_limit";
    else if (fire("error_count", s.error_rate)) action = "error";
    else if (fire("drop_count", s.drop_rate)) action = "drop";
    else if (fire("lose_response_count", s.lose_response_rate)) action = "lose_response";
    if (action !== "none") this.fired[action]++;
    return { latencyMs, action };
  }

  get retryAfterSeconds(): number {
    return this.settings.retry_after_seconds;
  }

  get errorStatus(): 500 | 502 | 503 {
    return this.settings.error_status;
  }
}

export interface RateLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze({ capacity: 600, refillPerSecond: 200 });

/** A token bucket per caller on the injected clock. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private limit: RateLimit = DEFAULT_RATE_LIMIT,
  ) {}

  configure(limit: RateLimit): void {
    this.limit = limit;
    this.buckets.clear();
  }

  get settings(): RateLimit {
    return this.limit;
  }

  /** Takes one token; when none is left, says how many whole seconds until one is. */
  take(key: string): { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number } {
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.limit.capacity, at: now };
    b.tokens = Math.min(this.limit.capacity, b.tokens + (Math.max(0, now - b.at) / 1000) * this.limit.refillPerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    const wait = this.limit.refillPerSecond > 0 ? (1 - b.tokens) / this.limit.refillPerSecond : 3600;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}
