import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inRange, radioDistance, type RadioPoint } from "../../../core/topology/radio.ts";
import { SpatialGrid } from "../../../core/topology/spatial-grid.ts";

/**
 * The grid visits only the cells a query's horizontal reach touches on each level (a
 * floor away, far fewer): it must still find exactly what a scan of every point finds.
 */
const seed = Number(process.env.FC_SEED ?? 20261125);

const point = fc.record({
  level: fc.integer({ min: -2, max: 3 }),
  x: fc.double({ min: -60, max: 60, noNaN: true }),
  y: fc.double({ min: -60, max: 60, noNaN: true }),
});

const radio = fc.record({
  hopRangeM: fc.double({ min: 1, max: 25, noNaN: true }),
  floorHeightM: fc.double({ min: 0, max: 6, noNaN: true }),
  floorPenaltyM: fc.double({ min: 0, max: 8, noNaN: true }),
});

describe("SpatialGrid.within", () => {
  it("returns exactly the points within the hops' straight reach, as a scan does", () => {
    fc.assert(
      fc.property(fc.array(point, { maxLength: 80 }), point, radio, fc.integer({ min: 1, max: 4 }), fc.double({ min: 2, max: 40, noNaN: true }), (points, q, r, hops, cellM) => {
        const grid = new SpatialGrid(points, r, cellM);
        const scan = points.flatMap((p, i) => (radioDistance(p, q, r) <= r.hopRangeM * hops + 1e-9 ? [i] : []));
        const found = grid.within(q, hops);
        // The grid's own test is exact; a point on the boundary may differ from the scan by rounding only.
        const boundary = (i: number) => Math.abs(radioDistance(points[i]!, q, r) - r.hopRangeM * hops) < 1e-6;
        expect(found.filter((i) => !scan.includes(i) && !boundary(i))).toEqual([]);
        expect(scan.filter((i) => !found.includes(i) && !boundary(i))).toEqual([]);
      }),
      { numRuns: 300, seed },
    );
  });

  it("finds a point straight above on the next floor and one 10 m away on the same floor", () => {
    const r = { hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 };
    const points: RadioPoint[] = [
      { level: 1, x: 5, y: 5 }, // 9.5 m by radio
      { level: 0, x: 15, y: 5 }, // exactly 10 m
      { level: 1, x: 7, y: 5 }, // 3.5² + 2² → 4.03 + 6 = 10.03 m: out
      { level: 2, x: 5, y: 5 }, // two floors: 7 + 12 m: out
    ];
    const q: RadioPoint = { level: 0, x: 5, y: 5 };
    expect(new SpatialGrid(points, r).within(q).sort()).toEqual([0, 1]);
    expect(points.map((p) => inRange(p, q, r))).toEqual([true, true, false, false]);
  });
});
