import { z } from "zod";
import { Id, Name } from "./common.ts";

/** "HH:MM:SS", 24-hour, as the KS API writes times of day. */
export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, "time of day must be HH:MM:SS");
/** "YYYY-MM-DD" (a whole day) or "YYYY-MM-DDTHH:MM:SS" (a check-in / check-out instant). */
export const DateOrDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d)?$/, "date must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS");

/**
 * One time schedule in the KS shape: weekdays, a daily window, and an optional date
 * range (null = open-ended). Start must precede end, for times and for dates.
 */
export const Timeframe = z
  .object({
    monday: z.boolean(),
    tuesday: z.boolean(),
    wednesday: z.boolean(),
    thursday: z.boolean(),
    friday: z.boolean(),
    saturday: z.boolean(),
    sunday: z.boolean(),
    startTime: TimeOfDay,
    endTime: TimeOfDay,
    startDate: DateOrDateTime.nullable().default(null),
    endDate: DateOrDateTime.nullable().default(null),
  })
  .refine((t) => t.startTime < t.endTime, { message: "start time must precede end time", path: ["endTime"] })
  .refine((t) => t.startDate === null || t.endDate === null || t.startDate < t.endDate, {
    message: "start date must precede end date",
    path: ["endDate"],
  })
  .refine((t) => t.monday || t.tuesday || t.wednesday || t.thursday || t.friday || t.saturday || t.sunday, {
    message: "a timeframe needs at least one weekday",
  });
export type Timeframe = z.infer<typeof Timeframe>;

export const Schedule = z.object({
  id: Id,
  name: Name,
  timeframes: z.array(Timeframe).min(1).max(32),
});
export type Schedule = z.infer<typeof Schedule>;

/** Easy Office Mode schedule of one lock; may open at the start and lock at the end. */
export const EomSchedule = z.object({
  timeframe: Timeframe,
  autoOpenAtStart: z.boolean().default(false),
});
export type EomSchedule = z.infer<typeof EomSchedule>;
