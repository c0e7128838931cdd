import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter } from "../../../core/sync/backoff.ts";

const policy = { baseMs: 100, capMs: 2000, maxAttempts: 8, maxRetryAfterMs: 60_000 };

describe("backoff", () => {
  it("doubles each attempt with half of the step jittered, up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(policy, a, () => 0))).toEqual([50, 100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(policy, a, () => 0.999999))).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(300);
  });

  it("waits at least what the server asked for, but not without bound", () => {
    expect(backoffDelay(policy, 1, () => 0, 3000)).toBe(3000);
    expect(backoffDelay(policy, 5, () => 1, 100)).toBe(1600);
    expect(backoffDelay(policy, 1, () => 0, 10 * 60_000)).toBe(60_000);
  });

  it("treats a broken random source as no jitter", () => {
    expect(backoffDelay(policy, 2, () => Number.NaN)).toBe(100);
    expect(backoffDelay(policy, 2, () => 7)).toBe(200);
  });

  it("reads Retry-After as seconds or an HTTP date, and ignores anything else", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 12:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("has defaults that give up within minutes, not hours", () => {
    let total = 0;
    for (let a = 1; a < DEFAULT_BACKOFF.maxAttempts; a++) total += backoffDelay(DEFAULT_BACKOFF, a, () => 1);
    expect(total).toBeLessThan(5 * 60_000);
    expect(total).toBeGreaterThan(10_000);
  });
});
