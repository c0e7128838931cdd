import { describe, expect, it } from "vitest";
import { validatePlan } from "../../../core/topology/validator.ts";
import { generateSite, NAMED_INSTANCES, type Family } from "../../bench/topology/generator.ts";
import { naivePlan } from "../../bench/topology/naive.ts";

describe("naive baseline planner", () => {
  it("produces a valid plan on every named instance up to 2,000 doors and on small ones of every family", () => {
    const families: Family[] = ["shop", "hotel", "campus", "warehouse", "cowork", "stacked"];
    const specs = [
      ...NAMED_INSTANCES.filter((s) => s.doors <= 2000),
      ...families.flatMap((family, i) => [false, true].map((iqSites) => ({ name: `${family}-${iqSites}`, family, doors: 45, seed: 7 + i, iqSites }))),
    ];
    for (const spec of specs) {
      const site = generateSite(spec);
      const plan = naivePlan(site);
      expect({ name: spec.name, violations: validatePlan(site, plan) }).toEqual({ name: spec.name, violations: [] });
      expect(plan.cost).toBe(plan.iqs.length * site.cost.iq + plan.repeaters.length * site.cost.repeater);
    }
  });
});
