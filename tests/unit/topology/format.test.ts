import { describe, expect, it } from "vitest";
import { MeshPlan, SiteSurvey } from "../../../core/topology/format.ts";

const floor = { id: "F0", level: 0, widthM: 80, depthM: 40 };
const minimal = { format: "lintel-site/1", floors: [floor], doors: [{ id: "D001", floor: "F0", x: 12.5, y: 3 }] };

/** The issues of a refused input as (JSON path, message) pairs. */
function issues(input: unknown): { path: string; message: string }[] {
  const r = SiteSurvey.safeParse(input);
  if (r.success) throw new Error("expected the survey to be refused");
  return r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

describe("lintel-site/1", () => {
  it("applies the defaults for everything optional", () => {
    const site = SiteSurvey.parse(minimal);
    expect(site.name).toBe("");
    expect(site.radio).toEqual({ hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 });
    expect(site.cost).toEqual({ iq: 1, repeater: 0.5 });
    expect(site.iqSites).toEqual([]);
    expect(site.doors[0]!.kind).toBe("escutcheon");
  });

  it("fills what a partial radio or cost object leaves out", () => {
    const site = SiteSurvey.parse({ ...minimal, radio: { hopRangeM: 12 }, cost: { repeater: 0.25 } });
    expect(site.radio).toEqual({ hopRangeM: 12, floorHeightM: 3.5, floorPenaltyM: 6 });
    expect(site.cost).toEqual({ iq: 1, repeater: 0.25 });
    expect(SiteSurvey.parse({ ...minimal, radio: {}, cost: {} }).radio).toEqual({ hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 });
  });

  it("keeps what was given: kinds, negative levels, IQ sites", () => {
    const site = SiteSurvey.parse({
      ...minimal,
      name: "Hotel Aurora",
      floors: [floor, { id: "B1", level: -1, widthM: 20, depthM: 20 }],
      doors: [{ id: "D001", floor: "B1", x: 0, y: 0, kind: "locker" }],
      iqSites: [{ id: "C1", floor: "F0", x: 1, y: 1 }],
    });
    expect(site.floors[1]!.level).toBe(-1);
    expect(site.doors[0]!.kind).toBe("locker");
    expect(site.iqSites).toEqual([{ id: "C1", floor: "F0", x: 1, y: 1 }]);
  });

  it("ignores fields it does not know, at every level", () => {
    const site = SiteSurvey.parse({
      ...minimal,
      vendor: "x",
      radio: { hopRangeM: 10, antenna: "omni" },
      floors: [{ ...floor, colour: "blue" }],
      doors: [{ id: "D001", floor: "F0", x: 1, y: 2, note: "fire door" }],
    });
    expect(site).not.toHaveProperty("vendor");
    expect(site.radio).not.toHaveProperty("antenna");
    expect(site.floors[0]).not.toHaveProperty("colour");
    expect(site.doors[0]).not.toHaveProperty("note");
  });

  it("refuses duplicate ids with their paths", () => {
    expect(issues({ ...minimal, floors: [floor, { ...floor }] })).toContainEqual({ path: "floors.1.id", message: "floor id F0 is used twice" });
    expect(issues({ ...minimal, doors: [minimal.doors[0], { id: "D001", floor: "F0", x: 1, y: 1 }] })).toEqual([
      { path: "doors.1.id", message: "door id D001 is used twice" },
    ]);
    const sites = [{ id: "C1", floor: "F0", x: 1, y: 1 }, { id: "C1", floor: "F0", x: 2, y: 2 }];
    expect(issues({ ...minimal, iqSites: sites })).toEqual([{ path: "iqSites.1.id", message: "IQ site id C1 is used twice" }]);
  });

  it("refuses doors and IQ sites on unknown floors, with their paths", () => {
    expect(issues({ ...minimal, doors: [{ id: "D001", floor: "F9", x: 1, y: 1 }], iqSites: [{ id: "C1", floor: "F8", x: 1, y: 1 }] })).toEqual([
      { path: "doors.0.floor", message: "floor F9 does not exist" },
      { path: "iqSites.0.floor", message: "floor F8 does not exist" },
    ]);
  });

  it("refuses a wrong format tag, no floors, non-integer levels, unknown kinds", () => {
    expect(issues({ ...minimal, format: "lintel-site/2" })[0]!.path).toBe("format");
    expect(issues({ ...minimal, floors: [] })[0]!.path).toBe("floors");
    expect(issues({ ...minimal, floors: [{ ...floor, level: 0.5 }] })[0]!.path).toBe("floors.0.level");
    expect(issues({ ...minimal, doors: [{ ...minimal.doors[0], kind: "padlock" }] })[0]!.path).toBe("doors.0.kind");
  });
});

describe("lintel-plan/1", () => {
  const plan = {
    format: "lintel-plan/1",
    iqs: [{ id: "IQ1", floor: "F0", x: 1, y: 1, site: "C1" }],
    repeaters: [{ id: "R1", floor: "F0", x: 6, y: 2, parent: "IQ1" }],
    locks: [{ door: "D001", parent: "R1" }],
    cost: 1.5,
  };

  it("reads the format's example, ignoring unknown fields", () => {
    expect(MeshPlan.parse({ ...plan, planner: "v2" })).toEqual(plan);
  });

  it("needs every list and the cost (possibly empty lists)", () => {
    expect(MeshPlan.parse({ format: "lintel-plan/1", iqs: [], repeaters: [], locks: [], cost: 0 }).locks).toEqual([]);
    for (const key of ["iqs", "repeaters", "locks", "cost"] as const) {
      const { [key]: _dropped, ...rest } = plan;
      const r = MeshPlan.safeParse(rest);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual([key]);
    }
    expect(MeshPlan.safeParse({ ...plan, repeaters: [{ id: "R1", floor: "F0", x: 6, y: 2 }] }).error?.issues[0]?.path).toEqual(["repeaters", 0, "parent"]);
  });
});

describe("IQ sites", () => {
  it("must stand on their floor", () => {
    const base = { format: "lintel-site/1", floors: [{ id: "F0", level: 0, widthM: 20, depthM: 10 }], doors: [] };
    expect(SiteSurvey.safeParse({ ...base, iqSites: [{ id: "C1", floor: "F0", x: 20, y: 10 }] }).success).toBe(true);
    const off = SiteSurvey.safeParse({ ...base, iqSites: [{ id: "C1", floor: "F0", x: 21, y: 5 }] });
    expect(off.success).toBe(false);
    expect(off.error?.issues[0]?.message).toContain("IQ site C1 lies outside floor F0");
  });
});
