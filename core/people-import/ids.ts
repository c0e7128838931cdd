import type { IdSource } from "../ports/ids.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HALF = 2 ** 24;
/** Ids one import may take: the tail's top bit is cleared, so this many fit below its end. */
export const IMPORT_IDS = 2 ** 47;

/**
 * The ids of one import, all derived from one id of the injected source: that id with
 * the top bit of its 48-bit tail (the random end of a UUIDv7, RFC 9562 §6.2
 * "monotonic random") cleared, then counting up in the tail. They stay valid UUIDv7s
 * (version and variant untouched), unique (the source never gives two ids the same
 * time and counter, and 2^47 ids fit without a carry out of the tail), time-ordered,
 * and a seeded source still gives the same ids.
 *
 * Why one id per import: the ids are then a function of `first` and the position, so
 * the check worker (parallel.ts) and the writing thread make the same ids for the same
 * rows, and a UUIDv7 from the source (fresh randomness, formatting) cost about a
 * microsecond, an eighth of the import's whole budget for 200,000 ids.
 */
export function importIds(first: string): IdSource {
  if (!UUID.test(first)) throw new Error(`importIds: ${first} is not a UUID`);
  const head = first.slice(0, 24);
  // The tail as two 24-bit halves: small integers format fast, a 48-bit one does not.
  let hi = parseInt(first.slice(24, 30), 16) & (HALF / 2 - 1);
  let lo = parseInt(first.slice(30), 16);
  let top = head + hex6(hi);
  let used = 0;
  return {
    next() {
      if (used++ > 0 && ++lo === HALF) {
        lo = 0;
        top = head + hex6(++hi);
      }
      if (used > IMPORT_IDS) throw new Error("importIds: more ids than one import may take");
      // Joined, not concatenated: a flat string, which SQLite binds without flattening it first.
      return [top, hex6(lo)].join("");
    },
  };
}

/** Six hex digits of a 24-bit number. */
const hex6 = (n: number): string => (n + HALF).toString(16).slice(1);
