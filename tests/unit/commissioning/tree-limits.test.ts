import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachOrder, treeProblems, type TreeItem } from "../../../core/commissioning/index.ts";

const lock = (ref: string, parentRef: string | null): TreeItem => ({ ref, role: "lock", parentRef });
const rep = (ref: string, parentRef: string | null): TreeItem => ({ ref, role: "repeater", parentRef });
const rules = (items: TreeItem[]) => treeProblems(items).map((p) => p.rule);

describe("IQ tree limits without positions (KS 2204)", () => {
  it("accepts the largest legal trees", () => {
    expect(rules(Array.from({ length: 16 }, (_, i) => lock(`L${i}`, null)))).toEqual([]);
    const chain = [rep("R1", null), rep("R2", "R1"), rep("R3", "R2"), rep("R4", null), rep("R5", "R4"), rep("R6", "R4")];
    expect(rules([...chain, ...Array.from({ length: 16 }, (_, i) => lock(`L${i}`, `R${(i % 6) + 1}`))])).toEqual([]);
  });

  it("names each broken limit with the refs at fault", () => {
    expect(rules(Array.from({ length: 17 }, (_, i) => lock(`L${i}`, null)))).toEqual(["iq-locks"]);
    expect(rules(Array.from({ length: 7 }, (_, i) => rep(`R${i}`, null)))).toEqual(["iq-repeaters"]);
    expect(rules([rep("R1", null), rep("R2", "R1"), rep("R3", "R2"), rep("R4", "R3")])).toEqual(["chain-depth"]);
    expect(treeProblems([rep("R1", null), rep("R2", "R1"), rep("R3", "R1"), rep("R4", "R1")])).toEqual([
      expect.objectContaining({ rule: "repeater-children", refs: ["R1", "R2", "R3", "R4"] }),
    ]);
    expect(treeProblems([rep("R1", null), lock("L1", null), lock("L2", "R1")])).toEqual([expect.objectContaining({ rule: "lock-on-iq-with-repeaters", refs: ["L1"] })]);
    expect(rules([lock("L1", "R9")])).toEqual(["parent-missing"]);
    expect(rules([lock("L1", null), lock("L2", "L1")])).toEqual(["parent-not-repeater"]);
    expect(rules([rep("R1", "R2"), rep("R2", "R1")])).toEqual(["cycle", "cycle"]);
    expect(rules([lock("L1", null), lock("L1", null)])).toEqual(["duplicate"]);
  });

  it("orders parents before children, repeaters before locks", () => {
    const order = attachOrder([lock("L1", "R3"), rep("R3", "R2"), lock("L2", null), rep("R2", "R1"), rep("R1", null)]).map((i) => i.ref);
    expect(order).toEqual(["R1", "R2", "R3", "L1", "L2"]);
  });

  it("orders any valid tree so that every parent comes first", () => {
    const seed = Number(process.env.FC_SEED ?? 20261125);
    const tree = fc.array(fc.nat(), { maxLength: 12 }).map((parents) => {
      const items: TreeItem[] = [];
      parents.forEach((p, i) => {
        const reps = items.filter((x) => x.role === "repeater");
        items.push(i % 3 === 2 ? lock(`L${i}`, reps.length ? reps[p % reps.length]!.ref : null) : rep(`R${i}`, reps.length && p % 2 ? reps[p % reps.length]!.ref : null));
      });
      return items.reverse();
    });
    fc.assert(
      fc.property(tree, (items) => {
        const seen = new Set<string>();
        for (const it of attachOrder(items)) {
          if (it.parentRef !== null && !seen.has(it.parentRef)) return false;
          seen.add(it.ref);
        }
        return seen.size === items.length;
      }),
      { seed, numRuns: 300 },
    );
  });
});
