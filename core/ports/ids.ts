import { v7 } from "uuid";
import type { Clock } from "./clock.ts";

/** Ids are injected like time: production gets UUIDv7, tests get a seeded sequence. */
export interface IdSource {
  next(): string;
}

/** Fills 16 bytes; Node's crypto in production, a seeded generator in tests. */
export type RandomBytes = () => Uint8Array;

/**
 * Time-ordered UUIDv7 (RFC 9562) from an injected clock and randomness. Ids made in
 * the same millisecond stay strictly increasing through the 31-bit counter, so rows
 * append to the end of SQLite's B-tree instead of splitting pages at random.
 */
export function uuidv7Source(clock: Clock, random: RandomBytes): IdSource {
  let lastMs = -1;
  let seq = 0;
  return {
    next() {
      const rnds = random();
      let ms = clock.now();
      if (ms > lastMs) {
        seq = ((rnds[6]! & 0x7f) << 24) | (rnds[7]! << 16) | (rnds[8]! << 8) | rnds[9]!;
        lastMs = ms;
      } else {
        ms = lastMs; // a clock that steps back must not reorder ids
        seq = (seq + 1) | 0;
        if (seq === 0) lastMs = ms = lastMs + 1;
      }
      return v7({ msecs: ms, seq, random: rnds });
    },
  };
}

/** A deterministic generator (xorshift128+) for tests and simulators. Not for secrets. */
export function seededRandom(seed: number): RandomBytes {
  let s0 = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let s1 = (seed * 2654435761) >>> 0 || 2;
  return () => {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      let x = s0;
      const y = s1;
      s0 = y;
      x ^= x << 23;
      x ^= x >>> 17;
      x ^= y ^ (y >>> 26);
      s1 = x >>> 0;
      out[i] = (s0 + s1) & 0xff;
    }
    return out;
  };
}
