import type { Workspace } from "../../app/workspace.ts";
import type { Door, Floor, IqSite } from "../../domain/index.ts";
import { AppError } from "../../errors/index.ts";
import type { IdSource } from "../../ports/ids.ts";
import { decodeFloorImage } from "../../plans/floor-image.ts";
import type { SiteStore } from "../../store/index.ts";
import type { EventHub, HandlerModule } from "../router.ts";

function floorOf(store: SiteStore, floorId: string): Floor {
  const floor = store.get("floor", floorId);
  if (!floor) throw new AppError("floor.not_found", "That floor is not part of this site.", { floorId });
  return floor;
}

/** Refuses a point off its floor: the planner and the validator take a floor's bounds as walls. */
function assertOnFloor(floor: Floor, x: number, y: number, what: "door" | "iqSite"): void {
  if (x > floor.widthM || y > floor.depthM) {
    const noun = what === "door" ? "The door" : "The IQ place";
    throw new AppError(`${what === "door" ? "door" : "iqSite"}.outside_floor`, `${noun} lies outside ${floor.name} (${floor.widthM} × ${floor.depthM} m).`, { x, y });
  }
}

/** Floors and what stands on them: floor shapes and plan images, moving and removing doors, IQ places. */
export function floorHandlers(ws: Workspace, hub: EventHub, deps: { ids: IdSource }): HandlerModule {
  const changed = (siteId: string, action: string) => hub.emit("site.changed", { siteId, action });
  return {
    "floors.create": ({ siteId, name, level, widthM, depthM }, ctx) => {
      const store = ws.get(siteId);
      const floor = store.act({ name: "floors.create", actor: ctx.actor }, (tx) => tx.insert("floor", { id: deps.ids.next(), name, level, widthM, depthM }));
      changed(siteId, "floors.create");
      return floor;
    },

    "floors.update": ({ siteId, floorId, name, level, widthM, depthM, metresPerPixel }, ctx) => {
      const store = ws.get(siteId);
      const floor = floorOf(store, floorId);
      const next: Floor = {
        ...floor,
        name: name ?? floor.name,
        level: level ?? floor.level,
        widthM: widthM ?? floor.widthM,
        depthM: depthM ?? floor.depthM,
      };
      if (metresPerPixel !== undefined) {
        if (!floor.plan) throw new AppError("floor.no_plan_image", `${floor.name} has no plan image to scale. Upload one first.`, { floorId });
        next.plan = { ...floor.plan, metresPerPixel };
      }
      // A smaller floor must not strand what stands on it: say exactly what would be left outside.
      const outside = <T extends Door | IqSite>(list: T[]) =>
        list.filter((p) => p.floorId === floorId && (p.x > next.widthM || p.y > next.depthM)).map((p) => ({ id: p.id, name: p.name, x: p.x, y: p.y }));
      const doors = outside(store.list("door"));
      const iqSites = outside(store.list("iqSite"));
      if (doors.length > 0 || iqSites.length > 0) {
        const names = [...doors, ...iqSites].map((p) => p.name);
        const listed = names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
        throw new AppError(
          "floor.doors_outside",
          `${floor.name} cannot be ${next.widthM} × ${next.depthM} m: ${listed} would lie outside it. Move them first.`,
          { floorId, widthM: next.widthM, depthM: next.depthM, doors, iqSites },
        );
      }
      const updated = store.act({ name: "floors.update", actor: ctx.actor }, (tx) => tx.update("floor", floorId, next));
      changed(siteId, "floors.update");
      return updated;
    },

    "floors.setPlanImage": ({ siteId, floorId, dataBase64, metresPerPixel }, ctx) => {
      const store = ws.get(siteId);
      floorOf(store, floorId);
      // The declared type is only a hint: the bytes decide (see floor-image.ts).
      const image = decodeFloorImage(dataBase64);
      const floor = store.act({ name: "floors.setPlanImage", actor: ctx.actor }, (tx) => {
        const imageId = tx.putFloorImage({ floorId, mime: image.mime, bytes: image.bytes });
        const previous = tx.get("floor", floorId)?.plan?.imageId;
        const updated = tx.update("floor", floorId, (f) => ({ ...f, plan: { imageId, metresPerPixel } }));
        if (previous !== undefined && previous !== imageId) tx.removeFloorImage(previous);
        return updated;
      });
      changed(siteId, "floors.setPlanImage");
      return floor;
    },

    "floors.planImage": ({ siteId, floorId }) => {
      const store = ws.get(siteId);
      const plan = floorOf(store, floorId).plan;
      if (!plan) return null;
      const image = store.floorImage(plan.imageId);
      if (!image) return null;
      return { mime: image.mime, dataBase64: Buffer.from(image.bytes).toString("base64"), metresPerPixel: plan.metresPerPixel };
    },

    "doors.move": ({ siteId, doorId, x, y }, ctx) => {
      const store = ws.get(siteId);
      const door = store.get("door", doorId);
      if (!door) throw new AppError("door.not_found", "That door is not part of this site.", { doorId });
      assertOnFloor(floorOf(store, door.floorId), x, y, "door");
      const moved = store.act({ name: "doors.move", actor: ctx.actor }, (tx) => tx.update("door", doorId, { ...door, x, y }));
      changed(siteId, "doors.move");
      return moved;
    },

    "doors.delete": ({ siteId, doorId }, ctx) => {
      const store = ws.get(siteId);
      if (!store.get("door", doorId)) return { deleted: false };
      store.act({ name: "doors.delete", actor: ctx.actor }, (tx) => {
        const locks = tx.list("lock").filter((l) => l.doorId === doorId);
        const lockIds = new Set(locks.map((l) => l.id));
        // Access groups name locks by id (a real foreign key): take the lock out of them in the same action.
        for (const g of tx.list("accessGroup")) {
          if (g.lockIds.some((id) => lockIds.has(id))) tx.update("accessGroup", g.id, { ...g, lockIds: g.lockIds.filter((id) => !lockIds.has(id)) });
        }
        for (const l of locks) tx.remove("lock", l.id);
        tx.remove("door", doorId);
      });
      changed(siteId, "doors.delete");
      return { deleted: true };
    },

    "iqSites.list": ({ siteId }) => ws.get(siteId).list("iqSite"),

    "iqSites.create": ({ siteId, floorId, name, x, y }, ctx) => {
      const store = ws.get(siteId);
      assertOnFloor(floorOf(store, floorId), x, y, "iqSite");
      const site = store.act({ name: "iqSites.create", actor: ctx.actor }, (tx) => tx.insert("iqSite", { id: deps.ids.next(), floorId, name, x, y }));
      changed(siteId, "iqSites.create");
      return site;
    },

    "iqSites.delete": ({ siteId, iqSiteId }, ctx) => {
      const store = ws.get(siteId);
      if (!store.get("iqSite", iqSiteId)) return { deleted: false };
      store.act({ name: "iqSites.delete", actor: ctx.actor }, (tx) => tx.remove("iqSite", iqSiteId));
      changed(siteId, "iqSites.delete");
      return { deleted: true };
    },
  };
}
