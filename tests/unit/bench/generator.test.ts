import { describe, expect, it } from "vitest";
import { SiteSurvey } from "../../../core/topology/format.ts";
import { inRange } from "../../../core/topology/radio.ts";
import { generateSite, NAMED_INSTANCES, unreachableDoors, type Family, type InstanceSpec } from "../../bench/topology/generator.ts";

const FAMILIES: Family[] = ["shop", "hotel", "campus", "warehouse", "cowork", "stacked"];
const small: InstanceSpec[] = FAMILIES.flatMap((family, i) =>
  [false, true].flatMap((iqSites) => [8, 61].map((doors) => ({ name: `${family}-${doors}-${iqSites}`, family, doors, seed: 100 + i, iqSites }))),
);

describe("bench instance generator", () => {
  it("is deterministic: the same spec gives the same site, another seed another one", () => {
    for (const spec of small) expect(generateSite(spec)).toEqual(generateSite(spec));
    const a = generateSite({ name: "a", family: "warehouse", doors: 30, seed: 1, iqSites: true });
    const b = generateSite({ name: "a", family: "warehouse", doors: 30, seed: 2, iqSites: true });
    expect(a.doors).not.toEqual(b.doors);
  });

  it("writes schema-valid lintel-site/1 that survives a JSON round trip unchanged", () => {
    for (const spec of [...small, ...NAMED_INSTANCES.filter((s) => s.doors <= 2000)]) {
      const site = generateSite(spec);
      expect(SiteSurvey.parse(JSON.parse(JSON.stringify(site)))).toEqual(site);
      expect(site.doors).toHaveLength(spec.doors);
      expect(site.iqSites.length > 0).toBe(spec.iqSites);
    }
  });

  it("has the named set, with the MILP-sized ones at most 40 doors and the big campus at 10,000", () => {
    const names = NAMED_INSTANCES.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["shop-8", "cowork-24", "warehouse-30", "hotel-40", "stacked-36", "hotel-500", "campus-2000", "warehouse-1000", "campus-10000"]));
    expect(NAMED_INSTANCES.filter((s) => s.doors <= 40).length).toBeGreaterThanOrEqual(5);
    expect(NAMED_INSTANCES.some((s) => s.iqSites) && NAMED_INSTANCES.some((s) => !s.iqSites)).toBe(true);
    expect(generateSite(NAMED_INSTANCES.find((s) => s.name === "campus-10000")!).doors).toHaveLength(10_000);
  });

  it("keeps every door on its floor and every door reachable from an IQ site (IQ > R > R > R > lock)", () => {
    for (const spec of [...small, ...NAMED_INSTANCES.filter((s) => s.doors <= 1000)]) {
      const site = generateSite(spec);
      expect(unreachableDoors(site)).toEqual([]);
      const floors = new Map(site.floors.map((f) => [f.id, f]));
      for (const d of site.doors) {
        const f = floors.get(d.floor)!;
        expect(d.x >= 0 && d.y >= 0 && d.x <= f.widthM && d.y <= f.depthM).toBe(true);
      }
    }
  });

  it("the feasibility check bites: a door 45 m from the only site is unreachable, one at 39 m is not", () => {
    const site = SiteSurvey.parse({
      format: "lintel-site/1",
      floors: [{ id: "F0", level: 0, widthM: 100, depthM: 10 }],
      doors: [{ id: "far", floor: "F0", x: 46, y: 5 }, { id: "ok", floor: "F0", x: 40, y: 5 }],
      iqSites: [{ id: "C1", floor: "F0", x: 1, y: 5 }],
    });
    expect(unreachableDoors(site)).toEqual(["far"]);
  });

  it("looks like its family: hotel floors stacked door over door, warehouse doors 15+ m apart", () => {
    const hotel = generateSite({ name: "h", family: "hotel", doors: 40, seed: 3, iqSites: false, floors: 2 });
    const level = new Map(hotel.floors.map((f) => [f.id, f.level]));
    const pt = (d: (typeof hotel.doors)[number]) => ({ level: level.get(d.floor)!, x: d.x, y: d.y });
    const upper = hotel.doors.filter((d) => level.get(d.floor) === 1);
    const lower = hotel.doors.filter((d) => level.get(d.floor) === 0);
    // Each upper door has a lower door within 1 m horizontally (the plan repeats per floor).
    for (const u of upper) expect(lower.some((l) => Math.hypot(l.x - u.x, l.y - u.y) < 1)).toBe(true);
    expect(upper.some((u) => lower.some((l) => inRange(pt(u), pt(l), hotel.radio)))).toBe(true);
    const wh = generateSite({ name: "w", family: "warehouse", doors: 60, seed: 4, iqSites: true });
    const interior = wh.doors.filter((d) => d.kind !== "wall-reader");
    for (const a of interior) for (const b of interior) if (a !== b) expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThanOrEqual(15 - 1e-6);
    expect(wh.doors.some((d) => d.kind === "wall-reader")).toBe(true);
  });
});
