import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { searchKey, searchKeyByDefinition } from "../../../core/store/user-search-keys.ts";

const SEED = Number(process.env.FC_SEED ?? 20261125);

describe("searchKey", () => {
  it("folds case and accents and trims", () => {
    expect(searchKey("  Émile ")).toBe("emile");
    expect(searchKey("ÖZDEMİR")).toBe("ozdemir");
    expect(searchKey("Ana.López@Example.com")).toBe("ana.lopez@example.com");
    expect(searchKey("Ångström-Çelik")).toBe("angstrom-celik");
  });

  it("folds the Latin-1 characters whose decomposition is not a plain letter as the definition does", () => {
    // Compatibility forms, a spacing diaeresis (→ a space, trimmed at an edge), a no-break space, ß and µ.
    for (const text of ["½ Müller", "Zoë¨", "¨Zoë", "x\u00a0y\u00a0", "Straße", "µ-Kim", "ªº¹²³", "\u00ad-\u00ff-\u00d7"]) {
      expect(searchKey(text), JSON.stringify(text)).toBe(searchKeyByDefinition(text));
    }
    expect(searchKey("  ÀÉÎÕÜ Ñ ")).toBe("aeiou n");
  });

  it("gives the definition's key for every character of Latin-1 on its own and between letters", () => {
    for (let c = 0; c <= 0xff; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [ch, `A${ch}b`, ` ${ch}${ch} `]) expect(searchKey(text), `U+${c.toString(16)}`).toBe(searchKeyByDefinition(text));
    }
  });

  it("gives the definition's key for any text: ASCII, Latin-1, marks, other scripts, lone surrogates", () => {
    const chars = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.integer({ min: 0x300, max: 0x36f }), // combining marks
      fc.constantFrom(0x130, 0x131, 0x3a3, 0x3c2, 0x1e9e, 0x2000, 0x3000, 0xfb01, 0xff21, 0x4e2d, 0xd800, 0xdfff),
      fc.integer({ min: 0x100, max: 0xffff }),
    );
    const text = fc.array(chars, { maxLength: 24 }).map((cs) => String.fromCharCode(...cs));
    const names = fc.array(fc.constantFrom("Émile", "ZOË", "Özdemir", "Łukasz", "İlker", "ΣΊΣΥΦΟΣ", " ", "-", "Jürgen", "ﬁ"), { maxLength: 5 }).map((ps) => ps.join(""));
    fc.assert(
      fc.property(fc.oneof(text, names, fc.string({ unit: "binary", maxLength: 24 })), (s) => {
        expect(searchKey(s)).toBe(searchKeyByDefinition(s));
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });
});
