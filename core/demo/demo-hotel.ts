import type { LockKind } from "../domain/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { IdSource } from "../ports/ids.ts";
import type { SiteStore } from "../store/site-store.ts";
import { defaultHardware } from "../api/handlers/site-content.ts";

export const DEMO_SITE_FILE = "demo-hotel-aurora.lintel";

/** Rooms of the demo: a small two-floor hotel around one corridor per floor. */
const FLOORS = [
  {
    name: "Ground floor",
    level: 0,
    doors: [
      ["Main entrance", 2, 8, "wall-reader"],
      ["Reception office", 8, 3, "escutcheon"],
      ["Luggage room", 14, 3, "cylinder"],
      ["Room 001", 20, 3, "escutcheon"],
      ["Room 002", 26, 3, "escutcheon"],
      ["Room 003", 32, 3, "escutcheon"],
      ["Room 004", 20, 13, "escutcheon"],
      ["Room 005", 26, 13, "escutcheon"],
      ["Staff room", 38, 13, "cylinder"],
      ["Car park gate", 46, 8, "wall-reader"],
    ],
  },
  {
    name: "First floor",
    level: 1,
    doors: [
      ["Room 101", 8, 3, "escutcheon"],
      ["Room 102", 14, 3, "escutcheon"],
      ["Room 103", 20, 3, "escutcheon"],
      ["Room 104", 26, 3, "escutcheon"],
      ["Room 105", 32, 3, "escutcheon"],
      ["Room 106", 8, 13, "escutcheon"],
      ["Room 107", 14, 13, "escutcheon"],
      ["Room 108", 20, 13, "escutcheon"],
      ["Linen store", 32, 13, "cylinder"],
      ["Roof access", 44, 8, "cylinder"],
    ],
  },
] as const satisfies readonly { name: string; level: number; doors: readonly (readonly [string, number, number, LockKind])[] }[];

const PEOPLE = [
  ["Maren", "Claes", "maren.claes@aurora-hotel.example", "owner"],
  ["Jonas", "Peeters", "jonas.peeters@aurora-hotel.example", "site-admin"],
  ["Lea", "Dubois", "lea.dubois@aurora-hotel.example", "site-super-user"],
  ["Tom", "Wouters", "tom.wouters@aurora-hotel.example", "user"],
  ["Sofia", "Ricci", "sofia.ricci@aurora-hotel.example", "user"],
  ["Ahmed", "Benali", null, "user"],
] as const;

/**
 * Fills a new site with the demo hotel: 2 floors, 20 doors with their locks, 2 IQs
 * placed but not yet commissioned, 6 people and 8 tags. Every step is a journaled
 * action, exactly as if an installer had typed it in.
 */
export function seedDemoHotel(store: SiteStore, deps: { readonly actor: string; readonly clock: Clock; readonly ids: IdSource }): void {
  const { actor, ids } = deps;
  const now = new Date(deps.clock.now()).toISOString();
  store.act({ name: "demo.floors-and-doors", actor }, (tx) => {
    for (const f of FLOORS) {
      const floor = tx.insert("floor", { id: ids.next(), name: f.name, level: f.level, widthM: 50, depthM: 16 });
      for (const [name, x, y, kind] of f.doors) {
        const door = tx.insert("door", { id: ids.next(), floorId: floor.id, name, x, y });
        tx.insert("lock", { id: ids.next(), doorId: door.id, name, hardware: defaultHardware(kind) });
      }
      tx.insert("iq", { id: ids.next(), name: `IQ ${f.name.toLowerCase()}`, position: { floorId: floor.id, x: 24, y: 8 } });
    }
  });
  store.act({ name: "demo.people-and-tags", actor }, (tx) => {
    const users = PEOPLE.map(([firstName, lastName, email, role]) =>
      tx.insert("user", { id: ids.next(), firstName, lastName, email, role, createdAt: now, waysOfOpening: { digitalKey: true, remoteOpening: role !== "user", pin: false, tag: true } }),
    );
    const tagNumbers = ["04A2B9C1", "04A2B9C2", "04A2B9C3", "04A2B9C4", "04A2B9C5", "04A2B9C6", "04A2B9C7", "04A2B9C8"];
    tagNumbers.forEach((number, i) => {
      const holder = i < 5 ? users[i] : undefined;
      tx.insert("tag", {
        id: ids.next(),
        number,
        state: i === 7 ? "blocked" : holder ? "assigned" : "unassigned",
        userId: holder?.id ?? null,
        masterKey: i === 1,
        assignedAt: holder ? now : null,
      });
    });
  });
}
