import { z } from "zod";
import { Id, Instant, Metres, Name } from "./common.ts";

export const SiteStage = z.enum(["planning", "commissioning", "synced", "handed-over"]);
export type SiteStage = z.infer<typeof SiteStage>;

/** The site itself: one per site file. A site needs a lock, an IQ and a subscription (L251). */
export const Site = z.object({
  id: Id,
  name: Name,
  address: z.string().max(300).default(""),
  /** IANA zone of the building: schedules are wall-clock times there. */
  timezone: z.string().min(1).max(64).default("UTC"),
  stage: SiteStage.default("planning"),
  subscription: z.object({ plan: z.string().min(1), validUntil: Instant }).nullable().default(null),
  createdAt: Instant,
});
export type Site = z.infer<typeof Site>;

/** A floor: a rectangle of the shared frame at an integer level (may be negative). */
export const Floor = z.object({
  id: Id,
  name: Name,
  level: z.number().int().min(-20).max(200),
  widthM: Metres.positive(),
  depthM: Metres.positive(),
  /** Floor-plan image kept in the site file, and its scale once calibrated. */
  plan: z.object({ imageId: Id, metresPerPixel: z.number().positive() }).nullable().default(null),
});
export type Floor = z.infer<typeof Floor>;

/** A door: a place on a floor that gets a lock. */
export const Door = z.object({
  id: Id,
  floorId: Id,
  name: Name,
  x: Metres,
  y: Metres,
});
export type Door = z.infer<typeof Door>;
