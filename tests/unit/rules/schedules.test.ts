import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Timeframe, type Timeframe as TF } from "../../../core/domain/index.ts";
import {
  activeAt,
  checkSchedule,
  checkTimeframes,
  localTime,
  occurrenceAt,
  overlappingTimeframes,
  scheduleInUse,
  scheduleNameTaken,
  timeframeInvalid,
  timeframesOverlap,
  timezoneInvalid,
} from "../../../core/rules/schedules.ts";
import { expectRefusal } from "./refusal.ts";

const SEED = Number(process.env.FC_SEED ?? 20261125);
const WEEKDAYS = { monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false };
const NONE = { monday: false, tuesday: false, wednesday: false, thursday: false, friday: false, saturday: false, sunday: false };
const tf = (fields: Partial<TF> = {}): TF => Timeframe.parse({ ...WEEKDAYS, startTime: "08:00:00", endTime: "18:00:00", ...fields });
const utc = (iso: string) => Date.parse(`${iso}Z`);

describe("time zones and the wall clock", () => {
  it("knows IANA zones and refuses others", () => {
    expect(timezoneInvalid("Europe/Brussels")).toBeNull();
    expect(timezoneInvalid("UTC")).toBeNull();
    expectRefusal(timezoneInvalid("Mars/Olympus"), "schedule.timezone_invalid", { timezone: "Mars/Olympus" });
    expect(() => localTime(0, "Mars/Olympus")).toThrow(/not a time zone/);
  });

  it("reads the site's wall clock, summer and winter time included", () => {
    expect(localTime(utc("2026-01-05T07:30:00"), "Europe/Brussels")).toEqual({ date: "2026-01-05", time: "08:30:00", weekday: 0 });
    expect(localTime(utc("2026-07-06T06:30:00"), "Europe/Brussels")).toEqual({ date: "2026-07-06", time: "08:30:00", weekday: 0 });
    expect(localTime(utc("2026-03-29T01:00:00"), "Europe/Brussels")).toEqual({ date: "2026-03-29", time: "03:00:00", weekday: 6 }); // 02:00 never happens
    expect(localTime(utc("2026-11-29T23:30:00"), "Pacific/Auckland").weekday).toBe(0); // already Monday there
  });
});

describe("when a timeframe is active", () => {
  const office = tf();
  it("follows weekdays and the daily window in the site's zone, all year", () => {
    const bxl = "Europe/Brussels";
    expect(activeAt([office], utc("2026-01-05T07:00:00"), bxl)).toBe(true); // Monday 08:00 winter
    expect(activeAt([office], utc("2026-07-06T06:00:00"), bxl)).toBe(true); // Monday 08:00 summer
    expect(activeAt([office], utc("2026-07-06T05:59:59"), bxl)).toBe(false);
    expect(activeAt([office], utc("2026-07-06T16:00:00"), bxl)).toBe(false); // 18:00 is the end, not in
    expect(activeAt([office], utc("2026-07-11T10:00:00"), bxl)).toBe(false); // Saturday
    expect(activeAt([office], utc("2026-07-06T06:00:00"), "UTC")).toBe(false); // 06:00 in UTC
  });

  it("takes a whole-day end date as included, a date-time one as the exact end, and 23:59:59 as midnight", () => {
    const days = tf({ ...WEEKDAYS, saturday: true, sunday: true, startTime: "00:00:00", endTime: "23:59:59", startDate: "2026-11-26", endDate: "2026-11-28" });
    expect(activeAt([days], utc("2026-11-25T23:59:59"), "UTC")).toBe(false);
    expect(activeAt([days], utc("2026-11-26T00:00:00"), "UTC")).toBe(true);
    expect(activeAt([days], utc("2026-11-28T23:59:59.500"), "UTC")).toBe(true);
    expect(activeAt([days], utc("2026-11-29T00:00:00"), "UTC")).toBe(false);
    const stay = tf({ ...days, startDate: "2026-11-26T15:00:00", endDate: "2026-11-28T11:00:00" });
    expect(activeAt([stay], utc("2026-11-26T14:59:59"), "UTC")).toBe(false);
    expect(activeAt([stay], utc("2026-11-26T15:00:00"), "UTC")).toBe(true);
    expect(activeAt([stay], utc("2026-11-28T10:59:59"), "UTC")).toBe(true);
    expect(activeAt([stay], utc("2026-11-28T11:00:00"), "UTC")).toBe(false);
  });

  it("names the occurrence: the same window, or another day's", () => {
    expect(occurrenceAt(office, utc("2026-07-06T08:00:00"), "UTC")).toBe("2026-07-06");
    expect(occurrenceAt(office, utc("2026-07-06T17:00:00"), "UTC")).toBe("2026-07-06");
    expect(occurrenceAt(office, utc("2026-07-07T09:00:00"), "UTC")).toBe("2026-07-07");
    expect(occurrenceAt(office, utc("2026-07-06T19:00:00"), "UTC")).toBeNull();
  });
});

describe("schedule refusals", () => {
  it("refuses dates that are not on the calendar", () => {
    expect(timeframeInvalid(tf({ startDate: "2028-02-29", endDate: "2028-03-01" }))).toBeNull(); // leap year
    expectRefusal(timeframeInvalid(tf({ startDate: "2027-02-29" }), 2), "schedule.date_invalid", { index: 2, field: "startDate", value: "2027-02-29" });
    expectRefusal(timeframeInvalid(tf({ startDate: "2026-04-01", endDate: "2026-04-31T10:00:00" })), "schedule.date_invalid", { field: "endDate" });
  });

  it("refuses overlapping timeframes, naming them", () => {
    const mornings = tf({ endTime: "12:00:00" });
    const afternoons = tf({ startTime: "12:00:00" });
    expect(overlappingTimeframes([mornings, afternoons])).toBeNull(); // touching is not overlapping
    const weekend = tf({ ...NONE, saturday: true, sunday: true });
    expect(overlappingTimeframes([tf(), weekend])).toBeNull();
    expectRefusal(overlappingTimeframes([weekend, mornings, tf({ startTime: "11:00:00", endTime: "13:00:00" })]), "schedule.overlap", { indexes: [1, 2] });
    expect(checkTimeframes([mornings, afternoons])).toBeNull();
    expectRefusal(checkTimeframes([mornings, tf({ endDate: "2026-13-01" })]), "schedule.date_invalid", { index: 1 });
    expectRefusal(checkTimeframes([mornings, tf()]), "schedule.overlap");
  });

  it("sees date ranges: disjoint dates never overlap, and a short stretch only on the weekdays it holds", () => {
    const jan = tf({ startDate: "2026-01-01", endDate: "2026-01-31" });
    const feb = tf({ startDate: "2026-02-01", endDate: "2026-02-28" });
    expect(timeframesOverlap(jan, feb)).toBe(false);
    expect(timeframesOverlap(jan, tf({ startDate: "2026-01-31" }))).toBe(false); // 31 January 2026 is a Saturday
    expect(timeframesOverlap(jan, tf({ startDate: "2026-01-30" }))).toBe(true); // and the 30th a Friday
    // 2026-11-28/29 are Saturday and Sunday: a Monday-only timeframe shares no day with that weekend.
    const mondays = tf({ ...NONE, monday: true });
    const weekendStay = tf({ ...NONE, saturday: true, sunday: true, monday: true, startDate: "2026-11-28", endDate: "2026-11-29" });
    expect(timeframesOverlap(mondays, weekendStay)).toBe(false);
    expect(timeframesOverlap(mondays, tf({ ...weekendStay, endDate: "2026-11-30" }))).toBe(true);
    // A check-out at 11:00 on Monday does not reach a Monday window from noon.
    const checkout = tf({ ...weekendStay, startTime: "00:00:00", endTime: "23:59:59", endDate: "2026-11-30T11:00:00" });
    expect(timeframesOverlap(tf({ ...NONE, monday: true, startTime: "12:00:00" }), checkout)).toBe(false);
    expect(timeframesOverlap(tf({ ...NONE, monday: true, startTime: "10:00:00" }), checkout)).toBe(true);
  });

  // Every bound sits on a quarter hour, so sampling each quarter hour is exact; the
  // sampled stretch holds a whole week before and after every date bound.
  it("agrees with quarter-hour sampling of the wall clock (property)", () => {
    const day = fc.integer({ min: 1, max: 10 }).map((d) => `2026-03-${String(d).padStart(2, "0")}`);
    const minute = fc.integer({ min: 0, max: 95 }).map((q) => q * 15);
    const hhmm = (m: number) => (m >= 1440 ? "23:59:59" : `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}:00`);
    const bound = fc.oneof(fc.constant(null), day, fc.tuple(day, minute).map(([d, m]) => `${d}T${hhmm(m)}`));
    const frame = fc
      .record({
        days: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        start: minute,
        length: fc.integer({ min: 1, max: 96 }).map((q) => q * 15),
        startDate: bound,
        endDate: bound,
      })
      .map((r) => {
        const [monday, tuesday, wednesday, thursday, friday, saturday, sunday] = r.days as [boolean, boolean, boolean, boolean, boolean, boolean, boolean];
        return Timeframe.safeParse({
          monday, tuesday, wednesday, thursday, friday, saturday, sunday,
          startTime: hhmm(r.start), endTime: hhmm(Math.min(1440, r.start + r.length)), startDate: r.startDate, endDate: r.endDate,
        });
      })
      .filter((p) => p.success)
      .map((p) => p.data!);
    const from = utc("2026-02-22T00:00:00");
    const to = utc("2026-03-19T00:00:00");
    fc.assert(
      fc.property(frame, frame, (a, b) => {
        let sampled = false;
        for (let t = from; t < to && !sampled; t += 15 * 60_000) sampled = activeAt([a], t, "UTC") && activeAt([b], t, "UTC");
        expect(timeframesOverlap(a, b)).toBe(sampled);
        expect(timeframesOverlap(b, a)).toBe(sampled);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("keeps schedule names unique and schedules in use", () => {
    const schedules = [{ id: "s1", name: "Office hours" }];
    expect(scheduleNameTaken(schedules, "Night shift")).toBeNull();
    expect(scheduleNameTaken(schedules, "office hours", "s1")).toBeNull();
    expectRefusal(scheduleNameTaken(schedules, " OFFICE hours "), "schedule.name_taken", { name: "OFFICE hours", scheduleId: "s1" });
    expectRefusal(checkSchedule(schedules, { name: "Office Hours", timeframes: [tf()] }), "schedule.name_taken");
    expectRefusal(checkSchedule(schedules, { name: "Split", timeframes: [tf(), tf({ startTime: "17:00:00", endTime: "20:00:00" })] }), "schedule.overlap");
    expect(checkSchedule(schedules, { name: "Split", timeframes: [tf({ endTime: "12:00:00" }), tf({ startTime: "13:00:00" })] })).toBeNull();
    const groups = [{ id: "g1", name: "Staff", scheduleIds: ["s1"] }, { id: "g2", name: "Guests", scheduleIds: [] }];
    expect(scheduleInUse(groups, "s2")).toBeNull();
    expectRefusal(scheduleInUse(groups, "s1"), "schedule.in_use", { scheduleId: "s1", accessGroupIds: ["g1"] });
  });
});
