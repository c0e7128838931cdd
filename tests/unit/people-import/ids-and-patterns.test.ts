import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Email, Id } from "../../../core/domain/index.ts";
import { EMAIL_PATTERN } from "../../../core/people-import/check.ts";
import { IMPORT_IDS, importIds } from "../../../core/people-import/ids.ts";
import { jsonString } from "../../../core/people-import/write.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";

const seed = Number(process.env.FC_SEED ?? 20261125);

describe("ids of a bulk import", () => {
  it("are valid, unique, time-ordered UUIDv7s, all from one source id", () => {
    const clock = new ManualClock();
    const source = uuidv7Source(clock, seededRandom(4));
    const first = source.next();
    const ids = importIds(first);
    const out = Array.from({ length: 70_000 }, () => ids.next());
    expect(new Set(out).size).toBe(out.length);
    expect([...out].sort()).toEqual(out);
    for (const id of [...out.slice(0, 300), ...out.slice(-300)]) {
      expect(Id.safeParse(id).success).toBe(true);
      expect(id[14]).toBe("7"); // version
      expect("89ab").toContain(id[19]!); // variant
    }
    // All of them before the source's next id, even in the same millisecond.
    expect(source.next() > out.at(-1)!).toBe(true);
    // The same first id gives the same ids: the worker and the writer agree.
    const again = importIds(first);
    expect(Array.from({ length: 1000 }, () => again.next())).toEqual(out.slice(0, 1000));
  });

  it("clear the tail's top bit, so 2^47 ids fit, and carry from the lower 24 bits into the upper", () => {
    expect(IMPORT_IDS).toBe(2 ** 47);
    const ids = importIds("01890000-0000-7000-8000-fffffffffffe");
    expect(Array.from({ length: 4 }, () => ids.next())).toEqual([
      "01890000-0000-7000-8000-7ffffffffffe",
      "01890000-0000-7000-8000-7fffffffffff",
      "01890000-0000-7000-8000-800000000000", // still inside the 48-bit tail: 2^47 more would fit
      "01890000-0000-7000-8000-800000000001",
    ]);
    const low = importIds("01890000-0000-7000-8000-000000fffffe");
    expect(Array.from({ length: 3 }, () => low.next())).toEqual(["01890000-0000-7000-8000-000000fffffe", "01890000-0000-7000-8000-000000ffffff", "01890000-0000-7000-8000-000001000000"]);
    expect(() => importIds("id-0")).toThrow(/not a UUID/);
  });
});

describe("the e-mail pattern the row checks run directly", () => {
  it("agrees with the domain's Email schema", () => {
    const local = fc.stringMatching(/^[A-Za-z0-9_'+.\-"@ ]{0,12}$/);
    const domain = fc.stringMatching(/^[A-Za-z0-9.\-_ ]{0,12}$/);
    const candidates = fc.oneof(fc.emailAddress(), fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(candidates, (s) => {
        if (s.length > 254) return;
        expect(EMAIL_PATTERN.test(s)).toBe(Email.safeParse(s).success);
      }),
      { seed, numRuns: 3000 },
    );
  });
});

describe("the JSON of a document's strings", () => {
  it("is JSON.stringify's for any text: quotes, backslashes, control characters, surrogates alone and in pairs", () => {
    const unit = fc.oneof(fc.constantFrom('"', "\\", "\n", "\u0000", "\u001f", "\u007f", "\u2028", "\ud800", "\udfff", "😀", "é"), fc.string({ unit: "binary", maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }), (parts) => {
        const s = parts.join("");
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { seed, numRuns: 3000 },
    );
    expect(jsonString("O'Brien-Émile")).toBe(`"O'Brien-Émile"`);
  });
});
