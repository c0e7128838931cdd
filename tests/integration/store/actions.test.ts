import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors/index.ts";
import type { Door, Floor } from "../../../core/domain/index.ts";
import { ENTITIES, SiteStore, type EntityName } from "../../../core/store/index.ts";
import { exactDeps, makeTempDir } from "./site-fixtures.ts";

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

describe("actions and the journal", () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SiteStore;
  let deps: ReturnType<typeof exactDeps>;
  let path: string;

  beforeEach(() => {
    temp = makeTempDir();
    deps = exactDeps();
    path = join(temp.dir, "site.lintel");
    store = SiteStore.create(path, { name: "Hotel Aurora" }, deps);
  });
  afterEach(() => {
    store.close();
    temp.remove();
  });

  const addFloor = (name = "Ground") =>
    store.act({ name: "floors.create" }, (tx) => tx.insert("floor", { name, level: 0, widthM: 40, depthM: 12 }));

  /** Everything the journal and tables hold, to prove an action left no trace. */
  const snapshot = () => ({
    journal: store.journal({ limit: 10_000 }),
    clock: store.logicalClock(),
    counts: store.counts(),
    floors: store.list("floor"),
    doors: store.list("door"),
  });

  it("journals every write of an action exactly: op, before, after, clock, actor, time", () => {
    deps.clock.advance(60_000);
    let actionId = "";
    const { floor, door } = store.act({ name: "doors.create", actor: "ana@dealer" }, (tx) => {
      actionId = tx.actionId;
      expect(tx.at).toBe("2026-03-14T09:31:00.000Z");
      const floor = tx.insert("floor", { name: "Ground", level: 0, widthM: 40, depthM: 12 });
      const door = tx.insert("door", { floorId: floor.id, name: "Room 101", x: 3, y: 4 });
      return { floor, door };
    });
    deps.clock.advance(60_000);
    const renamed = store.act({ name: "doors.rename" }, (tx) => tx.update("door", door.id, (d) => ({ ...d, name: "Room 101A" })));
    deps.clock.advance(60_000);
    const removeAction = store.act({ name: "doors.remove" }, (tx) => {
      tx.remove("door", door.id);
      return tx.actionId;
    });

    const floorDoc: Floor = { id: floor.id, name: "Ground", level: 0, widthM: 40, depthM: 12, plan: null };
    const doorDoc: Door = { id: door.id, floorId: floor.id, name: "Room 101", x: 3, y: 4 };
    expect(floor).toEqual(floorDoc);
    expect(door).toEqual(doorDoc);
    expect(renamed).toEqual({ ...doorDoc, name: "Room 101A" });

    const entries = store.journal({ afterSeq: 1, limit: 100 });
    const renameAction = entries[2]!.actionId;
    expect(entries).toEqual([
      { seq: 2, actionId, action: "doors.create", entity: "floor", entityId: floor.id, op: "insert", before: null, after: floorDoc, clock: 2, actor: "ana@dealer", at: "2026-03-14T09:31:00.000Z" },
      { seq: 3, actionId, action: "doors.create", entity: "door", entityId: door.id, op: "insert", before: null, after: doorDoc, clock: 2, actor: "ana@dealer", at: "2026-03-14T09:31:00.000Z" },
      {
        seq: 4, actionId: renameAction, action: "doors.rename", entity: "door", entityId: door.id, op: "update",
        before: doorDoc, after: { ...doorDoc, name: "Room 101A" }, clock: 3, actor: "installer@test", at: "2026-03-14T09:32:00.000Z",
      },
      {
        seq: 5, actionId: removeAction, action: "doors.remove", entity: "door", entityId: door.id, op: "delete",
        before: { ...doorDoc, name: "Room 101A" }, after: null, clock: 4, actor: "installer@test", at: "2026-03-14T09:33:00.000Z",
      },
    ]);
    expect(new Set([actionId, renameAction, removeAction]).size).toBe(3);
    expect(store.logicalClock()).toBe(4);
    expect(store.get("door", door.id)).toBeUndefined();
  });

  it("pages the journal with a cursor", () => {
    const floor = addFloor();
    store.act({ name: "doors.create" }, (tx) => {
      for (let i = 0; i < 5; i++) tx.insert("door", { floorId: floor.id, name: `D${i}`, x: 0, y: 0 });
    });
    const first = store.journal({ limit: 3 });
    const rest = store.journal({ afterSeq: first.at(-1)!.seq, limit: 100 });
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(rest.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    expect(() => store.journal({ limit: 0 })).toThrow();
  });

  it("writes nothing when an update leaves the document as it is", () => {
    const floor = addFloor();
    const before = snapshot();
    const same = store.act({ name: "floors.rename" }, (tx) => tx.update("floor", floor.id, { ...floor, name: "  Ground  " }));
    expect(same).toEqual(floor);
    expect(snapshot()).toEqual(before);
  });

  it("writes nothing at all when the action throws, whatever it did before", () => {
    const floor = addFloor();
    const door = store.act({ name: "doors.create" }, (tx) => tx.insert("door", { floorId: floor.id, name: "Keep", x: 1, y: 1 }));
    const before = snapshot();
    expect(() =>
      store.act({ name: "doors.bulk" }, (tx) => {
        for (let i = 0; i < 10; i++) tx.insert("door", { floorId: floor.id, name: `New ${i}`, x: 0, y: 0 });
        tx.update("door", door.id, { ...door, name: "Changed" });
        tx.update("floor", floor.id, { ...floor, level: 3 });
        throw new Error("the installer pressed cancel");
      }),
    ).toThrow("the installer pressed cancel");
    expect(snapshot()).toEqual(before);

    // A refused write rolls back the writes before it too.
    const refused = failure(() =>
      store.act({ name: "doors.bulk" }, (tx) => {
        tx.insert("door", { floorId: floor.id, name: "First", x: 0, y: 0 });
        tx.insert("door", { floorId: floor.id, name: "", x: 0, y: 0 });
      }),
    );
    expect(refused.code).toBe("store.invalid");
    expect(snapshot()).toEqual(before);

    // The next action takes the next clock tick: a rolled-back one consumed none.
    addFloor("First");
    expect(store.logicalClock()).toBe(before.clock + 1);
  });

  it("validates every write with the entity's schema", () => {
    const floor = addFloor();
    const error = failure(() => store.act({ name: "doors.create" }, (tx) => tx.insert("door", { floorId: floor.id, name: "D", x: -1, y: 0 })));
    expect(error.code).toBe("store.invalid");
    expect(error.message).toContain("door");
    expect(failure(() => store.act({ name: "floors.update" }, (tx) => tx.update("floor", floor.id, { ...floor, level: 1.5 }))).code).toBe("store.invalid");
    expect(failure(() => store.act({ name: "floors.update" }, (tx) => tx.update("floor", floor.id, { ...floor, id: deps.ids.next() }))).code).toBe("store.invalid");
    expect(failure(() => store.act({ name: "floors.update" }, (tx) => tx.update("floor", deps.ids.next(), floor))).code).toBe("store.not_found");
    expect(failure(() => store.act({ name: "floors.remove" }, (tx) => tx.remove("floor", deps.ids.next()))).code).toBe("store.not_found");
    expect(failure(() => store.act({ name: "site.remove" }, (tx) => tx.remove("site", store.siteId))).code).toBe("store.invalid");
  });

  it("turns refused references and duplicates into store errors", () => {
    const floor = addFloor();
    const missingFloor = failure(() => store.act({ name: "doors.create" }, (tx) => tx.insert("door", { floorId: deps.ids.next(), name: "D", x: 0, y: 0 })));
    expect(missingFloor.code).toBe("store.reference");
    const door = store.act({ name: "doors.create" }, (tx) => tx.insert("door", { floorId: floor.id, name: "D", x: 0, y: 0 }));
    expect(failure(() => store.act({ name: "floors.remove" }, (tx) => tx.remove("floor", floor.id))).code).toBe("store.reference");
    expect(failure(() => store.act({ name: "doors.create" }, (tx) => tx.insert("door", { ...door }))).code).toBe("store.conflict");

    const user = store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "Ana", lastName: "López" }));
    store.act({ name: "tags.register" }, (tx) => tx.insert("tag", { number: "04a1b2c3", state: "assigned", userId: user.id }));
    const duplicate = failure(() => store.act({ name: "tags.register" }, (tx) => tx.insert("tag", { number: " 04A1B2C3 ", state: "unassigned" })));
    expect(duplicate.code).toBe("store.conflict");
    expect(failure(() => store.act({ name: "users.remove" }, (tx) => tx.remove("user", user.id))).code).toBe("store.reference");
  });

  it("deletes in dependency order within one action", () => {
    const floor = addFloor();
    store.act({ name: "doors.create" }, (tx) => tx.insert("door", { floorId: floor.id, name: "D", x: 0, y: 0 }));
    store.act({ name: "floors.remove" }, (tx) => {
      for (const d of tx.list("door")) tx.remove("door", d.id);
      tx.remove("floor", floor.id);
    });
    expect(store.counts()).toMatchObject({ floors: 0, doors: 0 });
  });

  it("keeps extracted columns and join rows in step with the document", () => {
    const ids = store.act({ name: "site.seed" }, (tx) => {
      const floor = tx.insert("floor", { name: "G", level: -1, widthM: 10, depthM: 10 });
      const door = tx.insert("door", { floorId: floor.id, name: "D", x: 1, y: 1 });
      const iq = tx.insert("iq", { name: "IQ 1", serial: "IQ-0001", position: { floorId: floor.id, x: 1, y: 1 } });
      const repeater = tx.insert("repeater", { name: "R1", deviceId: "ab12cd34", parent: { kind: "iq", id: iq.id } });
      const lock = tx.insert("lock", { doorId: door.id, name: "L", hardware: { kind: "cylinder" }, deviceId: "0011aabb", parent: { kind: "repeater", id: repeater.id } });
      const user = tx.insert("user", { firstName: "Émile", lastName: "Zola", email: "Emile@Example.com" });
      const tag = tx.insert("tag", { number: "1234", state: "assigned", userId: user.id });
      const schedule = tx.insert("schedule", {
        name: "Office hours",
        timeframes: [{ monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false, startTime: "08:00:00", endTime: "18:00:00" }],
      });
      const group = tx.insert("accessGroup", { name: "Staff", lockIds: [lock.id], scheduleIds: [schedule.id], userIds: [user.id] });
      return { floor, door, iq, repeater, lock, user, tag, schedule, group };
    });
    store.act({ name: "site.rewire" }, (tx) => {
      tx.update("lock", ids.lock.id, (l) => ({ ...l, parent: { kind: "iq", id: ids.iq.id }, deviceId: null }));
      tx.update("accessGroup", ids.group.id, (g) => ({ ...g, userIds: [], lockIds: [ids.lock.id] }));
      tx.update("user", ids.user.id, (u) => ({ ...u, email: null, lastName: "Ångström" }));
    });
    store.close();

    const db = new Database(path, { readonly: true });
    const row = (table: string, id: string) => db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown>;
    for (const name of Object.keys(ENTITIES) as EntityName[]) {
      const spec = ENTITIES[name];
      for (const r of db.prepare(`SELECT * FROM ${spec.table}`).all() as Record<string, unknown>[]) {
        const doc = JSON.parse(r["data"] as string);
        const { id, data, one, ...extracted } = r;
        expect(doc.id).toBe(id);
        expect(data).toBeTypeOf("string");
        void one;
        expect(extracted, `${name} columns`).toEqual((spec.columns as (d: unknown) => object)(doc));
      }
    }
    expect(row("locks", ids.lock.id)).toMatchObject({ parent_iq_id: ids.iq.id, parent_repeater_id: null, device_id: null, door_id: ids.door.id });
    expect(row("repeaters", ids.repeater.id)).toMatchObject({ parent_iq_id: ids.iq.id, device_id: "AB12CD34" });
    expect(row("users", ids.user.id)).toMatchObject({ first_key: "emile", last_key: "angstrom", email_key: null });
    expect(db.prepare(`SELECT * FROM access_group_users`).all()).toEqual([]);
    expect(db.prepare(`SELECT group_id, lock_id FROM access_group_locks`).all()).toEqual([{ group_id: ids.group.id, lock_id: ids.lock.id }]);
    expect(db.prepare(`SELECT group_id, schedule_id FROM access_group_schedules`).all()).toEqual([{ group_id: ids.group.id, schedule_id: ids.schedule.id }]);
    db.close();
    store = SiteStore.open(path, deps);
  });

  it("refuses links to missing things and removal of linked ones", () => {
    const user = store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "Ana", lastName: "López" }));
    expect(failure(() => store.act({ name: "groups.create" }, (tx) => tx.insert("accessGroup", { name: "G", lockIds: [deps.ids.next()], scheduleIds: [], userIds: [] }))).code).toBe("store.reference");
    const group = store.act({ name: "groups.create" }, (tx) => tx.insert("accessGroup", { name: "G", lockIds: [], scheduleIds: [], userIds: [user.id] }));
    expect(failure(() => store.act({ name: "users.remove" }, (tx) => tx.remove("user", user.id))).code).toBe("store.reference");
    store.act({ name: "groups.remove" }, (tx) => tx.remove("accessGroup", group.id));
    store.act({ name: "users.remove" }, (tx) => tx.remove("user", user.id));
    expect(store.counts().users).toBe(0);
  });

  it("stamps createdAt from the clock and ids from the id source", () => {
    deps.clock.advance(3_600_000);
    const user = store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "Ana", lastName: "López", email: "ana@example.com" }));
    expect(user.createdAt).toBe("2026-03-14T10:30:00.000Z");
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(store.get("user", user.id)).toEqual(user);
  });

  it("refuses misuse: nesting, async functions, a handle kept after its action, bad names", () => {
    expect(failure(() => store.act({ name: "a.b" }, () => store.act({ name: "c.d" }, () => 1))).code).toBe("store.action_misuse");
    const before = snapshot();
    expect(
      failure(() =>
        store.act({ name: "floors.create" }, (tx) => {
          tx.insert("floor", { name: "G", level: 0, widthM: 1, depthM: 1 });
          return Promise.resolve(1);
        }),
      ).code,
    ).toBe("store.action_misuse");
    expect(snapshot()).toEqual(before);
    let kept: Parameters<Parameters<SiteStore["act"]>[1]>[0] | undefined;
    store.act({ name: "floors.peek" }, (tx) => {
      kept = tx;
    });
    expect(failure(() => kept!.list("floor")).code).toBe("store.action_misuse");
    expect(failure(() => store.act({ name: "Create door" }, () => 1)).code).toBe("store.action_misuse");
    expect(failure(() => store.act({ name: "doors.create", actor: " " }, () => 1)).code).toBe("store.action_misuse");
    expect(store.act({ name: "demo.floors-and-doors" }, () => 42)).toBe(42);
  });

  it("lists in creation order, pages, and counts", () => {
    const floor = addFloor();
    const doors = store.act({ name: "doors.create" }, (tx) => [0, 1, 2, 3].map((i) => tx.insert("door", { floorId: floor.id, name: `D${i}`, x: i, y: 0 })));
    expect(store.list("door")).toEqual(doors);
    expect(store.list("door", { limit: 2, offset: 1 })).toEqual(doors.slice(1, 3));
    expect(store.counts()).toEqual({ floors: 1, doors: 4, locks: 0, iqs: 0, repeaters: 0, users: 0, tags: 0 });
  });
});
