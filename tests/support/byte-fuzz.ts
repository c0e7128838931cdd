/** mulberry32: small, seeded, deterministic — a fuzz run is the same every time. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One to four mutations of a valid frame: a flipped bit, an edge value (from
 * `edges`, the bytes this format cares about), truncation, trailing garbage, a
 * deleted byte or a duplicated run — what a radio or a cheap USB cable does.
 */
export function mutate(base: Uint8Array, rnd: () => number, edges: readonly number[]): Uint8Array {
  let b = base.slice();
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * Math.max(1, b.length));
    switch (Math.floor(rnd() * 6)) {
      case 0: // flip a bit
        if (b.length) b[at] = (b[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
        break;
      case 1: // set a byte to an edge value
        if (b.length) b[at] = edges[Math.floor(rnd() * edges.length)] ?? 0;
        break;
      case 2: // truncate
        b = b.slice(0, at);
        break;
      case 3: // append garbage
        b = Uint8Array.from([...b, ...Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256))]);
        break;
      case 4: // delete a byte
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
        break;
      default: // duplicate a run
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + 4), ...b.subarray(at)]);
    }
  }
  return b;
}

/**
 * Counts what a fuzz run's calls did: accepted, refused with the codec's own error
 * class (by code), or anything else ("foreign": the first five kept, the rest counted).
 */
export class FuzzTally {
  readonly codes = new Map<string, number>();
  readonly foreign: unknown[] = [];
  accepted = 0;
  calls = 0;

  constructor(private readonly typed: new (...args: never[]) => Error & { readonly code: string }) {}

  readonly run = (f: () => unknown): void => {
    this.calls++;
    try {
      f();
      this.accepted++;
    } catch (e) {
      if (e instanceof this.typed) this.codes.set(e.code, (this.codes.get(e.code) ?? 0) + 1);
      else if (this.foreign.length < 5) this.foreign.push(e);
      else this.foreign.length++;
    }
  };
}
