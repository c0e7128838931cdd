import { describe, expect, it } from "vitest";
import type { LockKind } from "../../../core/domain/index.ts";
import { bomCsv, bomRows, csvField } from "../../../core/plans/bom.ts";
import type { MeshPlan } from "../../../core/topology/index.ts";

describe("bill of materials", () => {
  const plan: MeshPlan = {
    format: "lintel-plan/1",
    iqs: [{ id: "IQ1", floor: "F0", x: 0, y: 0 }],
    repeaters: [],
    locks: ["D1", "D2", "D3", "D4", "GONE"].map((door) => ({ door, parent: "IQ1" })),
    cost: 1,
  };
  const kinds = new Map<string, LockKind>([["D1", "wall-reader"], ["D2", "locker"], ["D3", "cylinder"], ["D4", "wall-reader"]]);

  it("counts IQs and repeaters always, lock kinds present, a controller per wall reader, and skips doors that are gone", () => {
    expect(bomRows(plan, kinds)).toEqual([
      { item: "IQ", kind: "iq", quantity: 1 },
      { item: "Repeater", kind: "repeater", quantity: 0 },
      { item: "Cylinder lock", kind: "cylinder", quantity: 1 },
      { item: "Wall reader", kind: "wall-reader", quantity: 2 },
      { item: "KS Controller", kind: "controller", quantity: 2 },
      { item: "Locker lock", kind: "locker", quantity: 1 },
    ]);
  });

  it("writes RFC 4180 CSV", () => {
    expect(csvField('Lock, "heavy"')).toBe('"Lock, ""heavy"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(3)).toBe("3");
    expect(bomCsv([{ item: "A, B", kind: "x", quantity: 2 }])).toBe('item,kind,quantity\r\n"A, B",x,2\r\n');
  });
});
