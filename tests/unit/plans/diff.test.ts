import { describe, expect, it } from "vitest";
import type { StoredPlan } from "../../../core/domain/index.ts";
import { diffPlans } from "../../../core/plans/diff.ts";
import type { MeshPlan } from "../../../core/topology/index.ts";

const PREVIOUS_ID = "019b76da-a800-74f0-81c7-00000000000c";

const stored = (plan: MeshPlan): StoredPlan => ({ id: PREVIOUS_ID, createdAt: "2026-11-25T09:00:00.000Z", label: "Automatic plan", source: "planner", plan, previousId: null });

const before: MeshPlan = {
  format: "lintel-plan/1",
  iqs: [{ id: "IQ1", floor: "F0", x: 1, y: 1 }],
  repeaters: [{ id: "R1", floor: "F0", x: 8, y: 1, parent: "IQ1" }],
  locks: [
    { door: "A", parent: "R1" },
    { door: "B", parent: "R1" },
  ],
  cost: 1.5,
};

describe("plan diff", () => {
  it("sees no change when only ids and centimetre noise differ", () => {
    const renumbered: MeshPlan = {
      ...before,
      iqs: [{ id: "IQ7", floor: "F0", x: 1.001, y: 0.999 }],
      repeaters: [{ id: "R9", floor: "F0", x: 8, y: 1, parent: "IQ7" }],
      locks: [
        { door: "A", parent: "R9" },
        { door: "B", parent: "R9" },
      ],
    };
    expect(diffPlans(stored(before), renumbered)).toEqual({
      previousId: PREVIOUS_ID,
      cost: { before: 1.5, after: 1.5 },
      iqs: { before: 1, after: 1 },
      repeaters: { before: 1, after: 1 },
      movedDoors: [],
      addedDevices: [],
      removedDevices: [],
    });
  });

  it("lists moved devices and the doors that now hang somewhere else; new doors did not move", () => {
    const after: MeshPlan = {
      format: "lintel-plan/1",
      iqs: [{ id: "IQ1", floor: "F0", x: 1, y: 1 }, { id: "IQ2", floor: "F0", x: 1, y: 1 }],
      repeaters: [{ id: "R1", floor: "F0", x: 6.123, y: 2, parent: "IQ1" }],
      locks: [
        { door: "A", parent: "R1" },
        { door: "B", parent: "IQ2" },
        { door: "C", parent: "IQ2" },
      ],
      cost: 2.5,
    };
    const diff = diffPlans(stored(before), after);
    expect(diff.addedDevices).toEqual([
      { kind: "iq", floor: "F0", x: 1, y: 1 },
      { kind: "repeater", floor: "F0", x: 6.12, y: 2 },
    ]);
    expect(diff.removedDevices).toEqual([{ kind: "repeater", floor: "F0", x: 8, y: 1 }]);
    expect(diff.movedDoors).toEqual(["A", "B"]);
    expect([diff.cost, diff.iqs, diff.repeaters]).toEqual([{ before: 1.5, after: 2.5 }, { before: 1, after: 2 }, { before: 1, after: 1 }]);
  });
});
