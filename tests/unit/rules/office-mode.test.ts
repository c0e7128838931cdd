import { describe, expect, it } from "vitest";
import { Timeframe, type EomSchedule, type Lock, type OfficeMode } from "../../../core/domain/index.ts";
import { checkEomSchedule, checkOfficeModeSwitch, officeModeNow, switchOfficeMode, withEomSchedule } from "../../../core/rules/office-mode.ts";
import { expect2203, expectRefusal } from "./refusal.ts";

const BXL = "Europe/Brussels";
/** Local Brussels time (winter, UTC+1) to an instant. */
const bxl = (local: string) => Date.parse(`${local}+01:00`);
const iso = (local: string) => new Date(bxl(local)).toISOString();
const hours: EomSchedule = {
  timeframe: Timeframe.parse({ monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false, startTime: "08:00:00", endTime: "18:00:00" }),
  autoOpenAtStart: false,
};
const easy = (fields: Partial<Extract<OfficeMode, { mode: "easy" }>> = {}): OfficeMode => ({ mode: "easy", active: false, schedule: hours, since: null, ...fields });
const lock = (officeMode: OfficeMode): Pick<Lock, "id" | "name" | "officeMode"> => ({ id: "L1", name: "Main entrance", officeMode });
const person = (manualOfficeMode: boolean, easyOfficeMode: boolean) => ({ id: "ann", firstName: "Ann", lastName: "Lee", lockPermissions: { manualOfficeMode, easyOfficeMode } });

// 2026-01-05 is a Monday.
const MON_0900 = bxl("2026-01-05T09:00:00");
const MON_1900 = bxl("2026-01-05T19:00:00");
const TUE_0900 = bxl("2026-01-06T09:00:00");

describe("office mode now", () => {
  it("off is never open; Manual is open while active", () => {
    expect(officeModeNow({ mode: "off" }, MON_0900, BXL)).toEqual({ mode: "off", inOfficeMode: false, scheduleActive: null });
    expect(officeModeNow({ mode: "manual", active: true, since: null }, MON_1900, BXL)).toEqual({ mode: "manual", inOfficeMode: true, scheduleActive: null });
    expect(officeModeNow({ mode: "manual", active: false, since: null }, MON_0900, BXL).inOfficeMode).toBe(false);
  });

  it("Easy counts a switch only inside the window it was made in: the lock locks itself at the end", () => {
    const on = easy({ active: true, since: iso("2026-01-05T08:30:00") });
    expect(officeModeNow(on, MON_0900, BXL)).toEqual({ mode: "easy", inOfficeMode: true, scheduleActive: true });
    expect(officeModeNow(on, MON_1900, BXL)).toEqual({ mode: "easy", inOfficeMode: false, scheduleActive: false });
    expect(officeModeNow(on, TUE_0900, BXL).inOfficeMode).toBe(false); // Monday's switch is over
    expect(officeModeNow(easy({ active: true, since: null }), MON_0900, BXL).inOfficeMode).toBe(false);
    // A switch made before the window opened (outside it) does not count either.
    expect(officeModeNow(easy({ active: true, since: iso("2026-01-05T07:00:00") }), MON_0900, BXL).inOfficeMode).toBe(false);
  });

  it("Easy with opening at the start is open in its window until switched off there", () => {
    const auto = easy({ schedule: { ...hours, autoOpenAtStart: true } });
    expect(officeModeNow(auto, MON_0900, BXL).inOfficeMode).toBe(true);
    expect(officeModeNow(auto, MON_1900, BXL).inOfficeMode).toBe(false);
    const closed = easy({ schedule: { ...hours, autoOpenAtStart: true }, active: false, since: iso("2026-01-05T08:45:00") });
    expect(officeModeNow(closed, MON_0900, BXL).inOfficeMode).toBe(false);
    expect(officeModeNow(closed, TUE_0900, BXL).inOfficeMode).toBe(true); // a new window opens it again
  });
});

describe("switching office mode", () => {
  it("from the app: the Owner and Site Admins only", () => {
    expect(checkOfficeModeSwitch(lock({ mode: "off" }), { kind: "app", role: "site-admin" }, MON_0900, BXL)).toBeNull();
    expect(checkOfficeModeSwitch(lock({ mode: "off" }), { kind: "app", role: "owner" }, MON_1900, BXL)).toBeNull();
    expect2203(checkOfficeModeSwitch(lock({ mode: "off" }), { kind: "app", role: "site-super-user" }, MON_0900, BXL), { capability: "office-mode.remote" });
    expect2203(checkOfficeModeSwitch(lock({ mode: "off" }), { kind: "app", role: "user" }, MON_0900, BXL));
  });

  it("with a tag: MOM needs the MOM permission, EOM the EOM permission", () => {
    expect(checkOfficeModeSwitch(lock({ mode: "off" }), { kind: "tag", user: person(true, false) }, MON_1900, BXL)).toBeNull();
    const noMom = checkOfficeModeSwitch(lock({ mode: "off" }), { kind: "tag", user: person(false, true) }, MON_0900, BXL);
    expect2203(noMom, { lockId: "L1", userId: "ann", permission: "manualOfficeMode" });
    expect(noMom!.message).toMatch(/Ann Lee has no Manual Office Mode \(MOM\) permission/);
    expect(checkOfficeModeSwitch(lock(easy()), { kind: "tag", user: person(false, true) }, MON_0900, BXL)).toBeNull();
    expect2203(checkOfficeModeSwitch(lock(easy()), { kind: "tag", user: person(true, false) }, MON_0900, BXL), { permission: "easyOfficeMode" });
  });

  it("an EOM lock outside its schedule only opens", () => {
    expectRefusal(checkOfficeModeSwitch(lock(easy()), { kind: "tag", user: person(true, true) }, MON_1900, BXL), "office-mode.outside_schedule", { lockId: "L1" });
    expectRefusal(checkOfficeModeSwitch(lock(easy()), { kind: "app", role: "owner" }, bxl("2026-01-10T10:00:00"), BXL), "office-mode.outside_schedule");
  });

  it("moves between states: a Manual lock switched off is off, an Easy one remembers when", () => {
    const at = iso("2026-01-05T09:00:00");
    expect(switchOfficeMode({ mode: "off" }, true, at)).toEqual({ mode: "manual", active: true, since: at });
    expect(switchOfficeMode({ mode: "off" }, false, at)).toEqual({ mode: "off" });
    const open: OfficeMode = { mode: "manual", active: true, since: "2026-01-01T00:00:00.000Z" };
    expect(switchOfficeMode(open, true, at)).toBe(open);
    expect(switchOfficeMode(open, false, at)).toEqual({ mode: "off" });
    expect(switchOfficeMode(easy(), true, at)).toEqual(easy({ active: true, since: at }));
  });
});

describe("EOM schedules", () => {
  it("are set by the Owner and Site Admins, with real dates, never over a lock held open by MOM", () => {
    expect(checkEomSchedule(lock({ mode: "off" }), "site-admin", hours)).toBeNull();
    expect(checkEomSchedule(lock({ mode: "manual", active: true, since: null }), "site-admin", null)).toBeNull();
    expect2203(checkEomSchedule(lock({ mode: "off" }), "site-super-user", hours), { capability: "locks.configure" });
    expectRefusal(checkEomSchedule(lock({ mode: "manual", active: true, since: null }), "owner", hours), "office-mode.manual_active", { lockId: "L1" });
    const badDate = { ...hours, timeframe: { ...hours.timeframe, startDate: "2026-02-30" } };
    expectRefusal(checkEomSchedule(lock({ mode: "off" }), "owner", badDate), "schedule.date_invalid");
  });

  it("turn a lock Easy, replace the schedule, or take it away (the lock locks)", () => {
    expect(withEomSchedule({ mode: "off" }, hours)).toEqual({ mode: "easy", active: false, schedule: hours, since: null });
    const later = { ...hours, autoOpenAtStart: true };
    expect(withEomSchedule(easy({ active: true, since: "2026-01-05T08:00:00.000Z" }), later)).toEqual(easy({ active: true, since: "2026-01-05T08:00:00.000Z", schedule: later }));
    expect(withEomSchedule(easy({ active: true }), null)).toEqual({ mode: "off" });
    expect(withEomSchedule({ mode: "off" }, null)).toEqual({ mode: "off" });
  });
});
