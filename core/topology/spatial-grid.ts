import { RANGE_EPSILON_M, type RadioPoint } from "./radio.ts";
import type { RadioParams } from "./format.ts";

/**
 * A uniform grid over (level, x, y) so that "everything within radio range of p" costs
 * a few cells instead of a scan of the site: what keeps 10,000-door plans in budget.
 */
export class SpatialGrid<T extends RadioPoint> {
  private readonly cells = new Map<number, number[]>();
  /** Levels that hold at least one item, ascending: the only ones worth visiting. */
  private readonly levels: number[];

  constructor(
    readonly items: readonly T[],
    private readonly radio: RadioParams,
    private readonly cellM = radio.hopRangeM,
  ) {
    items.forEach((p, i) => this.add(p, i));
    this.levels = [...new Set(items.map((p) => p.level))].sort((a, b) => a - b);
  }

  /** One number per cell (level, cx, cy): string keys cost more than the distance maths. */
  private key(level: number, cx: number, cy: number): number {
    return ((level + 512) * 2_097_152 + (cx + 1_048_576)) * 2_097_152 + (cy + 1_048_576);
  }

  private add(p: T, index: number): void {
    const k = this.key(p.level, Math.floor(p.x / this.cellM), Math.floor(p.y / this.cellM));
    const cell = this.cells.get(k);
    if (cell) cell.push(index);
    else this.cells.set(k, [index]);
  }

  /** Indices of items within `hops` radio hops' straight reach (radio distance ≤ hops × range). */
  within(p: RadioPoint, hops = 1): number[] {
    // The hot loop of planning: radio distance inlined, parameters read once.
    const { hopRangeM, floorHeightM, floorPenaltyM } = this.radio;
    const reach = hopRangeM * hops + RANGE_EPSILON_M;
    const perFloor = floorHeightM + floorPenaltyM;
    const levelReach = perFloor > 0 ? Math.floor(reach / perFloor) : Number.MAX_SAFE_INTEGER;
    const cellM = this.cellM;
    const px = p.x;
    const py = p.y;
    const out: number[] = [];
    for (const level of this.levels) {
      const dl = Math.abs(level - p.level);
      if (dl > levelReach) continue;
      // Left for the horizontal distance once the floors crossed are paid for.
      const budget = reach - dl * floorPenaltyM;
      if (budget < 0) continue;
      const dz2 = (dl * floorHeightM) ** 2;
      const limit2 = budget * budget;
      if (limit2 < dz2) continue;
      // Only the cells the horizontal reach on this level touches (a floor away, far fewer).
      const flat = Math.sqrt(limit2 - dz2) + 1e-6;
      const x0 = Math.floor((px - flat) / cellM);
      const x1 = Math.floor((px + flat) / cellM);
      const y0 = Math.floor((py - flat) / cellM);
      const y1 = Math.floor((py + flat) / cellM);
      for (let gx = x0; gx <= x1; gx++) {
        for (let gy = y0; gy <= y1; gy++) {
          const cell = this.cells.get(this.key(level, gx, gy));
          if (!cell) continue;
          for (const i of cell) {
            const q = this.items[i]!;
            const ex = q.x - px;
            const ey = q.y - py;
            if (ex * ex + ey * ey + dz2 <= limit2) out.push(i);
          }
        }
      }
    }
    return out;
  }
}
