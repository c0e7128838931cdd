import { z } from "zod";
import { Id, Instant, Metres, Name } from "./common.ts";
import { MeshPlan } from "../topology/format.ts";

/** A place where an IQ can stand: power and network are there (topology `iqSites`). */
export const IqSite = z.object({
  id: Id,
  floorId: Id,
  name: Name,
  x: Metres,
  y: Metres,
});
export type IqSite = z.infer<typeof IqSite>;

/**
 * A mesh plan kept in the site file. Its `plan` uses the site's own ids: door ids are
 * door UUIDs, floor ids floor UUIDs, so `lintel check` can read an export as it is.
 */
export const StoredPlan = z.object({
  id: Id,
  createdAt: Instant,
  label: z.string().max(200),
  source: z.enum(["planner", "edited", "imported"]),
  plan: MeshPlan,
  /** The plan this one replaced, for "what changed". */
  previousId: Id.nullable(),
});
export type StoredPlan = z.infer<typeof StoredPlan>;
