import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import type { KsError } from "../../../core/errors/index.ts";
import { ENTITIES } from "../../../core/store/index.ts";
import { useAppSession } from "../../support/app-session.ts";

const OFFICE_HOURS = {
  monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false,
  startTime: "08:00:00", endTime: "18:00:00", startDate: null, endDate: null,
};
const HOUR = 3_600_000;

describe("people, access, office mode and lockers over the router, on a real site file in Brussels", () => {
  // Wednesday 25 November 2026, 07:30 UTC = 08:30 in Brussels (winter time, UTC+1).
  const session = useAppSession(() => ({ actor: "jonas", tmpPrefix: "lintel-access-", idSeed: 11, randomSeed: 12, startMs: Date.UTC(2026, 10, 25, 7, 30, 0) }));
  const { call, failure } = session;
  /** A new site in Brussels with a floor, three doors, and three users. */
  async function site() {
    const { siteId } = await call<Output<"sites.create">>("sites.create", { name: "Atelier", timezone: "Europe/Brussels" });
    const floor = await call<Output<"floors.create">>("floors.create", { siteId, name: "Ground", level: 0, widthM: 30, depthM: 20 });
    const door = async (name: string) => (await call<Output<"doors.create">>("doors.create", { siteId, floorId: floor.id, name, x: 5, y: 5 })).lock!;
    const front = await door("Front door");
    const office = await door("Office");
    const store = await door("Store room");
    const user = (firstName: string, email: string | null, role = "user") => call<Output<"users.create">>("users.create", { siteId, firstName, lastName: "Test", email, role });
    const ann = await user("Ann", "ann@atelier.example", "owner");
    const bob = await user("Bob", "bob@atelier.example");
    const cid = await user("Cid", null);
    return { siteId, front, office, store, ann, bob, cid };
  }

  it("keeps schedules valid on the site's wall clock and in use while a group needs them", async () => {
    const s = await site();
    const hours = await call<Output<"schedules.create">>("schedules.create", { siteId: s.siteId, name: "Office hours", timeframes: [OFFICE_HOURS] });
    expect((await call<Output<"schedules.activeAt">>("schedules.activeAt", { siteId: s.siteId, scheduleId: hours.id })).local).toEqual({ date: "2026-11-25", time: "08:30:00", weekday: 2 });
    expect((await call<Output<"schedules.activeAt">>("schedules.activeAt", { siteId: s.siteId, scheduleId: hours.id })).active).toBe(true);
    // 07:30 UTC in July is 09:30 in Brussels; 17:30 UTC in July is 19:30 there.
    expect((await call<Output<"schedules.activeAt">>("schedules.activeAt", { siteId: s.siteId, scheduleId: hours.id, at: "2026-07-08T16:30:00.000Z" })).active).toBe(false);
    expect((await call<Output<"schedules.activeAt">>("schedules.activeAt", { siteId: s.siteId, scheduleId: hours.id, at: "2026-07-08T15:30:00.000Z" })).active).toBe(true);

    expect((await failure("schedules.create", { siteId: s.siteId, name: " office HOURS ", timeframes: [OFFICE_HOURS] })).code).toBe("schedule.name_taken");
    const overlap = await failure("schedules.create", { siteId: s.siteId, name: "Split", timeframes: [OFFICE_HOURS, { ...OFFICE_HOURS, startTime: "17:00:00", endTime: "20:00:00" }] });
    expect(overlap).toMatchObject({ code: "schedule.overlap", details: { indexes: [0, 1] } });
    expect((await failure("schedules.create", { siteId: s.siteId, name: "Feb", timeframes: [{ ...OFFICE_HOURS, startDate: "2027-02-29" }] })).code).toBe("schedule.date_invalid");
    expect((await failure("schedules.create", { siteId: s.siteId, name: "Backwards", timeframes: [{ ...OFFICE_HOURS, startTime: "18:00:00", endTime: "08:00:00" }] })).code).toBe("ks.1100");
    expect(((await failure("schedules.create", { siteId: s.siteId, name: "Night", timeframes: [OFFICE_HOURS], asRole: "site-super-user" })) as KsError).ksCode).toBe(2203);

    const group = await call<Output<"accessGroups.create">>("accessGroups.create", { siteId: s.siteId, name: "Staff", lockIds: [s.front.id], scheduleIds: [hours.id], userIds: [s.bob.id] });
    expect((await failure("schedules.delete", { siteId: s.siteId, scheduleId: hours.id })).code).toBe("schedule.in_use");
    await call("accessGroups.update", { siteId: s.siteId, accessGroupId: group.id, scheduleIds: [] });
    expect(await call("schedules.delete", { siteId: s.siteId, scheduleId: hours.id })).toEqual({ deleted: true });
    expect(await call("schedules.list", { siteId: s.siteId })).toEqual([]);
  });

  it("builds access groups from the site's locks, schedules and users only", async () => {
    const s = await site();
    const group = await call<Output<"accessGroups.create">>("accessGroups.create", { siteId: s.siteId, name: "Staff", lockIds: [s.front.id, s.front.id] });
    expect(group.lockIds).toEqual([s.front.id]);
    await call("accessGroups.addLocks", { siteId: s.siteId, accessGroupId: group.id, lockIds: [s.office.id, s.store.id] });
    await call("accessGroups.removeLocks", { siteId: s.siteId, accessGroupId: group.id, lockIds: [s.store.id] });
    await call("accessGroups.addUsers", { siteId: s.siteId, accessGroupId: group.id, userIds: [s.bob.id, s.cid.id] });
    const after = await call<Output<"accessGroups.removeUsers">>("accessGroups.removeUsers", { siteId: s.siteId, accessGroupId: group.id, userIds: [s.cid.id] });
    expect(after).toMatchObject({ lockIds: [s.front.id, s.office.id], userIds: [s.bob.id] });

    const ghost = "019b76da-a800-74f0-81c7-00000000dead";
    expect(await failure("accessGroups.addLocks", { siteId: s.siteId, accessGroupId: group.id, lockIds: [ghost] })).toMatchObject({ code: "access-group.unknown_locks", details: { ids: [ghost] } });
    expect((await failure("accessGroups.addUsers", { siteId: s.siteId, accessGroupId: group.id, userIds: [ghost] })).code).toBe("access-group.unknown_users");
    expect((await failure("accessGroups.update", { siteId: s.siteId, accessGroupId: group.id, scheduleIds: [ghost] })).code).toBe("access-group.unknown_schedules");
    expect((await failure("accessGroups.create", { siteId: s.siteId, name: "STAFF" })).code).toBe("access-group.name_taken");
    expect((await failure("accessGroups.delete", { siteId: s.siteId, accessGroupId: ghost })).code).toBe("access-group.not_found");
    expect(((await failure("accessGroups.delete", { siteId: s.siteId, accessGroupId: group.id, asRole: "user" })) as KsError).ksCode).toBe(2203);

    const bob = await call<Output<"users.get">>("users.get", { siteId: s.siteId, userId: s.bob.id });
    expect(bob.accessGroups.map((g) => g.name)).toEqual(["Staff"]);
    expect(await call("accessGroups.delete", { siteId: s.siteId, accessGroupId: group.id })).toEqual({ deleted: true });
  });

  it("edits users within the rules: one e-mail each, the Owner only at handover", async () => {
    const s = await site();
    const bob = await call<Output<"users.update">>("users.update", { siteId: s.siteId, userId: s.bob.id, role: "site-admin", phone: "+32 470 12 34 56", waysOfOpening: { pin: true } });
    expect(bob).toMatchObject({ role: "site-admin", phone: "+32 470 12 34 56", waysOfOpening: { digitalKey: true, pin: true } });
    const renamed = await call<Output<"users.update">>("users.update", { siteId: s.siteId, userId: s.bob.id, lastName: "Builder" });
    expect(renamed).toMatchObject({ lastName: "Builder", phone: "+32 470 12 34 56", role: "site-admin", waysOfOpening: { pin: true } }); // untouched fields stay
    expect((await failure("users.update", { siteId: s.siteId, userId: s.cid.id, email: "BOB@atelier.example" })).code).toBe("user.email_taken");
    expect((await failure("users.update", { siteId: s.siteId, userId: s.cid.id, role: "owner" })).code).toBe("user.owner_role");
    expect((await failure("users.update", { siteId: s.siteId, userId: s.ann.id, role: "site-admin" })).code).toBe("user.owner_role");
    expect(((await failure("users.update", { siteId: s.siteId, userId: s.cid.id, firstName: "C", asRole: "site-super-user" })) as KsError).ksCode).toBe(2203);
    expect((await failure("users.get", { siteId: s.siteId, userId: "019b76da-a800-74f0-81c7-00000000dead" })).code).toBe("user.not_found");
  });

  it("switches office mode: MOM and EOM permissions, the EOM schedule, and the lock locking itself at its end", async () => {
    const s = await site();
    // Cid presents his tag without the MOM permission: refused (2203), nothing written.
    const noMom = (await failure("locks.setOfficeMode", { siteId: s.siteId, lockId: s.front.id, active: true, byUserId: s.cid.id })) as KsError;
    expect(noMom.ksCode).toBe(2203);
    expect(noMom.details).toMatchObject({ permission: "manualOfficeMode" });
    expect(((await failure("locks.setPermissions", { siteId: s.siteId, userId: s.cid.id, manualOfficeMode: true, asRole: "user" })) as KsError).ksCode).toBe(2203);
    const cid = await call<Output<"locks.setPermissions">>("locks.setPermissions", { siteId: s.siteId, userId: s.cid.id, manualOfficeMode: true });
    expect(cid.lockPermissions).toEqual({ manualOfficeMode: true, easyOfficeMode: false });
    const open = await call<Output<"locks.setOfficeMode">>("locks.setOfficeMode", { siteId: s.siteId, lockId: s.front.id, active: true, byUserId: s.cid.id });
    expect(open.state).toEqual({ mode: "manual", inOfficeMode: true, scheduleActive: null });
    session.clock.advance(48 * HOUR);
    expect((await call<Output<"locks.officeMode">>("locks.officeMode", { siteId: s.siteId, lockId: s.front.id })).state.inOfficeMode).toBe(true); // until someone locks it
    expect((await failure("locks.setEomSchedule", { siteId: s.siteId, lockId: s.front.id, schedule: { timeframe: OFFICE_HOURS } })).code).toBe("office-mode.manual_active");
    const closed = await call<Output<"locks.setOfficeMode">>("locks.setOfficeMode", { siteId: s.siteId, lockId: s.front.id, active: false });
    expect(closed.lock.officeMode).toEqual({ mode: "off" });

    // EOM on the office door, 08:00-18:00 on weekdays in Brussels. Now: Friday 27 November, 08:30 there.
    const eom = await call<Output<"locks.setEomSchedule">>("locks.setEomSchedule", { siteId: s.siteId, lockId: s.office.id, schedule: { timeframe: OFFICE_HOURS } });
    expect(eom.state).toEqual({ mode: "easy", inOfficeMode: false, scheduleActive: true });
    expect(((await failure("locks.setOfficeMode", { siteId: s.siteId, lockId: s.office.id, active: true, byUserId: s.cid.id })) as KsError).details).toMatchObject({ permission: "easyOfficeMode" });
    await call("locks.setPermissions", { siteId: s.siteId, userId: s.cid.id, easyOfficeMode: true });
    const on = await call<Output<"locks.setOfficeMode">>("locks.setOfficeMode", { siteId: s.siteId, lockId: s.office.id, active: true, byUserId: s.cid.id });
    expect(on.state.inOfficeMode).toBe(true);
    session.clock.advance(10 * HOUR); // 18:30 in Brussels: the window has closed, the lock locked itself
    expect((await call<Output<"locks.officeMode">>("locks.officeMode", { siteId: s.siteId, lockId: s.office.id })).state).toEqual({ mode: "easy", inOfficeMode: false, scheduleActive: false });
    expect((await failure("locks.setOfficeMode", { siteId: s.siteId, lockId: s.office.id, active: true, byUserId: s.cid.id })).code).toBe("office-mode.outside_schedule");
    session.clock.advance(62 * HOUR); // Monday 08:30: a new window, Friday's switch no longer counts
    expect((await call<Output<"locks.officeMode">>("locks.officeMode", { siteId: s.siteId, lockId: s.office.id })).state.inOfficeMode).toBe(false);
    expect(((await failure("locks.setEomSchedule", { siteId: s.siteId, lockId: s.office.id, schedule: null, asRole: "site-super-user" })) as KsError).ksCode).toBe(2203);
    expect((await call<Output<"locks.setEomSchedule">>("locks.setEomSchedule", { siteId: s.siteId, lockId: s.office.id, schedule: null })).lock.officeMode).toEqual({ mode: "off" });
  });

  it("runs Personal and Dynamic locker banks as the seed describes", async () => {
    const s = await site();
    const staff = await call<Output<"lockers.createBank">>("lockers.createBank", { siteId: s.siteId, name: "Staff lockers", mode: "personal", count: 4 });
    expect(staff.lockers.map((l) => l.number)).toEqual([1, 2, 3, 4]);
    const gym = await call<Output<"lockers.createBank">>("lockers.createBank", { siteId: s.siteId, name: "Gym", mode: "dynamic", count: 2 });
    expect((await failure("lockers.createBank", { siteId: s.siteId, name: "gym ", mode: "dynamic", count: 1 })).code).toBe("locker.bank_name_taken");

    const [p1] = staff.lockers;
    const [d1] = gym.lockers;
    // Personal: a Site Admin assigns two users; the locker is free only when both are unassigned.
    const shared = await call<Output<"lockers.assign">>("lockers.assign", { siteId: s.siteId, lockerId: p1!.id, userIds: [s.bob.id, s.cid.id] });
    expect(shared.assigneeIds).toEqual([s.bob.id, s.cid.id]);
    expect(((await failure("lockers.assign", { siteId: s.siteId, lockerId: p1!.id, userIds: [s.ann.id], asRole: "user" })) as KsError).ksCode).toBe(2203);
    expect((await failure("lockers.occupy", { siteId: s.siteId, lockerId: p1!.id, userId: s.ann.id })).code).toBe("locker.not_dynamic");
    expect((await failure("lockers.updateBank", { siteId: s.siteId, bankId: staff.bank.id, mode: "dynamic" })).code).toBe("locker.bank_in_use");
    await call("lockers.unassign", { siteId: s.siteId, lockerId: p1!.id, userId: s.bob.id });
    expect((await failure("lockers.unassign", { siteId: s.siteId, lockerId: p1!.id, userId: s.bob.id })).code).toBe("locker.not_assigned");
    expect((await call<Output<"users.get">>("users.get", { siteId: s.siteId, userId: s.cid.id })).lockers).toMatchObject([{ bankName: "Staff lockers", mode: "personal", locker: { number: 1 } }]);
    // Removing a user who holds a locker is refused by the file until the locker is freed.
    expect((await failure("users.remove", { siteId: s.siteId, userId: s.cid.id })).code).toBe("store.reference");
    await call("lockers.unassign", { siteId: s.siteId, lockerId: p1!.id, userId: s.cid.id });

    // Dynamic: Bob occupies; Cid cannot take it nor release it; Bob or a Site Admin releases it.
    const taken = await call<Output<"lockers.occupy">>("lockers.occupy", { siteId: s.siteId, lockerId: d1!.id, userId: s.bob.id });
    expect(taken.occupant).toEqual({ userId: s.bob.id, since: "2026-11-25T07:30:00.000Z" });
    expect((await failure("lockers.occupy", { siteId: s.siteId, lockerId: d1!.id, userId: s.cid.id })).code).toBe("locker.occupied");
    expect((await failure("lockers.assign", { siteId: s.siteId, lockerId: d1!.id, userIds: [s.cid.id] })).code).toBe("locker.not_personal");
    expect(((await failure("lockers.release", { siteId: s.siteId, lockerId: d1!.id, byUserId: s.cid.id })) as KsError).ksCode).toBe(2203);
    expect((await call<Output<"lockers.release">>("lockers.release", { siteId: s.siteId, lockerId: d1!.id, byUserId: s.bob.id })).occupant).toBeNull();
    expect((await failure("lockers.release", { siteId: s.siteId, lockerId: d1!.id })).code).toBe("locker.free");
    await call("lockers.occupy", { siteId: s.siteId, lockerId: d1!.id, userId: s.cid.id });
    expect((await failure("lockers.deleteBank", { siteId: s.siteId, bankId: gym.bank.id })).code).toBe("locker.bank_in_use");
    expect((await call<Output<"lockers.release">>("lockers.release", { siteId: s.siteId, lockerId: d1!.id })).occupant).toBeNull(); // by the Site Admin

    const renamed = await call<Output<"lockers.updateBank">>("lockers.updateBank", { siteId: s.siteId, bankId: gym.bank.id, name: "Pool", mode: "personal" });
    expect(renamed.bank).toMatchObject({ name: "Pool", mode: "personal" });
    expect(await call("lockers.deleteBank", { siteId: s.siteId, bankId: gym.bank.id })).toEqual({ deleted: true });
    expect((await call<Output<"lockers.banks">>("lockers.banks", { siteId: s.siteId })).map((b) => b.bank.name)).toEqual(["Staff lockers"]);
  });

  it("keeps the reception tables' columns and join rows in step with their documents", async () => {
    const s = await site();
    const bank = await call<Output<"lockers.createBank">>("lockers.createBank", { siteId: s.siteId, name: "Staff lockers", mode: "personal", count: 2 });
    await call("lockers.assign", { siteId: s.siteId, lockerId: bank.lockers[0]!.id, userIds: [s.bob.id, s.cid.id] });
    const gym = await call<Output<"lockers.createBank">>("lockers.createBank", { siteId: s.siteId, name: "Gym", mode: "dynamic", count: 1 });
    await call("lockers.occupy", { siteId: s.siteId, lockerId: gym.lockers[0]!.id, userId: s.ann.id });
    await call("enrollment.selectReader", { siteId: s.siteId, reader: { kind: "usb", readerId: "hid:desk", label: "Desk" } });
    const path = session.app.workspace.get(s.siteId).path;
    const db = new Database(path, { readonly: true });
    try {
      for (const name of ["tagReader", "tagHistory", "lockerBank", "locker"] as const) {
        const spec = ENTITIES[name];
        const rows = db.prepare(`SELECT * FROM ${spec.table}`).all() as Record<string, unknown>[];
        for (const r of rows) {
          const { id, data, one, ...extracted } = r;
          void one;
          expect(JSON.parse(data as string).id).toBe(id);
          expect(extracted, name).toEqual((spec.columns as (d: unknown) => object)(JSON.parse(data as string)));
        }
      }
      expect(db.prepare(`SELECT count(*) AS n FROM lockers`).get()).toEqual({ n: 3 });
      expect(db.prepare(`SELECT user_id FROM locker_assignees ORDER BY user_id`).all()).toEqual([{ user_id: s.bob.id }, { user_id: s.cid.id }].sort((a, b) => a.user_id.localeCompare(b.user_id)));
      expect(db.prepare(`SELECT occupant_id FROM lockers WHERE occupant_id IS NOT NULL`).all()).toEqual([{ occupant_id: s.ann.id }]);
      expect(db.prepare(`SELECT lock_id FROM tag_readers`).all()).toEqual([{ lock_id: null }]);
    } finally {
      db.close();
    }
  });
});
