import { nameKey, type AccessGroup, type Schedule, type Timeframe } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";

/**
 * Schedules and timeframes as a building keeps them: wall-clock times in the site's
 * time zone (Site.timezone), so "08:00-18:00 on weekdays" means eight in the morning
 * there in winter and in summer. A timeframe is active on its weekdays, inside its
 * daily window [startTime, endTime) — "23:59:59" reaches midnight — and inside its
 * date range [startDate, endDate] where a whole-day end date includes that day.
 * On the night the clocks jump forward, a window inside the missing hour is simply
 * shorter: time is read off the local clock.
 */

/** A local wall-clock reading: date, time of day, and weekday (0 = Monday). */
export interface LocalTime {
  readonly date: string;
  readonly time: string;
  readonly weekday: number;
}

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const SHORT_WEEKDAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const DAY_S = 86_400;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(timezone);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    return undefined;
  }
  formatters.set(timezone, f);
  return f;
}

/** A site's time zone must be an IANA zone this runtime knows (e.g. "Europe/Brussels"). */
export function timezoneInvalid(timezone: string): AppError | null {
  if (formatterFor(timezone)) return null;
  return new AppError("schedule.timezone_invalid", `"${timezone}" is not a time zone. Use an IANA name such as Europe/Brussels.`, { timezone });
}

/** The wall clock in `timezone` at an instant (ms since the epoch). */
export function localTime(atMs: number, timezone: string): LocalTime {
  const f = formatterFor(timezone);
  if (!f) throw timezoneInvalid(timezone)!;
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(atMs))) parts[p.type] = p.value;
  return {
    date: `${parts["year"]}-${parts["month"]}-${parts["day"]}`,
    time: `${parts["hour"]}:${parts["minute"]}:${parts["second"]}`,
    weekday: SHORT_WEEKDAYS[parts["weekday"] ?? ""] ?? 0,
  };
}

const secondsOfDay = (time: string): number => {
  const [h, m, s] = time.split(":").map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
};

/** A local date(-time) as seconds on a zone-free axis (the wall clock read as if it were UTC). */
const wallSeconds = (dateOrDateTime: string): number => Date.parse(dateOrDateTime.length === 10 ? `${dateOrDateTime}T00:00:00Z` : `${dateOrDateTime}Z`) / 1000;

/** A calendar date that exists (no 31 April, 29 February only in leap years). */
function realDate(value: string): boolean {
  const day = value.slice(0, 10);
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/** The daily window in seconds of the day: [start, end). */
function dailyWindow(tf: Timeframe): readonly [number, number] {
  const end = tf.endTime === "23:59:59" ? DAY_S : secondsOfDay(tf.endTime);
  return [secondsOfDay(tf.startTime), end];
}

/** The date range on the wall-clock axis: [start, end); open ends are infinite. */
function dateRange(tf: Timeframe): readonly [number, number] {
  const start = tf.startDate === null ? -Infinity : wallSeconds(tf.startDate);
  const end = tf.endDate === null ? Infinity : wallSeconds(tf.endDate) + (tf.endDate.length === 10 ? DAY_S : 0);
  return [start, end];
}

const dayOn = (tf: Timeframe, weekday: number): boolean => tf[WEEKDAYS[weekday] ?? "monday"];

/**
 * What zod cannot see in a timeframe: dates that do not exist on a calendar. (Order of
 * start and end, and at least one weekday, are the Timeframe schema's.)
 */
export function timeframeInvalid(tf: Timeframe, index = 0): AppError | null {
  for (const [field, value] of [["startDate", tf.startDate], ["endDate", tf.endDate]] as const) {
    if (value !== null && !realDate(value)) {
      return new AppError("schedule.date_invalid", `Timeframe ${index + 1}: ${value} is not a date on the calendar.`, { index, field, value });
    }
  }
  return null;
}

/** Is the timeframe active at a wall-clock moment? */
function activeAtWall(tf: Timeframe, local: LocalTime): boolean {
  if (!dayOn(tf, local.weekday)) return false;
  const t = secondsOfDay(local.time);
  const [ws, we] = dailyWindow(tf);
  if (t < ws || t >= we) return false;
  const at = wallSeconds(`${local.date}T${local.time}`);
  const [ds, de] = dateRange(tf);
  return at >= ds && at < de;
}

/** Whether any of the timeframes is active at an instant, on the site's wall clock. */
export function activeAt(timeframes: readonly Timeframe[], atMs: number, timezone: string): boolean {
  const local = localTime(atMs, timezone);
  return timeframes.some((tf) => activeAtWall(tf, local));
}

/**
 * The occurrence of a timeframe that contains an instant — the local date of its
 * window (windows never cross midnight) — or null when it is not active then. Two
 * instants with the same occurrence are in one and the same window.
 */
export function occurrenceAt(tf: Timeframe, atMs: number, timezone: string): string | null {
  const local = localTime(atMs, timezone);
  return activeAtWall(tf, local) ? local.date : null;
}

/**
 * Do two timeframes share a moment? On a bounded stretch of less than nine days each
 * day is checked (weekday, window and date bounds together); on a longer one every
 * weekday occurs as a whole day, so a shared weekday and crossing windows suffice.
 */
export function timeframesOverlap(a: Timeframe, b: Timeframe): boolean {
  const [as, ae] = dailyWindow(a);
  const [bs, be] = dailyWindow(b);
  if (!(as < be && bs < ae)) return false;
  const [ads, ade] = dateRange(a);
  const [bds, bde] = dateRange(b);
  const from = Math.max(ads, bds);
  const to = Math.min(ade, bde);
  if (!(from < to)) return false;
  if (to - from >= 9 * DAY_S) return WEEKDAYS.some((_, d) => dayOn(a, d) && dayOn(b, d));
  const firstDay = Math.floor(from / DAY_S) * DAY_S;
  for (let day = firstDay; day < to; day += DAY_S) {
    const weekday = (new Date(day * 1000).getUTCDay() + 6) % 7;
    if (!dayOn(a, weekday) || !dayOn(b, weekday)) continue;
    const lo = Math.max(day + Math.max(as, bs), from);
    const hi = Math.min(day + Math.min(ae, be), to);
    if (lo < hi) return true;
  }
  return false;
}

/** Timeframes of one schedule must not overlap: each moment belongs to at most one of them. */
export function overlappingTimeframes(timeframes: readonly Timeframe[]): AppError | null {
  for (let i = 0; i < timeframes.length; i++) {
    for (let j = i + 1; j < timeframes.length; j++) {
      if (timeframesOverlap(timeframes[i]!, timeframes[j]!)) {
        return new AppError("schedule.overlap", `Timeframes ${i + 1} and ${j + 1} overlap: merge them or move one.`, { indexes: [i, j] });
      }
    }
  }
  return null;
}

/** A schedule's name is unique in its site, ignoring case and surrounding spaces. */
export function scheduleNameTaken(schedules: readonly Pick<Schedule, "id" | "name">[], name: string, exceptId: string | null = null): AppError | null {
  const key = nameKey(name);
  const other = schedules.find((s) => s.id !== exceptId && nameKey(s.name) === key);
  if (!other) return null;
  return new AppError("schedule.name_taken", `The site already has a schedule called "${other.name}".`, { name: name.trim(), scheduleId: other.id });
}

/** The first refusal of a schedule's timeframes: calendar dates first, then overlaps. */
export function checkTimeframes(timeframes: readonly Timeframe[]): AppError | null {
  for (const [i, tf] of timeframes.entries()) {
    const bad = timeframeInvalid(tf, i);
    if (bad) return bad;
  }
  return overlappingTimeframes(timeframes);
}

/** The first refusal of a new or changed schedule. */
export function checkSchedule(schedules: readonly Pick<Schedule, "id" | "name">[], draft: Pick<Schedule, "name" | "timeframes">, exceptId: string | null = null): AppError | null {
  return scheduleNameTaken(schedules, draft.name, exceptId) ?? checkTimeframes(draft.timeframes);
}

/** A schedule still used by access groups stays: remove it from them first. */
export function scheduleInUse(groups: readonly Pick<AccessGroup, "id" | "name" | "scheduleIds">[], scheduleId: string): AppError | null {
  const using = groups.filter((g) => g.scheduleIds.includes(scheduleId));
  if (using.length === 0) return null;
  return new AppError("schedule.in_use", `Access group(s) ${using.map((g) => `"${g.name}"`).join(", ")} use this schedule: remove it from them first.`, {
    scheduleId,
    accessGroupIds: using.map((g) => g.id),
  });
}
