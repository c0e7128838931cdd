import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KsError } from "../../core/errors/index.ts";
import { compareKeys, matches, parseFilter, parseOrderBy, sortKeyOf } from "./odata.ts";

/** The OData subset (API.md §6) as a parser and evaluator, without HTTP. */

const FIELDS = new Set(["name", "level", "email", "active", "hardware", "tags"]);
const isField = (f: string) => FIELDS.has(f);
const doc = { id: "b", name: "O'Brien", level: 3, email: null, active: true, hardware: { kind: "cylinder" }, tags: ["a"] };
const test = (src: string, d: unknown = doc) => matches(parseFilter(src, isField), d);

function ksCodeOf(f: () => unknown): number | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof KsError) return e.ksCode;
    throw e;
  }
}

describe("$filter", () => {
  it.each([
    ["name eq 'O''Brien'", true],
    ["level gt 2 and level le 3", true],
    ["level lt 3 or not active eq true", false],
    ["not (level eq 3)", false],
    ["email eq null and name ne null", true],
    ["hardware/kind eq 'cylinder'", true],
    ["hardware/colour eq null", true],
    ["contains(name, 'Bri') and startswith(name, 'O') and endswith(name, 'en')", true],
    ["contains(level, '3')", false],
    ["level gt 'a'", false],
    ["tags eq tags", false],
    ["2 lt level", true],
    ["3 lt level", false],
    ["level eq -3.5e0 or level ge 3", true],
    ["(level eq 1 or level eq 3) and (active eq true)", true],
  ])("%s → %s", (src, expected) => {
    expect(test(src)).toBe(expected);
  });

  it("binds and tighter than or", () => {
    expect(test("level eq 1 and level eq 2 or level eq 3")).toBe(true);
    expect(test("level eq 3 or level eq 1 and level eq 2")).toBe(true);
    expect(test("(level eq 3 or level eq 1) and level eq 2")).toBe(false);
  });

  it.each([
    "",
    "level",
    "level eq",
    "level == 3",
    "Level eq 3",
    "level EQ 3",
    "size eq 3",
    "name eq 'x",
    "level eq 3)",
    "(level eq 3",
    "contains(name)",
    "contains(name, name)",
    "substringof('a', name)",
    "level gt null",
    "1 eq 1",
    "level eq 3 and",
    "level eq 3 xor active eq true",
    "name eq \"x\"",
    `${"(".repeat(40)}level eq 3${")".repeat(40)}`,
  ])("refuses %j with 1102", (src) => {
    expect(ksCodeOf(() => parseFilter(src, isField))).toBe(1102);
  });

  it("answers any string either with a filter or with 1102, never anything else", () => {
    const alphabet = fc.constantFrom("name", "level", " ", "eq", "gt", "and", "or", "not", "(", ")", "'", ",", "3", "-", "contains", "/", "null", "x");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join(" ")), (src) => {
        const code = ksCodeOf(() => test(src));
        expect(code === null || code === 1102).toBe(true);
      }),
      { seed: Number(process.env["FC_SEED"] ?? 20261125), numRuns: 500 },
    );
  });
});

describe("$orderby", () => {
  it("orders by keys, desc reversing, nulls first, ties by id", () => {
    const order = parseOrderBy("level desc, name", isField);
    const rows = [
      { id: "c", level: 1, name: "b" },
      { id: "a", level: 2, name: null },
      { id: "b", level: 1, name: "a" },
      { id: "d", level: 1, name: "a" },
    ];
    const sorted = [...rows].sort((x, y) => compareKeys(sortKeyOf(x, order), sortKeyOf(y, order), order));
    expect(sorted.map((r) => r.id)).toEqual(["a", "b", "d", "c"]);
  });

  it.each(["level sideways", "level,", "", "colour", "level desc desc"])("refuses %j with 1102", (src) => {
    expect(ksCodeOf(() => parseOrderBy(src, isField))).toBe(1102);
  });
});
