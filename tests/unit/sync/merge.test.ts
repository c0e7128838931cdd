import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COUPLED_FIELDS, mergeKey, threeWayMerge } from "../../../core/sync/merge.ts";

const base = { id: "u1", firstName: "Ann", lastName: "Peeters", phone: null, role: "user", address: { city: "Gent", zip: "9000" } };

describe("the three-way, field-level merge", () => {
  it("merges fields changed on different sides: ours and theirs both kept", () => {
    const local = { ...base, lastName: "Mine" };
    const remote = { ...base, phone: "+32 470 00 00 00" };
    expect(threeWayMerge(base, local, remote)).toEqual({ kind: "merged", doc: { ...base, lastName: "Mine", phone: "+32 470 00 00 00" } });
  });

  it("merges a field changed on both sides to the same value", () => {
    const local = { ...base, lastName: "Same", role: "site-admin" };
    const remote = { ...base, lastName: "Same" };
    expect(threeWayMerge(base, local, remote)).toEqual({ kind: "merged", doc: { ...base, lastName: "Same", role: "site-admin" } });
  });

  it("is a conflict only on fields changed on both sides to different values, and names only those", () => {
    const local = { ...base, lastName: "Mine", role: "site-admin" };
    const remote = { ...base, lastName: "Theirs", phone: "+32 470 00 00 00" };
    const m = threeWayMerge(base, local, remote);
    expect(m).toEqual({
      kind: "conflict",
      fields: ["lastName"],
      // Ours where we changed something, theirs elsewhere: against theirs it differs in our fields only.
      doc: { ...base, lastName: "Mine", role: "site-admin", phone: "+32 470 00 00 00" },
    });
  });

  it("compares a nested object whole per top-level field, by canonical JSON (key order does not matter)", () => {
    const reordered = { ...base, address: { zip: "9000", city: "Gent" } };
    expect(threeWayMerge(base, reordered, { ...base, lastName: "Theirs" })).toEqual({ kind: "merged", doc: { ...base, lastName: "Theirs" } });
    // Different keys of the same nested object changed on each side: the top-level field clashes.
    const local = { ...base, address: { city: "Brugge", zip: "9000" } };
    const remote = { ...base, address: { city: "Gent", zip: "9050" } };
    expect(threeWayMerge(base, local, remote)).toMatchObject({ kind: "conflict", fields: ["address"] });
  });

  it("takes a field removed on one side as a change (absent and null are the same)", () => {
    const { phone: _p, ...noPhone } = { ...base, phone: "+32" };
    const withPhone = { ...base, phone: "+32" };
    expect(threeWayMerge(withPhone, noPhone, { ...withPhone, lastName: "T" })).toEqual({ kind: "merged", doc: { ...noPhone, lastName: "T" } });
  });

  it("never merges a creation or a deletion", () => {
    expect(threeWayMerge(null, base, base)).toBeNull();
    expect(threeWayMerge(base, null, { ...base, lastName: "T" })).toBeNull();
    expect(threeWayMerge(base, { ...base, lastName: "M" }, null)).toBeNull();
    expect(threeWayMerge(base, [base], base)).toBeNull();
  });

  it("treats coupled fields as one: a tag blocked here while reassigned there is a conflict on them", () => {
    const tag = { id: "t1", number: "04A10001", state: "assigned", userId: "ua", guestId: null, podId: null, masterKey: false, assignedAt: "2026-03-01T08:00:00.000Z" };
    const blocked = { ...tag, state: "blocked" };
    const reassigned = { ...tag, userId: "ub", assignedAt: "2026-03-01T09:00:00.000Z" };
    // Field by field these are disjoint; as a holder they are not.
    expect(threeWayMerge(tag, blocked, reassigned)?.kind).toBe("merged");
    expect(threeWayMerge(tag, blocked, reassigned, COUPLED_FIELDS["tag"])).toMatchObject({ kind: "conflict", fields: ["assignedAt", "state", "userId"] });
    // Outside the group, the tag still merges field by field.
    expect(threeWayMerge(tag, blocked, { ...tag, masterKey: true }, COUPLED_FIELDS["tag"])).toEqual({ kind: "merged", doc: { ...blocked, masterKey: true } });
  });

  it("with one side unchanged, the merge is the other side (property)", () => {
    const value = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 }), fc.constantFrom("a", "b"), fc.record({ x: fc.integer({ min: 0, max: 2 }) }));
    const doc = fc.dictionary(fc.constantFrom("a", "b", "c", "d"), value);
    fc.assert(
      fc.property(doc, doc, (b, other) => {
        const norm = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== null && v !== undefined));
        const a = threeWayMerge(b, b, other);
        const z = threeWayMerge(b, other, b);
        expect(a?.kind).toBe("merged");
        expect(z?.kind).toBe("merged");
        expect(norm(a!.doc)).toEqual(norm(other));
        expect(norm(z!.doc)).toEqual(norm(other));
      }),
      { seed: Number(process.env.FC_SEED ?? 20261125), numRuns: 200 },
    );
  });

  it("derives the re-send key from the original key and the cloud's version, deterministically", () => {
    expect(mergeKey("lintel:s:r:5-9", 4)).toBe("lintel:s:r:5-9~v4");
    expect(mergeKey("lintel:s:r:5-9", 4)).toBe(mergeKey("lintel:s:r:5-9", 4));
    expect(mergeKey("lintel:s:r:5-9", 5)).not.toBe(mergeKey("lintel:s:r:5-9", 4));
  });
});
