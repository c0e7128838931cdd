import type { RadioParams, SiteSurvey, TopologyFloor } from "./format.ts";
import type { RadioPoint } from "./radio.ts";

/** A point placed on a named floor: where a lock, repeater or IQ can stand. */
export interface FloorPoint extends RadioPoint {
  readonly floor: string;
}

const EDGE_M = 1e-9;

/** The survey, indexed for planning: floors by id and by level, doors as points. */
export class SiteModel {
  readonly radio: RadioParams;
  readonly doors: readonly (FloorPoint & { readonly id: string })[];
  readonly iqSites: readonly (FloorPoint & { readonly id: string })[];
  private readonly floorsById = new Map<string, TopologyFloor>();
  private readonly floorsByLevel = new Map<number, TopologyFloor[]>();

  constructor(readonly survey: SiteSurvey) {
    this.radio = survey.radio;
    for (const f of survey.floors) {
      this.floorsById.set(f.id, f);
      const list = this.floorsByLevel.get(f.level) ?? [];
      list.push(f);
      this.floorsByLevel.set(f.level, list);
    }
    const place = (p: { id: string; floor: string; x: number; y: number }) => ({ id: p.id, floor: p.floor, level: this.floor(p.floor).level, x: p.x, y: p.y });
    this.doors = survey.doors.map(place);
    this.iqSites = survey.iqSites.map(place);
  }

  floor(id: string): TopologyFloor {
    const f = this.floorsById.get(id);
    if (!f) throw new Error(`unknown floor ${id}`); // the survey schema guarantees it exists
    return f;
  }

  /** The same (x, y) pulled inside its floor's bounds. */
  clamp(p: FloorPoint): FloorPoint {
    const f = this.floor(p.floor);
    return { floor: p.floor, level: p.level, x: Math.min(Math.max(p.x, 0), f.widthM), y: Math.min(Math.max(p.y, 0), f.depthM) };
  }

  /** A floor on `level` whose rectangle holds (x, y), if any: relays can only stand on a floor. */
  floorAt(level: number, x: number, y: number): TopologyFloor | undefined {
    for (const f of this.floorsByLevel.get(level) ?? []) {
      if (x >= -EDGE_M && y >= -EDGE_M && x <= f.widthM + EDGE_M && y <= f.depthM + EDGE_M) return f;
    }
    return undefined;
  }

  /** The floors on one level (several buildings may share a level). */
  floorsOn(level: number): readonly TopologyFloor[] {
    return this.floorsByLevel.get(level) ?? [];
  }

  isOnFloor(p: FloorPoint): boolean {
    const f = this.floorsById.get(p.floor);
    return !!f && f.level === p.level && p.x >= -EDGE_M && p.y >= -EDGE_M && p.x <= f.widthM + EDGE_M && p.y <= f.depthM + EDGE_M;
  }
}
