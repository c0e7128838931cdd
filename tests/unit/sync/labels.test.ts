import { describe, expect, it } from "vitest";
import { labelOf } from "../../../core/sync/engine.ts";

describe("labelOf: how a change is named to the user (conflicts, set-aside changes)", () => {
  it("names people and pod guests by their names, tags by their number, the rest by their name", () => {
    expect(labelOf("user", { firstName: "Maren", lastName: "Claes" })).toBe("Maren Claes");
    expect(labelOf("podGuest", { firstName: "Ada", lastName: "Peeters" })).toBe("Pod guest Ada Peeters");
    expect(labelOf("tag", { number: "0A1B2C01" })).toBe("Tag 0A1B2C01");
    expect(labelOf("door", { name: "Room 101" })).toBe("Room 101");
  });

  it("gives nothing for a document it cannot name", () => {
    expect(labelOf("door", null)).toBeUndefined();
    expect(labelOf("door", { id: "x" })).toBeUndefined();
  });
});
