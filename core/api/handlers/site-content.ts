import type { Workspace } from "../../app/workspace.ts";
import type { Door, Floor, Lock, LockHardware, LockKind } from "../../domain/index.ts";
import { AppError } from "../../errors/index.ts";
import type { Clock } from "../../ports/clock.ts";
import type { IdSource } from "../../ports/ids.ts";
import type { SiteStore } from "../../store/site-store.ts";
import type { DoorRow } from "../contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

function doorRows(store: SiteStore): DoorRow[] {
  const floors = new Map(store.list("floor").map((f: Floor) => [f.id, f]));
  const locks = new Map(store.list("lock").map((l: Lock) => [l.doorId, l]));
  return store
    .list("door")
    .map((door: Door) => ({ door, floorName: floors.get(door.floorId)?.name ?? "?", lock: locks.get(door.id) ?? null }));
}

/** New lock hardware of a kind, with the defaults an installer would pick. */
export function defaultHardware(kind: LockKind, lockerBankId?: string): LockHardware {
  switch (kind) {
    case "cylinder":
      return { kind };
    case "escutcheon":
      return { kind, generation: "bluenet" };
    case "wall-reader":
      return { kind, controller: { deviceId: null, drives: "door" } };
    case "locker":
      if (!lockerBankId) throw new AppError("door.locker_needs_bank", "A locker lock belongs to a locker bank; create the bank first.");
      return { kind, bankId: lockerBankId, number: 1 };
    default: {
      const never: never = kind;
      throw new Error(`unknown lock kind ${String(never)}`);
    }
  }
}

/** What is inside one site: floors, doors and locks, people, tags, the journal. */
export function siteContentHandlers(ws: Workspace, hub: EventHub, deps: { clock: Clock; ids: IdSource }): HandlerModule {
  return {
    "site.overview": ({ siteId }) => {
      const store = ws.get(siteId);
      const doors = store.list("door");
      const floors = store
        .list("floor")
        .sort((a, b) => a.level - b.level)
        .map((f) => ({ ...f, doors: doors.filter((d) => d.floorId === f.id).length }));
      return { site: store.site(), path: store.path, counts: store.counts(), floors };
    },
    "floors.list": ({ siteId }) => ws.get(siteId).list("floor").sort((a, b) => a.level - b.level),
    "doors.list": ({ siteId }) => doorRows(ws.get(siteId)),
    "doors.create": ({ siteId, floorId, name, x, y, lockKind }, ctx) => {
      const store = ws.get(siteId);
      const floor = store.get("floor", floorId);
      if (!floor) throw new AppError("door.no_floor", "That floor is not part of this site.", { floorId });
      if (x > floor.widthM || y > floor.depthM) {
        throw new AppError("door.outside_floor", `The door lies outside ${floor.name} (${floor.widthM} × ${floor.depthM} m).`, { x, y });
      }
      const row = store.act({ name: "doors.create", actor: ctx.actor }, (tx) => {
        const door = tx.insert("door", { id: deps.ids.next(), floorId, name, x, y });
        const lock = tx.insert("lock", { id: deps.ids.next(), doorId: door.id, name, hardware: defaultHardware(lockKind) });
        return { door, floorName: floor.name, lock };
      });
      hub.emit("site.changed", { siteId, action: "doors.create" });
      return row;
    },
    "users.search": ({ siteId, query, limit, offset }) => ws.get(siteId).searchUsers({ query, limit, offset }),
    "users.create": ({ siteId, firstName, lastName, email, role }, ctx) => {
      const store = ws.get(siteId);
      const user = store.act({ name: "users.create", actor: ctx.actor }, (tx) =>
        tx.insert("user", { id: deps.ids.next(), firstName, lastName, email, role, createdAt: new Date(deps.clock.now()).toISOString() }),
      );
      hub.emit("site.changed", { siteId, action: "users.create" });
      return user;
    },
    "tags.list": ({ siteId }) => ws.get(siteId).list("tag"),
    "journal.list": ({ siteId, afterSeq, limit }) => ws.get(siteId).journal({ afterSeq, limit }),
  };
}
