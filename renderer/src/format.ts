import type { SiteStage } from "../../core/domain/index.ts";
import type { Role } from "../../core/domain/index.ts";

/** "3 doors", "1 door". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** "5 minutes ago", "yesterday", or a date for anything older than a week. */
export function when(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(s / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(s / 3600), "hour");
  if (abs < 7 * 86400) return relative.format(Math.round(s / 86400), "day");
  return dateOnly.format(t);
}

/** Full local date and time, for tooltips. */
export function exactly(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"] as const;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const STAGES: readonly SiteStage[] = ["planning", "commissioning", "synced", "handed-over"];

export const STAGE_LABELS: Readonly<Record<SiteStage, string>> = {
  planning: "Planning",
  commissioning: "Commissioning",
  synced: "Synced",
  "handed-over": "Handed over",
};

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  owner: "Owner",
  "site-admin": "Site Admin",
  "site-super-user": "Site Super User",
  user: "User",
};

/** Spacing of the light grid drawn on a floor: 5 m, or coarser on large floors. */
export function gridStepM(widthM: number, depthM: number): number {
  const m = Math.max(widthM, depthM);
  return m > 250 ? 25 : m > 100 ? 10 : 5;
}

/** "Level 0", "Level −1": how installers name floors on drawings. */
export function levelLabel(level: number): string {
  return `Level ${level < 0 ? `−${Math.abs(level)}` : level}`;
}

export const LOCK_KIND_LABELS = {
  cylinder: "Cylinder",
  escutcheon: "Escutcheon",
  "wall-reader": "Wall reader",
  locker: "Locker",
} as const;

export const LINK_STATE_LABELS = {
  unlinked: "Not linked",
  attached_pending: "Attaching",
  attached: "Attached",
  detached_pending: "Detaching",
  detached: "Detached",
} as const;

/** How this computer's Bluetooth and tag readers stand, in words. */
export const HARDWARE_STATE_LABELS = {
  available: "Available",
  unavailable: "Unavailable",
  simulated: "Simulated",
} as const;
