import { realScheduler } from "../ports/scheduler.ts";

/**
 * When to try again after a transient failure: exponential backoff with "equal jitter"
 * (half the step fixed, half random), capped, and never earlier than the server asked
 * for with Retry-After. Randomness and waiting are injected so tests are exact and fast.
 */

/** Waits `ms` (a real timer in the app, an instant or a manual clock in tests); rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A number in [0, 1); `Math.random` only at the composition root. */
export type Random01 = () => number;

export interface BackoffPolicy {
  /** First step, before jitter. */
  readonly baseMs: number;
  /** No step waits longer than this (Retry-After may still ask for more, up to `maxRetryAfterMs`). */
  readonly capMs: number;
  /** Attempts per request before the run pauses (the checkpoint keeps everything done so far). */
  readonly maxAttempts: number;
  /** A Retry-After longer than this is cut down to it: a misbehaving server cannot park us for hours. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 250, capMs: 30_000, maxAttempts: 8, maxRetryAfterMs: 120_000 });

/**
 * The wait before retry number `attempt` (1 = the first retry). `retryAfterMs` is the
 * server's wish, if it stated one.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: Random01, retryAfterMs?: number): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = step / 2 + (step / 2) * clamp01(random());
  const asked = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  return Math.round(Math.max(jittered, asked));
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}

/**
 * Reads an HTTP Retry-After value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date,
 * the latter relative to `nowMs`. Anything unreadable is ignored (undefined).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at) || !/[a-z]/i.test(v)) return undefined;
  return Math.max(0, at - nowMs);
}

/** A Sleep on real timers, for the composition root and tools (the scheduler port's real one). */
export const timerSleep: Sleep = (ms, signal) => realScheduler().sleep(ms, signal);
