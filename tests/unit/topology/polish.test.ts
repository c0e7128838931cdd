import { describe, expect, it } from "vitest";
import { SiteSurvey, type MeshPlan } from "../../../core/topology/format.ts";
import { IqTree, type TreeNode } from "../../../core/topology/iq-tree.ts";
import { toPlan } from "../../../core/topology/planner.ts";
import { polishLayout } from "../../../core/topology/polish.ts";
import type { DirectIq } from "../../../core/topology/site-growth.ts";
import { SiteModel, type FloorPoint } from "../../../core/topology/site-model.ts";
import { validatePlan } from "../../../core/topology/validator.ts";

/**
 * The local search after each construction (polish.ts) on hand-made trees: each move
 * must lower the cost of a plan that has slack and keep it valid; a tight plan stays.
 */

type Xy = readonly [number, number];

function model(doors: readonly Xy[], sites: readonly Xy[]): SiteModel {
  return new SiteModel(
    SiteSurvey.parse({
      format: "lintel-site/1",
      floors: [{ id: "F0", level: 0, widthM: 100, depthM: 100 }],
      doors: doors.map(([x, y], i) => ({ id: `D${i + 1}`, floor: "F0", x, y })),
      iqSites: sites.map(([x, y], i) => ({ id: `C${i + 1}`, floor: "F0", x, y })),
    }),
  );
}

const at = ([x, y]: Xy): FloorPoint => ({ floor: "F0", level: 0, x, y });

/** A repeater of a hand-made tree: where it stands, its parent's index, the doors (0-based) it serves. */
type Rep = { readonly pos: Xy; readonly parent: number; readonly doors?: readonly number[] };

function tree(m: SiteModel, site: number, reps: readonly Rep[]): IqTree {
  const iq = m.iqSites[site]!;
  const nodes: TreeNode[] = [{ pos: iq, level: 0, parent: -1, hub: null }];
  for (const r of reps) {
    const pos = at(r.pos);
    nodes.push({ pos, level: nodes[r.parent]!.level + 1, parent: r.parent, hub: r.doors ? { pos, doors: [...r.doors] } : null });
  }
  return IqTree.fromNodes(m, iq, site, nodes);
}

function polished(m: SiteModel, trees: IqTree[], direct: DirectIq[] = []): { before: MeshPlan; after: MeshPlan } {
  const before = toPlan(m, trees, direct);
  expect(validatePlan(m.survey, before)).toEqual([]);
  const out = polishLayout(m, trees, direct);
  const after = toPlan(m, out.trees, out.direct);
  expect(validatePlan(m.survey, after)).toEqual([]);
  return { before, after };
}

describe("polishLayout", () => {
  it("merges a repeater standing at its IQ with the relay beside it: one repeater serves the door and relays", () => {
    // D1 is 8 m from the IQ site, D2 25 m: R1 (at the site) serves D1, R2 only relays to R3.
    const m = model([[50, 58], [50, 75]], [[50, 50]]);
    const t = tree(m, 0, [
      { pos: [50, 50], parent: 0, doors: [0] },
      { pos: [50, 59], parent: 0 },
      { pos: [50, 68], parent: 2, doors: [1] },
    ]);
    const { before, after } = polished(m, [t]);
    expect([before.repeaters.length, before.cost]).toEqual([3, 2.5]);
    expect([after.repeaters.length, after.cost]).toEqual([2, 2]);
    // The repeater that kept D1 is the parent of D2's repeater.
    const d1 = after.locks.find((l) => l.door === "D1")!.parent;
    expect(after.repeaters.find((r) => after.locks.find((l) => l.door === "D2")!.parent === r.id)!.parent).toBe(d1);
  });

  it("merges two bare relays into one that carries both branches", () => {
    // C1 > a > c (D1) and C1 > b > d (D2): one relay at about (50, 59) reaches C1, c and d.
    // Neither hub can take the other's lock (D1 and D2 are 20 m apart), so only a merge helps.
    const m = model([[40, 71], [60, 71]], [[50, 50]]);
    const t = tree(m, 0, [
      { pos: [46, 57], parent: 0 },
      { pos: [44, 65], parent: 1, doors: [0] },
      { pos: [54, 57], parent: 0 },
      { pos: [56, 65], parent: 3, doors: [1] },
    ]);
    const { before, after } = polished(m, [t]);
    expect([before.repeaters.length, before.cost]).toEqual([4, 3]);
    expect([after.repeaters.length, after.cost]).toEqual([3, 2.5]);
    const relay = after.repeaters.find((r) => !after.locks.some((l) => l.parent === r.id))!;
    expect(after.repeaters.filter((r) => r.parent === relay.id)).toHaveLength(2);
  });

  it("ejects a repeater whose lock another tree's repeater can take by shifting, across trees", () => {
    // Tree 1: C1 > R1 serving D1. Tree 2: C2 > R2 serving D2, C2 > R3 serving D3.
    // R1 shifted to x ≈ 19.5 reaches C1, D1 and D2, so R2 goes (D2 and D3 are too far apart to share).
    const m = model([[25, 50], [29, 50], [45, 66]], [[10, 50], [45, 50]]);
    const t1 = tree(m, 0, [{ pos: [18, 50], parent: 0, doors: [0] }]);
    const t2 = tree(m, 1, [
      { pos: [37, 50], parent: 0, doors: [1] },
      { pos: [45, 58], parent: 0, doors: [2] },
    ]);
    const { before, after } = polished(m, [t1, t2]);
    expect(before.cost).toBe(3.5);
    expect(after.cost).toBe(3);
    const r1 = after.locks.find((l) => l.door === "D1")!.parent;
    expect(after.locks.find((l) => l.door === "D2")!.parent).toBe(r1);
  });

  it("hangs the child of an ejected repeater on its parent, shifted to reach it", () => {
    // Tree 2: C2 > X (D2) > Y (D3). No place reaches C2, D2 and D3 at once (no merge),
    // but R1 of tree 1 can take D2, and Y can hang on C2 directly from (41, 58.5) or so.
    const m = model([[25, 50], [29, 50], [37, 67]], [[10, 50], [45, 50]]);
    const t1 = tree(m, 0, [{ pos: [18, 50], parent: 0, doors: [0] }]);
    const t2 = tree(m, 1, [
      { pos: [37, 50], parent: 0, doors: [1] },
      { pos: [37, 59], parent: 1, doors: [2] },
    ]);
    const { before, after } = polished(m, [t1, t2]);
    expect(before.cost).toBe(3.5);
    expect(after.cost).toBe(3);
    const d3 = after.repeaters.find((r) => r.id === after.locks.find((l) => l.door === "D3")!.parent)!;
    expect(after.iqs.find((iq) => iq.id === d3.parent)?.site).toBe("C2");
  });

  it("ejects an IQ with direct locks when a repeater nearby can take them", () => {
    // C2 serves D2 on its own (cost 1); C1's repeater, shifted, reaches D2 as well.
    const m = model([[24, 50], [29, 50]], [[10, 50], [38, 50]]);
    const t1 = tree(m, 0, [{ pos: [18, 50], parent: 0, doors: [0] }]);
    const direct: DirectIq[] = [{ pos: m.iqSites[1]!, site: 1, doors: [1] }];
    const { before, after } = polished(m, [t1], direct);
    expect([before.iqs.length, before.cost]).toEqual([2, 2.5]);
    expect([after.iqs.length, after.cost]).toEqual([1, 1.5]);
  });

  it("merges a repeater with its child when one place reaches the IQ and both locks", () => {
    // R1 serves D1 and relays to R2 for D2: at y ≈ 59 one repeater does both.
    const m = model([[50, 61], [50, 68]], [[50, 50]]);
    const t = tree(m, 0, [
      { pos: [50, 55], parent: 0, doors: [0] },
      { pos: [50, 64], parent: 1, doors: [1] },
    ]);
    const { after } = polished(m, [t]);
    expect([after.repeaters.length, after.cost]).toEqual([1, 1.5]);
  });

  it("keeps a chain that is already as short as it can be", () => {
    // D1 is 38 m from the only IQ site: three repeaters, each hop near 10 m, all needed.
    const m = model([[88, 50]], [[50, 50]]);
    const t = tree(m, 0, [
      { pos: [59.5, 50], parent: 0 },
      { pos: [69, 50], parent: 1 },
      { pos: [78.5, 50], parent: 2, doors: [0] },
    ]);
    const { before, after } = polished(m, [t]);
    expect(after.cost).toBe(before.cost);
    expect(after.repeaters).toHaveLength(3);
  });

  it("never puts more than 16 locks in one tree when it ejects", () => {
    // Tree 1 is full (16 locks on R1); the IQ C2 with D17 cannot hand it to R1.
    const doors: Xy[] = [...Array.from({ length: 16 }, (_, i): Xy => [20 + (i % 4), 48 + Math.floor(i / 4)]), [26, 50]];
    const m = model(doors, [[12, 50], [34, 50]]);
    const t1 = tree(m, 0, [{ pos: [20, 50], parent: 0, doors: Array.from({ length: 16 }, (_, i) => i) }]);
    const direct: DirectIq[] = [{ pos: m.iqSites[1]!, site: 1, doors: [16] }];
    const { before, after } = polished(m, [t1], direct);
    expect(after.cost).toBe(before.cost);
    expect(after.iqs).toHaveLength(2);
  });
});
