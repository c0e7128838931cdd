import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Email, Id } from "../../../core/domain/index.ts";
import { EMAIL_PATTERN } from "../../../core/people-import/check.ts";
import { blockIds, ID_BLOCK } from "../../../core/people-import/ids.ts";
import { jsonString } from "../../../core/people-import/write.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";

const seed = Number(process.env.FC_SEED ?? 20261125);

describe("ids of a bulk import", () => {
  it("are valid, unique, time-ordered UUIDv7s, one source id per block", () => {
    const clock = new ManualClock();
    let drawn = 0;
    const source = uuidv7Source(clock, seededRandom(4));
    const ids = blockIds({ next: () => (drawn++, source.next()) });
    const out: string[] = [];
    for (let i = 0; i < 3 * ID_BLOCK + 5; i++) {
      out.push(ids.next());
      if (i % 100 === 0) clock.advance(1);
    }
    expect(drawn).toBe(4);
    expect(new Set(out).size).toBe(out.length);
    expect([...out].sort()).toEqual(out);
    for (const id of out) {
      expect(Id.safeParse(id).success).toBe(true);
      expect(id[14]).toBe("7"); // version
      expect("89ab").toContain(id[19]!); // variant
    }
  });

  it("carry from the lower 24 bits into the upper, and never run past the 48-bit tail", () => {
    const starts = ["01890000-0000-7000-8000-000000fffffe", "01890000-0000-7000-8000-fffffffffffe", "01890000-0000-7000-8000-000000000000"];
    let n = 0;
    const ids = blockIds({ next: () => starts[n++]! }, 4);
    expect(Array.from({ length: 7 }, () => ids.next())).toEqual([
      "01890000-0000-7000-8000-000000fffffe",
      "01890000-0000-7000-8000-000000ffffff",
      "01890000-0000-7000-8000-000001000000",
      "01890000-0000-7000-8000-000001000001",
      "01890000-0000-7000-8000-fffffffffffe",
      "01890000-0000-7000-8000-ffffffffffff",
      "01890000-0000-7000-8000-000000000000", // the tail is used up: a new id from the source
    ]);
    // A source that does not give UUIDs is used one id per call.
    let k = 0;
    const plain = blockIds({ next: () => `id-${k++}` });
    expect([plain.next(), plain.next()]).toEqual(["id-0", "id-1"]);
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
