import type { EomSchedule, Lock, OfficeMode, Role, User } from "../domain/index.ts";
import { AppError, KsError } from "../errors/index.ts";
import { mayNot } from "./roles.ts";
import { occurrenceAt, timeframeInvalid } from "./schedules.ts";

/**
 * Office mode (L185-190). Manual (MOM): a lock stays unlocked until someone with the
 * MOM permission locks it again. Easy (EOM): a lock has an EOM schedule; inside it a
 * tag with the EOM permission switches office mode on or off, outside it a tag just
 * opens the door, and at the end of the window the lock locks itself. A lock with an
 * EOM schedule follows it, also when switched from the app.
 */

/** A lock's office mode at one instant. */
export interface OfficeModeNow {
  readonly mode: OfficeMode["mode"];
  readonly inOfficeMode: boolean;
  /** EOM only: whether the lock's schedule is active at that instant. */
  readonly scheduleActive: boolean | null;
}

/**
 * Whether a lock is in office mode at an instant, on the site's wall clock. An EOM lock
 * counts a switch only if it happened in the window that is open now (it locked itself
 * when the earlier one ended); with no switch yet in this window it is open exactly
 * when its schedule opens it at the start.
 */
export function officeModeNow(officeMode: OfficeMode, atMs: number, timezone: string): OfficeModeNow {
  switch (officeMode.mode) {
    case "off":
      return { mode: "off", inOfficeMode: false, scheduleActive: null };
    case "manual":
      return { mode: "manual", inOfficeMode: officeMode.active, scheduleActive: null };
    case "easy": {
      const tf = officeMode.schedule.timeframe;
      const window = occurrenceAt(tf, atMs, timezone);
      if (window === null) return { mode: "easy", inOfficeMode: false, scheduleActive: false };
      const since = officeMode.since ?? null;
      const sinceMs = since === null ? NaN : Date.parse(since);
      const switchedInThisWindow = sinceMs <= atMs && occurrenceAt(tf, sinceMs, timezone) === window;
      return { mode: "easy", inOfficeMode: switchedInThisWindow ? officeMode.active : officeMode.schedule.autoOpenAtStart, scheduleActive: true };
    }
    default: {
      const never: never = officeMode;
      throw new Error(`unknown office mode ${String(never)}`);
    }
  }
}

/** Who switches: a person presenting their tag at the lock, or someone of a role in the app. */
export type OfficeModeActor =
  | { readonly kind: "tag"; readonly user: Pick<User, "id" | "firstName" | "lastName" | "lockPermissions"> }
  | { readonly kind: "app"; readonly role: Role };

/** The first refusal of switching a lock's office mode on or off. */
export function checkOfficeModeSwitch(lock: Pick<Lock, "id" | "name" | "officeMode">, actor: OfficeModeActor, atMs: number, timezone: string): KsError | AppError | null {
  const easy = lock.officeMode.mode === "easy";
  if (actor.kind === "app") {
    const denied = mayNot(actor.role, "office-mode.remote");
    if (denied) return denied;
  } else {
    const permission = easy ? "easyOfficeMode" : "manualOfficeMode";
    if (!actor.user.lockPermissions[permission]) {
      const name = `${actor.user.firstName} ${actor.user.lastName}`;
      return new KsError(2203, {
        message: `${name} has no ${easy ? "Easy Office Mode (EOM)" : "Manual Office Mode (MOM)"} permission; a Site Admin grants it under the user's lock permissions.`,
        details: { lockId: lock.id, userId: actor.user.id, permission },
      });
    }
  }
  if (lock.officeMode.mode === "easy" && occurrenceAt(lock.officeMode.schedule.timeframe, atMs, timezone) === null) {
    return new AppError("office-mode.outside_schedule", `${lock.name} is outside its EOM schedule: a tag just opens it until the schedule starts again.`, {
      lockId: lock.id,
    });
  }
  return null;
}

/** The office mode after switching it on or off at `at` (ISO). A Manual lock switched off is simply off. */
export function switchOfficeMode(officeMode: OfficeMode, active: boolean, at: string): OfficeMode {
  switch (officeMode.mode) {
    case "off":
      return active ? { mode: "manual", active: true, since: at } : officeMode;
    case "manual":
      return active ? (officeMode.active ? officeMode : { mode: "manual", active: true, since: at }) : { mode: "off" };
    case "easy":
      return { ...officeMode, active, since: at };
    default: {
      const never: never = officeMode;
      throw new Error(`unknown office mode ${String(never)}`);
    }
  }
}

/**
 * The first refusal of setting or clearing a lock's EOM schedule (defined on the lock's
 * page, L189). A lock held open in Manual Office Mode is locked first, so that it does
 * not silently change from "open until locked" to "open until the schedule ends".
 */
export function checkEomSchedule(lock: Pick<Lock, "id" | "name" | "officeMode">, actorRole: Role, schedule: EomSchedule | null): KsError | AppError | null {
  const denied = mayNot(actorRole, "locks.configure");
  if (denied) return denied;
  if (schedule === null) return null;
  if (lock.officeMode.mode === "manual" && lock.officeMode.active) {
    return new AppError("office-mode.manual_active", `${lock.name} is in Manual Office Mode: lock it first, then give it an EOM schedule.`, { lockId: lock.id });
  }
  return timeframeInvalid(schedule.timeframe);
}

/** The office mode with a new EOM schedule, or without one (the lock then locks and stays locked). */
export function withEomSchedule(officeMode: OfficeMode, schedule: EomSchedule | null): OfficeMode {
  if (schedule === null) return officeMode.mode === "easy" ? { mode: "off" } : officeMode;
  if (officeMode.mode === "easy") return { ...officeMode, schedule };
  return { mode: "easy", active: false, schedule, since: null };
}
