import type { RadioParams } from "./format.ts";

/** A point of the shared frame on a floor level. */
export interface RadioPoint {
  readonly level: number;
  readonly x: number;
  readonly y: number;
}

/** Rounding slack the format allows when comparing a hop with the range. */
export const RANGE_EPSILON_M = 1e-9;

/**
 * Radio distance between two points (shared/formats/topology.md): straight-line
 * distance through the floors plus a penalty per floor crossed.
 */
export function radioDistance(a: RadioPoint, b: RadioPoint, radio: RadioParams): number {
  const dl = Math.abs(a.level - b.level);
  const dz = dl * radio.floorHeightM;
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy + dz * dz) + dl * radio.floorPenaltyM;
}

export function inRange(a: RadioPoint, b: RadioPoint, radio: RadioParams): boolean {
  return radioDistance(a, b, radio) <= radio.hopRangeM + RANGE_EPSILON_M;
}

/** How many floors apart two points can be and still reach each other in one hop. */
export function maxLevelReach(radio: RadioParams): number {
  const perFloor = radio.floorHeightM + radio.floorPenaltyM;
  return perFloor <= 0 ? Number.MAX_SAFE_INTEGER : Math.floor((radio.hopRangeM + RANGE_EPSILON_M) / perFloor);
}
