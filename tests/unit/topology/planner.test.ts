import { describe, expect, it } from "vitest";
import { SiteSurvey, type MeshPlan } from "../../../core/topology/format.ts";
import { planMesh } from "../../../core/topology/planner.ts";
import { validatePlan } from "../../../core/topology/validator.ts";

type Door = { x: number; y: number; floor?: string };

function survey(doors: readonly Door[], extra: Record<string, unknown> = {}) {
  return SiteSurvey.parse({
    format: "lintel-site/1",
    floors: [
      { id: "F0", level: 0, widthM: 200, depthM: 100 },
      { id: "F1", level: 1, widthM: 200, depthM: 100 },
    ],
    doors: doors.map((d, i) => ({ id: `D${i + 1}`, floor: d.floor ?? "F0", x: d.x, y: d.y })),
    ...extra,
  });
}

function planned(site: SiteSurvey): MeshPlan {
  const result = planMesh(site, { timeLimitMs: 5000 });
  if (!result.ok) throw new Error(`unservable: ${JSON.stringify(result.unservable)}`);
  expect(validatePlan(site, result.plan)).toEqual([]);
  return result.plan;
}

describe("planMesh", () => {
  it("plans nothing for a site without doors", () => {
    expect(planned(survey([]))).toEqual({ format: "lintel-plan/1", iqs: [], repeaters: [], locks: [], cost: 0 });
  });

  it("serves a few close doors with one IQ and no repeater", () => {
    const plan = planned(survey([{ x: 10, y: 10 }, { x: 14, y: 10 }, { x: 12, y: 16 }]));
    expect([plan.iqs.length, plan.repeaters.length, plan.cost]).toEqual([1, 0, 1]);
  });

  it("needs a second IQ past 16 locks, however close the doors", () => {
    const doors = Array.from({ length: 17 }, (_, i) => ({ x: 50 + (i % 6), y: 50 + Math.floor(i / 6) }));
    const plan = planned(survey(doors));
    expect(plan.cost).toBe(2);
    expect(plan.locks).toHaveLength(17);
  });

  it("shares one IQ among far-apart clusters when repeaters are cheaper than IQs", () => {
    // Four clusters of three doors at the corners of a 22 m square: no place reaches two
    // clusters, so four IQs would cost 4; one IQ in the middle with four repeaters costs 3.
    const corners = [[20, 20], [42, 20], [20, 42], [42, 42]] as const;
    const doors = corners.flatMap(([x, y]) => [{ x, y }, { x: x + 1, y }, { x, y: y + 1 }]);
    const plan = planned(survey(doors));
    expect(plan.cost).toBeLessThanOrEqual(3);
    expect(plan.repeaters.length).toBeGreaterThan(0);
  });

  it("keeps IQs at the IQ sites and reaches a door 35 m away through repeaters", () => {
    const site = survey([{ x: 40, y: 10 }, { x: 5, y: 10 }], { iqSites: [{ id: "C1", floor: "F0", x: 5, y: 12 }] });
    const plan = planned(site);
    expect(plan.iqs.every((iq) => iq.site === "C1" && iq.x === 5 && iq.y === 12)).toBe(true);
    expect(plan.repeaters.length).toBeGreaterThanOrEqual(2);
  });

  it("names the doors no chain of three repeaters can reach, with the distance", () => {
    const site = survey([{ x: 5, y: 10 }, { x: 120, y: 10 }, { x: 130, y: 90 }], { iqSites: [{ id: "C1", floor: "F0", x: 5, y: 12 }] });
    const result = planMesh(site);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.unservable.map((u) => u.door)).toEqual(["D2", "D3"]);
    expect(result.unservable[0]!.reason).toMatch(/115\.0 m away by radio; a chain of three repeaters reaches at most 40 m/);
  });

  it("respects the costs it is given: free repeaters favour one IQ with six repeaters", () => {
    const doors = Array.from({ length: 6 }, (_, i) => ({ x: 10 + i * 19, y: 50 }));
    const cheap = planned(survey(doors, { cost: { repeater: 0 } }));
    const dear = planned(survey(doors, { cost: { repeater: 5 } }));
    expect(dear.repeaters).toHaveLength(0);
    expect(cheap.iqs.length).toBeLessThan(dear.iqs.length);
  });

  it("plans across floors with the floor penalty (a door straight above is 9.5 m away)", () => {
    const plan = planned(survey([{ x: 50, y: 50 }, { x: 50, y: 50, floor: "F1" }]));
    expect(plan.cost).toBe(1);
  });

  it("reports progress up to done and gives the same plan for the same input", () => {
    const seen: string[] = [];
    const doors = Array.from({ length: 30 }, (_, i) => ({ x: (i * 37) % 190, y: (i * 53) % 90 }));
    const a = planMesh(survey(doors), { onProgress: (p) => seen.push(p.phase) });
    const b = planMesh(survey(doors));
    expect(seen[0]).toBe("cover");
    expect(seen.at(-1)).toBe("done");
    expect(a).toEqual(b);
  });
});
