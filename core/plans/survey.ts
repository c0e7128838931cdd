import type { LockKind } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";
import type { SiteStore } from "../store/index.ts";
import { CostParams, RadioParams, type SiteSurvey } from "../topology/format.ts";

/**
 * The site as the planner reads it (`lintel-site/1`), in the site's own ids: floor
 * UUIDs, door UUIDs and IQ-site UUIDs, so a stored plan points straight at the site.
 * A door's kind is its lock's hardware; a door without a lock counts as an escutcheon
 * (the format's default). Radio and cost are the format's defaults.
 */
export function surveyOf(store: SiteStore): SiteSurvey {
  const floors = store.list("floor").sort((a, b) => a.level - b.level);
  if (floors.length === 0) throw new AppError("plan.no_floors", "This site has no floors yet. Add a floor or import doors first.");
  const kinds = new Map<string, LockKind>(store.list("lock").map((l) => [l.doorId, l.hardware.kind]));
  return {
    format: "lintel-site/1",
    name: store.site().name,
    radio: RadioParams.parse({}),
    cost: CostParams.parse({}),
    floors: floors.map((f) => ({ id: f.id, level: f.level, widthM: f.widthM, depthM: f.depthM })),
    doors: store.list("door").map((d) => ({ id: d.id, floor: d.floorId, x: d.x, y: d.y, kind: kinds.get(d.id) ?? "escutcheon" })),
    iqSites: store.list("iqSite").map((s) => ({ id: s.id, floor: s.floorId, x: s.x, y: s.y })),
  };
}
