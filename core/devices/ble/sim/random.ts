/**
 * Seeded randomness for the simulator (packet loss, RSSI jitter, the simulated IQ's
 * PAKE nonces): mulberry32, so a run with the same seed is the same run. Not for
 * secrets — Lintel's own side of the PAKE uses node:crypto unless a test injects one.
 */
import type { RandomBytes } from "../session.ts";

export interface SimRandom {
  /** Uniform in [0, 1). */
  next(): number;
  bytes: RandomBytes;
}

export function simRandom(seed: number): SimRandom {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}

/** A stable 32-bit number from a string (FNV-1a), to derive per-IQ seeds from serials. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
