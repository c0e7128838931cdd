import { normaliseTagNumber, type ReaderNumbering } from "../devices/hid/tag-number.ts";
import type { Lock, Role, Tag, TagReaderSource } from "../domain/index.ts";
import { AppError, type KsError } from "../errors/index.ts";
import { officeModeNow } from "./office-mode.ts";
import { mayNot } from "./roles.ts";

/**
 * Smart Tag Enrollment and a tag's life (L102-119, L244, L255): the Tag reader is a
 * lock that is online and not in Office Mode (or a USB reader at the desk); a tag is
 * registered, then assigned to a new or existing user; a lost tag is blocked and a
 * new one handed out; a Master Key tag is unassigned as Master Key before it can
 * leave the site.
 */

/** Why a lock cannot be the Tag reader. */
export type ReaderRefusalReason = "offline" | "office-mode" | "locker";

const READER_REFUSALS: Readonly<Record<ReaderRefusalReason, { code: string; text: (name: string) => string }>> = {
  offline: { code: "enrollment.reader_offline", text: (n) => `${n} is offline: only a lock that is online can be the Tag reader.` },
  "office-mode": { code: "enrollment.reader_in_office_mode", text: (n) => `${n} is in Office Mode: only a lock that is not in Office Mode can be the Tag reader.` },
  // A GANTNER locker lock answers to the locker platform (L9), not to the KS cloud's Tag reader.
  locker: { code: "enrollment.reader_locker", text: (n) => `${n} is a locker lock: the Tag reader is a door's lock, a wall reader or a USB reader.` },
};

type ReaderLock = Pick<Lock, "id" | "name" | "online" | "officeMode" | "hardware">;

/** Why a lock cannot be the Tag reader at an instant (the site's wall clock), or null when it can. */
export function readerRefusalReason(lock: ReaderLock, atMs: number, timezone: string): ReaderRefusalReason | null {
  if (lock.hardware.kind === "locker") return "locker";
  if (!lock.online) return "offline";
  return officeModeNow(lock.officeMode, atMs, timezone).inOfficeMode ? "office-mode" : null;
}

/** The same as a refusal: a stable code per reason, the lock named in words. */
export function readerRefusal(lock: ReaderLock, atMs: number, timezone: string): AppError | null {
  const reason = readerRefusalReason(lock, atMs, timezone);
  if (reason === null) return null;
  const r = READER_REFUSALS[reason];
  return new AppError(r.code, r.text(lock.name), { lockId: lock.id, reason });
}

/** The first refusal of choosing a reader: only Site Admins (and the Owner) choose, and only an eligible lock. */
export function checkReaderChoice(
  actorRole: Role,
  choice: TagReaderSource,
  lockOf: (id: string) => ReaderLock | undefined,
  atMs: number,
  timezone: string,
): KsError | AppError | null {
  const denied = mayNot(actorRole, "tag-reader.select");
  if (denied) return denied;
  if (choice.kind === "usb") return null;
  const lock = lockOf(choice.lockId);
  if (!lock) return new AppError("enrollment.reader_unknown", "That lock is not part of this site.", { lockId: choice.lockId });
  return readerRefusal(lock, atMs, timezone);
}

/**
 * A tag number as typed or read, in the stored form (see core/devices/hid/tag-number.ts):
 * refused with the codec's typed error ("hid.tag.format", "hid.tag.length", ...).
 */
export function tagNumberOf(raw: string, numbering?: ReaderNumbering): string {
  return normaliseTagNumber(raw, numbering);
}

/** What a presented tag is to the site: unknown, free, someone's, blocked, or a pod's. */
export type TagStanding =
  | { readonly kind: "unknown" }
  | { readonly kind: "unassigned" }
  | { readonly kind: "assigned"; readonly userId: string }
  | { readonly kind: "blocked"; readonly userId: string | null }
  | { readonly kind: "pod"; readonly podId: string; readonly holder: { readonly userId: string } | { readonly guestId: string } | null };

export function standingOf(tag: Tag | undefined): TagStanding {
  if (!tag) return { kind: "unknown" };
  if (tag.state === "blocked") return { kind: "blocked", userId: tag.userId };
  if (tag.podId !== null) {
    const holder = tag.userId !== null ? { userId: tag.userId } : tag.guestId !== null ? { guestId: tag.guestId } : null;
    return { kind: "pod", podId: tag.podId, holder };
  }
  if (tag.userId !== null) return { kind: "assigned", userId: tag.userId };
  return { kind: "unassigned" };
}

const blocked = (tag: Tag) =>
  new AppError("tag.blocked", `Tag ${tag.number} is blocked (lost): it cannot be given to anyone again. Issue a new tag instead.`, { tagId: tag.id, number: tag.number });

const inPod = (tag: Tag, podId: string) =>
  new AppError("tag.in_pod", `Tag ${tag.number} belongs to a pod: take it back from the pod first.`, { tagId: tag.id, podId });

/** Why a tag cannot go to `userId` (null: a user being created), or null (a tag the user already holds is fine). */
export function tagAssignRefusal(tag: Tag, userId: string | null): AppError | null {
  const s = standingOf(tag);
  switch (s.kind) {
    case "unknown":
    case "unassigned":
      return null;
    case "blocked":
      return blocked(tag);
    case "pod":
      return inPod(tag, s.podId);
    case "assigned":
      return s.userId === userId
        ? null
        : new AppError("tag.assigned", `Tag ${tag.number} is assigned to someone else: unassign it from them first.`, { tagId: tag.id, userId: s.userId });
    default: {
      const never: never = s;
      throw new Error(`unknown standing ${String(never)}`);
    }
  }
}

/** The first refusal of giving a tag to a user: who may enroll, then the tag's standing. */
export function checkAssign(actorRole: Role, tag: Tag, userId: string | null): KsError | AppError | null {
  return mayNot(actorRole, "people.manage") ?? tagAssignRefusal(tag, userId);
}

/** Taking a tag from its user, back to the site's unassigned tags. Pod tags are the pod's business. */
export function checkUnassign(actorRole: Role, tag: Tag): KsError | AppError | null {
  const denied = mayNot(actorRole, "people.manage");
  if (denied) return denied;
  const s = standingOf(tag);
  if (s.kind === "blocked") return blocked(tag);
  if (s.kind === "pod") return inPod(tag, s.podId);
  return null;
}

/** L103: a Master Key tag is unassigned as Master Key before it can be unassigned from the site. */
export function checkLeaveSite(actorRole: Role, tag: Tag): KsError | AppError | null {
  const denied = mayNot(actorRole, "people.manage");
  if (denied) return denied;
  if (tag.masterKey) {
    return new AppError("tag.master_key", `Tag ${tag.number} is a Master Key: unassign it as Master Key first, then it can leave the site.`, { tagId: tag.id });
  }
  const s = standingOf(tag);
  if (s.kind === "pod") return inPod(tag, s.podId);
  return null;
}

/** Making a tag a Master Key or unmaking it; a blocked tag cannot become one. */
export function checkMasterKey(actorRole: Role, tag: Tag, masterKey: boolean): KsError | AppError | null {
  const denied = mayNot(actorRole, "tags.master-key");
  if (denied) return denied;
  if (masterKey && tag.state === "blocked") return blocked(tag);
  return null;
}

/**
 * Reporting a tag lost (L244): it is blocked, and its holder may get a replacement at
 * once. The replacement is a free tag (or a number new to the site); a lost tag that
 * had no holder is only blocked. The replacement does not inherit Master Key: that is
 * given deliberately.
 */
export function checkReportLost(
  actorRole: Role,
  lost: Tag,
  replacement: { readonly number: string; readonly existing: Tag | undefined } | null,
): KsError | AppError | null {
  const denied = mayNot(actorRole, "tags.block");
  if (denied) return denied;
  if (lost.state === "blocked") return new AppError("tag.already_blocked", `Tag ${lost.number} is already blocked.`, { tagId: lost.id });
  if (replacement === null) return null;
  const holder = lost.userId;
  if (holder === null || lost.podId !== null) {
    return new AppError("tag.no_holder", `Tag ${lost.number} has no user of the site to hand a replacement to; it is only blocked.`, { tagId: lost.id });
  }
  if (replacement.number === lost.number) {
    return new AppError("tag.replacement_same", "The replacement is the lost tag itself: present a new tag.", { tagId: lost.id });
  }
  return replacement.existing ? tagAssignRefusal(replacement.existing, holder) : null;
}
