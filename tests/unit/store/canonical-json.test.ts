import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../core/store/canonical-json.ts";

describe("canonicalJson", () => {
  it("sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("gives equal documents equal text whatever the key order", () => {
    expect(canonicalJson({ x: 1, y: { a: true, b: "s" } })).toBe(canonicalJson({ y: { b: "s", a: true }, x: 1 }));
  });
});
