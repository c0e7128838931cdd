import { describe, expect, it } from "vitest";
import { IQ_LIMITS } from "../../../core/domain/hardware.ts";
import { KsError } from "../../../core/errors/index.ts";
import type { Violation, ViolationRule } from "../../../core/topology/api.ts";
import { MeshPlan, SiteSurvey } from "../../../core/topology/format.ts";
import { radioDistance } from "../../../core/topology/radio.ts";
import { toKsError, validatePlan } from "../../../core/topology/validator.ts";

/**
 * A small valid site and plan, rebuilt fresh for every test so each test breaks exactly
 * one thing. Floors F0 (level 0) and F1 (level 1), 50 × 30 m each.
 *
 *   IQ1 (F0 2,5) > R1 (10,5) > R2 (18,5) > R3 (26,5)      a full 3-deep chain
 *   D1 (5,5), D2 (14,5) on R1; D3 (22,5) on R2; D4 (30,5) on R3
 *   IQ2 (F1 40,20) with D5 (F1 42,20) directly on it      an IQ without repeaters
 */
type SiteInput = {
  format: "lintel-site/1";
  floors: { id: string; level: number; widthM: number; depthM: number }[];
  doors: { id: string; floor: string; x: number; y: number }[];
  iqSites?: { id: string; floor: string; x: number; y: number }[];
  radio?: Record<string, number>;
  cost?: Record<string, number>;
};

function baseSite(): SiteInput {
  return {
    format: "lintel-site/1",
    floors: [
      { id: "F0", level: 0, widthM: 50, depthM: 30 },
      { id: "F1", level: 1, widthM: 50, depthM: 30 },
    ],
    doors: [
      { id: "D1", floor: "F0", x: 5, y: 5 },
      { id: "D2", floor: "F0", x: 14, y: 5 },
      { id: "D3", floor: "F0", x: 22, y: 5 },
      { id: "D4", floor: "F0", x: 30, y: 5 },
      { id: "D5", floor: "F1", x: 42, y: 20 },
    ],
  };
}

function basePlan(): MeshPlan {
  return {
    format: "lintel-plan/1",
    iqs: [
      { id: "IQ1", floor: "F0", x: 2, y: 5 },
      { id: "IQ2", floor: "F1", x: 40, y: 20 },
    ],
    repeaters: [
      { id: "R1", floor: "F0", x: 10, y: 5, parent: "IQ1" },
      { id: "R2", floor: "F0", x: 18, y: 5, parent: "R1" },
      { id: "R3", floor: "F0", x: 26, y: 5, parent: "R2" },
    ],
    locks: [
      { door: "D1", parent: "R1" },
      { door: "D2", parent: "R1" },
      { door: "D3", parent: "R2" },
      { door: "D4", parent: "R3" },
      { door: "D5", parent: "IQ2" },
    ],
    cost: 2 * 1 + 3 * 0.5,
  };
}

/** Validates after the site has been through the format's schema (defaults applied). */
function check(site: SiteInput, plan: MeshPlan): Violation[] {
  return validatePlan(SiteSurvey.parse(site), MeshPlan.parse(plan));
}

/** The cost the plan's hardware has at the default unit costs. */
const recost = (plan: MeshPlan): MeshPlan => ({ ...plan, cost: plan.iqs.length * 1 + plan.repeaters.length * 0.5 });

const repeater = (plan: MeshPlan, id: string) => {
  const r = plan.repeaters.find((x) => x.id === id);
  if (!r) throw new Error(`no repeater ${id} in the fixture`);
  return r;
};
const lock = (plan: MeshPlan, door: string) => {
  const l = plan.locks.find((x) => x.door === door);
  if (!l) throw new Error(`no lock ${door} in the fixture`);
  return l;
};

/** Asserts exactly one violation, of `rule`, naming exactly `ids`. */
function expectOnly(violations: Violation[], rule: ViolationRule, ids: readonly string[]): Violation {
  expect(violations.map((v) => v.rule)).toEqual([rule]);
  const v = violations[0]!;
  expect([...v.ids].sort()).toEqual([...ids].sort());
  if (ids.length <= 10) for (const id of ids) expect(v.message).toContain(id); // longer lists are cut short in the text
  return v;
}

describe("validatePlan: the fixture", () => {
  it("is valid: no violations (a full IQ > R > R > R chain, an IQ with locks only)", () => {
    expect(check(baseSite(), basePlan())).toEqual([]);
  });
});

describe("validatePlan: each rule on its own", () => {
  it("duplicate-id: an id used by two repeaters", () => {
    const plan = basePlan();
    plan.repeaters.push({ id: "R3", floor: "F0", x: 26, y: 6, parent: "R2" });
    const v = expectOnly(check(baseSite(), recost(plan)), "duplicate-id", ["R3"]);
    expect(v.message).toContain("2 times");
  });

  it("duplicate-id: an IQ and a repeater sharing an id", () => {
    const plan = basePlan();
    plan.iqs.push({ id: "R3", floor: "F0", x: 26, y: 5 }); // D4's parent "R3" now means this IQ (IQs are looked up first)
    expectOnly(check(baseSite(), recost(plan)), "duplicate-id", ["R3"]);
  });

  it("unknown-door: a lock entry for a door the site lacks", () => {
    const plan = basePlan();
    plan.locks.push({ door: "D9", parent: "R1" });
    expectOnly(check(baseSite(), plan), "unknown-door", ["D9"]);
  });

  it("door-unplanned: a door without a lock entry", () => {
    const plan = basePlan();
    plan.locks = plan.locks.filter((l) => l.door !== "D4");
    expectOnly(check(baseSite(), plan), "door-unplanned", ["D4"]);
  });

  it("door-twice: a door with two lock entries", () => {
    const plan = basePlan();
    plan.locks.push({ door: "D2", parent: "R2" });
    const v = expectOnly(check(baseSite(), plan), "door-twice", ["D2"]);
    expect(v.message).toContain("2 lock entries");
  });

  it("parent-missing: a lock whose parent does not exist", () => {
    const plan = basePlan();
    lock(plan, "D4").parent = "R7";
    expectOnly(check(baseSite(), plan), "parent-missing", ["D4", "R7"]);
  });

  it("parent-missing: a repeater whose parent does not exist (its subtree is not reported again)", () => {
    const plan = basePlan();
    repeater(plan, "R2").parent = "R7";
    expectOnly(check(baseSite(), plan), "parent-missing", ["R2", "R7"]);
  });

  it("parent-missing: a lock whose parent is another lock's door", () => {
    const plan = basePlan();
    lock(plan, "D2").parent = "D1";
    const v = expectOnly(check(baseSite(), plan), "parent-missing", ["D2", "D1"]);
    expect(v.message).toContain("is a door");
  });

  it("repeater-parent: a repeater that is its own parent", () => {
    const plan = basePlan();
    repeater(plan, "R3").parent = "R3";
    const v = expectOnly(check(baseSite(), plan), "repeater-parent", ["R3"]);
    expect(v.message).toContain("its own parent");
  });

  it("repeater-parent: a repeater hung on a door", () => {
    const plan = basePlan();
    repeater(plan, "R3").parent = "D3";
    expectOnly(check(baseSite(), plan), "repeater-parent", ["R3", "D3"]);
  });

  it("cycle: two repeaters that are each other's parent, reported once", () => {
    const plan = basePlan();
    repeater(plan, "R2").parent = "R3";
    const v = expectOnly(check(baseSite(), plan), "cycle", ["R2", "R3"]);
    expect(v.message).toMatch(/R[23] > R[23] > R[23]/);
  });

  it("iq-locks: 17 locks in one IQ's tree", () => {
    const site = baseSite();
    const plan = basePlan();
    const extra: string[] = [];
    for (let i = 10; i < 26; i++) {
      const id = `D${i}`;
      extra.push(id);
      site.doors.push({ id, floor: "F1", x: 35 + (i % 8), y: 18 + Math.floor((i - 10) / 8) * 3 });
      plan.locks.push({ door: id, parent: "IQ2" });
    }
    const v = expectOnly(check(site, plan), "iq-locks", ["IQ2", "D5", ...extra]);
    expect(v.message).toContain(`IQ IQ2 has 17 locks in its tree (at most ${IQ_LIMITS.locksPerIq})`);
    expect(v.message).toContain("… and 7 more"); // the message lists 10 ids, `ids` has all 17
    expect(v.message).not.toContain("D25");
  });

  it("iq-repeaters: 7 repeaters in one IQ's tree", () => {
    const plan = basePlan();
    const extra = ["R4", "R5", "R6", "R7"];
    extra.forEach((id, i) => plan.repeaters.push({ id, floor: "F0", x: 2 + i, y: 12, parent: "IQ1" }));
    const v = expectOnly(check(baseSite(), recost(plan)), "iq-repeaters", ["IQ1", "R1", "R2", "R3", ...extra]);
    expect(v.message).toContain(`7 repeaters in its tree (at most ${IQ_LIMITS.repeatersPerIq})`);
  });

  it("chain-depth: a 4th repeater in a chain", () => {
    const plan = basePlan();
    plan.repeaters.push({ id: "R4", floor: "F0", x: 34, y: 5, parent: "R3" });
    const v = expectOnly(check(baseSite(), recost(plan)), "chain-depth", ["R4"]);
    expect(v.message).toContain("IQ1 > R1 > R2 > R3 > R4");
    expect(v.message).toContain("4th");
  });

  it("chain-depth: reported once at the first repeater too deep, with those below it", () => {
    const plan = basePlan();
    plan.repeaters.push({ id: "R4", floor: "F0", x: 34, y: 5, parent: "R3" }, { id: "R5", floor: "F0", x: 42, y: 5, parent: "R4" });
    expectOnly(check(baseSite(), recost(plan)), "chain-depth", ["R4", "R5"]);
  });

  it("repeater-children: 3 child repeaters on one repeater", () => {
    const plan = basePlan();
    plan.repeaters.push({ id: "R4", floor: "F0", x: 10, y: 12, parent: "R1" }, { id: "R5", floor: "F0", x: 12, y: 0, parent: "R1" });
    const v = expectOnly(check(baseSite(), recost(plan)), "repeater-children", ["R1", "R2", "R4", "R5"]);
    expect(v.message).toContain(`3 child repeaters (at most ${IQ_LIMITS.childRepeatersPerRepeater})`);
  });

  it("lock-on-iq-with-repeaters: a lock directly on an IQ that has repeaters", () => {
    const plan = basePlan();
    lock(plan, "D1").parent = "IQ1";
    expectOnly(check(baseSite(), plan), "lock-on-iq-with-repeaters", ["IQ1", "D1"]);
  });

  it("hop-range: a repeater too far from its parent", () => {
    const plan = basePlan();
    repeater(plan, "R3").x = 35; // 17 m from R2; D4 is still 5 m from it
    const v = expectOnly(check(baseSite(), plan), "hop-range", ["R3", "R2"]);
    expect(v.message).toContain("17 m");
  });

  it("hop-range: a lock too far from its parent", () => {
    const plan = basePlan();
    lock(plan, "D4").parent = "R2"; // 12 m
    const v = expectOnly(check(baseSite(), plan), "hop-range", ["D4", "R2"]);
    expect(v.message).toContain("12 m");
  });

  it("unknown-floor: a repeater on a floor the site lacks", () => {
    const plan = basePlan();
    repeater(plan, "R3").floor = "F9";
    const v = expectOnly(check(baseSite(), plan), "unknown-floor", ["R3"]);
    expect(v.message).toContain("F9");
  });

  it("off-floor: a repeater outside its floor's bounds", () => {
    const plan = basePlan();
    repeater(plan, "R3").y = -0.5;
    expectOnly(check(baseSite(), plan), "off-floor", ["R3"]);
  });

  it("iq-site: with IQ sites, every IQ stands on a known site, at its position", () => {
    const site = { ...baseSite(), iqSites: [{ id: "C1", floor: "F0", x: 2, y: 5 }, { id: "C2", floor: "F1", x: 40, y: 20 }] };
    const onSites = (): MeshPlan => {
      const plan = basePlan();
      plan.iqs[0]!.site = "C1";
      plan.iqs[1]!.site = "C2";
      return plan;
    };
    expect(check(site, onSites())).toEqual([]);

    const missing = onSites();
    delete missing.iqs[0]!.site;
    expectOnly(check(site, missing), "iq-site", ["IQ1"]);

    const unknown = onSites();
    unknown.iqs[0]!.site = "C9";
    expectOnly(check(site, unknown), "iq-site", ["IQ1", "C9"]);

    const elsewhere = onSites();
    elsewhere.iqs[0]!.site = "C2";
    expectOnly(check(site, elsewhere), "iq-site", ["IQ1", "C2"]);

    const moved = onSites();
    moved.iqs[0]!.x = 2 + 1e-6;
    expectOnly(check(site, moved), "iq-site", ["IQ1", "C1"]);

    const rounding = onSites();
    rounding.iqs[0]!.x = 2 + 1e-12; // within the format's 1e-9 slack
    expect(check(site, rounding)).toEqual([]);

    const shared = onSites(); // several IQs may share one site
    shared.iqs.push({ id: "IQ3", floor: "F0", x: 2, y: 5, site: "C1" });
    expect(check(site, recost(shared))).toEqual([]);
  });

  it("iq-site: without IQ sites, an IQ must not name one", () => {
    const plan = basePlan();
    plan.iqs[1]!.site = "C1";
    expectOnly(check(baseSite(), plan), "iq-site", ["IQ2"]);
  });

  it("cost: the plan's cost is not what its hardware costs", () => {
    const plan = basePlan();
    plan.cost = 4;
    const v = expectOnly(check(baseSite(), plan), "cost", []);
    expect(v.message).toContain("3.5");
  });

  it("cost: uses the site's unit costs, within 1e-9 relative", () => {
    const site = { ...baseSite(), cost: { iq: 100.1, repeater: 0.3 } };
    const plan = basePlan();
    plan.cost = 2 * 100.1 + 3 * 0.3;
    expect(check(site, plan)).toEqual([]);
    plan.cost *= 1 + 1e-12;
    expect(check(site, plan)).toEqual([]);
    plan.cost *= 1 + 1e-6;
    expectOnly(check(site, plan), "cost", []);
  });
});

describe("validatePlan: limits at their edge are valid", () => {
  it("an IQ may have 6 child repeaters of its own (rule 5)", () => {
    const site = baseSite();
    site.doors.push({ id: "D6", floor: "F1", x: 10, y: 20 });
    const plan = basePlan();
    plan.iqs.push({ id: "IQ3", floor: "F1", x: 10, y: 10 });
    for (let i = 0; i < 6; i++) plan.repeaters.push({ id: `S${i}`, floor: "F1", x: 5 + 2 * i, y: 15, parent: "IQ3" });
    plan.locks.push({ door: "D6", parent: "S2" });
    expect(check(site, recost(plan))).toEqual([]);
  });

  it("16 locks and 2 child repeaters per repeater are allowed", () => {
    const site = baseSite();
    const plan = basePlan();
    for (let i = 0; i < 15; i++) {
      site.doors.push({ id: `E${i}`, floor: "F1", x: 35 + (i % 8), y: 18 + Math.floor(i / 8) * 3 });
      plan.locks.push({ door: `E${i}`, parent: "IQ2" });
    }
    plan.repeaters.push({ id: "R4", floor: "F0", x: 14, y: 12, parent: "R1" });
    expect(check(site, recost(plan))).toEqual([]);
  });
});

describe("validatePlan: radio distance and bounds", () => {
  it("measures across floors per the format: sqrt(dx² + dy² + (ΔL·h)²) + ΔL·penalty", () => {
    const radio = { hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 };
    const expected = Math.sqrt(9 + 16 + 12.25) + 6; // ≈ 12.103 m
    expect(radioDistance({ level: 0, x: 0, y: 0 }, { level: 1, x: 3, y: 4 }, radio)).toBeCloseTo(expected, 12);
    expect(radioDistance({ level: -1, x: 3, y: 4 }, { level: 1, x: 0, y: 0 }, radio)).toBeCloseTo(Math.sqrt(25 + 49) + 12, 12);

    // The same hop in a plan: a lock on F1 whose repeater is one floor down, 3 and 4 m across.
    const site = baseSite();
    site.doors.push({ id: "D6", floor: "F1", x: 13, y: 9 });
    const plan = basePlan();
    plan.locks.push({ door: "D6", parent: "R1" }); // R1 is at F0 (10, 5)
    const v = expectOnly(check(site, plan), "hop-range", ["D6", "R1"]);
    expect(v.message).toContain("12.103 m");
    expect(check({ ...site, radio: { hopRangeM: expected } }, plan)).toEqual([]);
    expect(check({ ...site, radio: { hopRangeM: 12.2, floorPenaltyM: 6 } }, plan)).toEqual([]);
  });

  it("a hop of exactly the range is valid, 10.001 m is not", () => {
    const plan = basePlan();
    repeater(plan, "R2").x = 20; // exactly 10 m from R1 (D3 is 2 m away, R3 6 m)
    expect(check(baseSite(), plan)).toEqual([]);
    repeater(plan, "R2").x = 20.001;
    expectOnly(check(baseSite(), plan), "hop-range", ["R2", "R1"]);
  });

  it("floor bounds are inclusive", () => {
    const site = baseSite();
    const plan = basePlan();
    plan.iqs.push({ id: "IQ3", floor: "F1", x: 0, y: 0 }, { id: "IQ4", floor: "F1", x: 50, y: 30 });
    expect(check(site, recost(plan))).toEqual([]);
    plan.iqs[3]!.x = 50.001;
    expectOnly(check(site, recost(plan)), "off-floor", ["IQ4"]);
  });
});

describe("validatePlan: garbage plans", () => {
  it("reports several violations at once, every one of them", () => {
    const plan = basePlan();
    plan.locks = plan.locks.filter((l) => l.door !== "D5"); // door-unplanned
    plan.locks.push({ door: "D9", parent: "R1" }); // unknown-door
    lock(plan, "D1").parent = "IQ1"; // lock-on-iq-with-repeaters
    repeater(plan, "R3").floor = "F7"; // unknown-floor
    plan.repeaters.push({ id: "R4", floor: "F0", x: 49, y: 29, parent: "R8" }); // parent-missing
    plan.repeaters.push({ id: "R5", floor: "F0", x: 2, y: 6, parent: "R5" }); // repeater-parent
    plan.cost = 0; // cost
    const rules = check(baseSite(), plan).map((v) => v.rule).sort();
    expect(rules).toEqual(
      (["cost", "door-unplanned", "lock-on-iq-with-repeaters", "parent-missing", "repeater-parent", "unknown-door", "unknown-floor"] as ViolationRule[]).sort(),
    );
  });

  it("terminates on cycles, reporting each cycle once (and not the branches hanging off it)", () => {
    const plan = basePlan();
    plan.repeaters.push(
      { id: "A1", floor: "F0", x: 40, y: 20, parent: "A3" },
      { id: "A2", floor: "F0", x: 42, y: 20, parent: "A1" },
      { id: "A3", floor: "F0", x: 44, y: 20, parent: "A2" },
      { id: "A4", floor: "F0", x: 46, y: 20, parent: "A2" }, // hangs off the cycle
      { id: "B1", floor: "F0", x: 40, y: 25, parent: "B2" },
      { id: "B2", floor: "F0", x: 42, y: 25, parent: "B1" },
    );
    const violations = check(baseSite(), recost(plan));
    expect(violations.map((v) => v.rule)).toEqual(["cycle", "cycle"]);
    expect(violations.map((v) => [...v.ids].sort())).toEqual([
      ["A1", "A2", "A3"],
      ["B1", "B2"],
    ]);
  });

  it("handles a 20,000-repeater cycle and a 20,000-deep chain without recursion", () => {
    const site = baseSite();
    const n = 20_000;
    const ring: MeshPlan = { ...basePlan(), repeaters: [] };
    for (let i = 0; i < n; i++) ring.repeaters.push({ id: `Q${i}`, floor: "F0", x: 1, y: 1, parent: `Q${(i + 1) % n}` });
    const cyc = check(site, recost(ring)).filter((v) => v.rule === "cycle");
    expect(cyc).toHaveLength(1);
    expect(cyc[0]!.ids).toHaveLength(n);
    expect(cyc[0]!.message.length).toBeLessThan(300); // messages stay bounded

    const chain: MeshPlan = { ...basePlan(), repeaters: [] };
    for (let i = 0; i < n; i++) chain.repeaters.push({ id: `Q${i}`, floor: "F0", x: 1, y: 1, parent: i === 0 ? "IQ1" : `Q${i - 1}` });
    const deep = check(site, recost(chain)).filter((v) => v.rule === "chain-depth");
    expect(deep).toHaveLength(1);
    expect(deep[0]!.ids).toHaveLength(n - 3);
    expect(deep[0]!.message.length).toBeLessThan(300);
  });

  it("keeps the order stable: the same plan gives the same violations", () => {
    const plan = basePlan();
    plan.locks.push({ door: "D9", parent: "R1" });
    plan.cost = 1;
    expect(check(baseSite(), plan)).toEqual(check(baseSite(), plan));
  });
});

describe("toKsError", () => {
  it("is KS 2204 with every violation in its details", () => {
    const plan = basePlan();
    plan.cost = 1;
    plan.locks.push({ door: "D9", parent: "R1" });
    const violations = check(baseSite(), plan);
    const e = toKsError(violations);
    expect(e).toBeInstanceOf(KsError);
    expect(e.ksCode).toBe(2204);
    expect(e.status).toBe(400);
    expect(e.details).toEqual({ violations });
  });
});
