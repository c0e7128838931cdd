import { z } from "zod";

/**
 * The topology exchange formats (shared/formats/topology.md): `lintel-site/1` in,
 * `lintel-plan/1` out. Plain JSON so a dealer can prepare them in any tool; unknown
 * fields are ignored (zod strips them), partial `radio` / `cost` take the defaults.
 */

const Coordinate = z.number().finite();
const NonEmptyId = z.string().min(1).max(200);

export const RadioParams = z.object({
  hopRangeM: z.number().finite().positive().default(10),
  floorHeightM: z.number().finite().nonnegative().default(3.5),
  floorPenaltyM: z.number().finite().nonnegative().default(6),
});
export type RadioParams = z.output<typeof RadioParams>;

export const CostParams = z.object({
  iq: z.number().finite().nonnegative().default(1),
  repeater: z.number().finite().nonnegative().default(0.5),
});
export type CostParams = z.output<typeof CostParams>;

export const TopologyFloor = z.object({
  id: NonEmptyId,
  level: z.number().int(),
  widthM: z.number().finite().positive(),
  depthM: z.number().finite().positive(),
});
export type TopologyFloor = z.output<typeof TopologyFloor>;

export const DOOR_KINDS = ["cylinder", "escutcheon", "wall-reader", "locker"] as const;

export const TopologyDoor = z.object({
  id: NonEmptyId,
  floor: NonEmptyId,
  x: Coordinate,
  y: Coordinate,
  kind: z.enum(DOOR_KINDS).default("escutcheon"),
});
export type TopologyDoor = z.output<typeof TopologyDoor>;

export const IqSite = z.object({ id: NonEmptyId, floor: NonEmptyId, x: Coordinate, y: Coordinate });
export type IqSite = z.output<typeof IqSite>;

export const SiteSurvey = z
  .object({
    format: z.literal("lintel-site/1"),
    name: z.string().default(""),
    radio: RadioParams.default({ hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 }),
    cost: CostParams.default({ iq: 1, repeater: 0.5 }),
    floors: z.array(TopologyFloor).min(1),
    doors: z.array(TopologyDoor),
    iqSites: z.array(IqSite).default([]),
  })
  .superRefine((s, ctx) => {
    const floorIds = new Set<string>();
    s.floors.forEach((f, i) => {
      if (floorIds.has(f.id)) ctx.addIssue({ code: "custom", path: ["floors", i, "id"], message: `floor id ${f.id} is used twice` });
      floorIds.add(f.id);
    });
    const check = (list: readonly { id: string; floor: string; x: number; y: number }[], key: "doors" | "iqSites") => {
      const seen = new Set<string>();
      list.forEach((d, i) => {
        if (seen.has(d.id)) ctx.addIssue({ code: "custom", path: [key, i, "id"], message: `${key === "doors" ? "door" : "IQ site"} id ${d.id} is used twice` });
        seen.add(d.id);
        if (!floorIds.has(d.floor)) ctx.addIssue({ code: "custom", path: [key, i, "floor"], message: `floor ${d.floor} does not exist` });
      });
    };
    check(s.doors, "doors");
    check(s.iqSites, "iqSites");
    // An IQ must stand on its floor; a site off the floor could never be used.
    const floors = new Map(s.floors.map((f) => [f.id, f]));
    s.iqSites.forEach((site, i) => {
      const f = floors.get(site.floor);
      if (f && (site.x < 0 || site.y < 0 || site.x > f.widthM || site.y > f.depthM)) {
        ctx.addIssue({ code: "custom", path: ["iqSites", i], message: `IQ site ${site.id} lies outside floor ${f.id} (${f.widthM} × ${f.depthM} m)` });
      }
    });
  });
export type SiteSurvey = z.output<typeof SiteSurvey>;

export const PlannedIq = z.object({ id: NonEmptyId, floor: NonEmptyId, x: Coordinate, y: Coordinate, site: NonEmptyId.optional() });
export type PlannedIq = z.output<typeof PlannedIq>;

export const PlannedRepeater = z.object({ id: NonEmptyId, floor: NonEmptyId, x: Coordinate, y: Coordinate, parent: NonEmptyId });
export type PlannedRepeater = z.output<typeof PlannedRepeater>;

export const PlannedLock = z.object({ door: NonEmptyId, parent: NonEmptyId });
export type PlannedLock = z.output<typeof PlannedLock>;

/** A plan as read from a file: structure only. Validity (rules 1-5) is the validator's job. */
export const MeshPlan = z.object({
  format: z.literal("lintel-plan/1"),
  iqs: z.array(PlannedIq),
  repeaters: z.array(PlannedRepeater),
  locks: z.array(PlannedLock),
  cost: z.number().finite(),
});
export type MeshPlan = z.output<typeof MeshPlan>;
