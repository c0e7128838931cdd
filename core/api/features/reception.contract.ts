import { z } from "zod";
import {
  AccessGroup,
  EomSchedule,
  Email,
  Id,
  Instant,
  Lock,
  LOCK_KINDS,
  LockPermissions,
  Locker,
  LockerBank,
  Name,
  Role,
  Schedule,
  Tag,
  TagEvent,
  TagPresentation,
  TagReader,
  TagReaderSource,
  User,
  WaysOfOpening,
} from "../../domain/index.ts";
import { CAPABILITIES } from "../../rules/roles.ts";
import { mutation, query, type ProcedureDef } from "../define.ts";
import type { RECEPTION_EVENT_NAMES, RECEPTION_PROCEDURE_NAMES } from "./reception.names.ts";

/**
 * The reception desk (issue 5): people and their access, office mode, Smart Tag
 * Enrollment, lost tags and lockers. Every refusal comes from core/rules with a KS code
 * where the seed has one (2203 for a role that may not), else a stable AppError code.
 * Operations a Site Admin performs take `asRole` (who is at the desk; Site Admin by
 * default), as `tags.block` does.
 */

const SiteInput = z.object({ siteId: Id });
const AsRole = { asRole: Role.default("site-admin") };

/** A user as the enrollment screen shows a tag's owner. */
export const Holder = User.pick({ id: true, firstName: true, lastName: true, email: true, role: true });
export type Holder = z.infer<typeof Holder>;

export const Capability = z.enum(CAPABILITIES);

/** A locker someone holds: assigned (Personal mode) or occupied (Dynamic mode). */
export const HeldLocker = z.object({ locker: Locker, bankName: Name, mode: LockerBank.shape.mode });

export const UserDetail = z.object({
  user: User,
  /** Tags the user holds, blocked ones included (with the lost tag's history). */
  tags: z.array(Tag),
  accessGroups: z.array(AccessGroup),
  lockPermissions: LockPermissions,
  /** What the user's role lets them do on the site. */
  capabilities: z.array(Capability),
  lockers: z.array(HeldLocker),
});
export type UserDetail = z.infer<typeof UserDetail>;

/** A lock's office mode at an instant (see core/rules/office-mode.ts). */
export const OfficeModeState = z.object({
  mode: z.enum(["off", "manual", "easy"]),
  inOfficeMode: z.boolean(),
  scheduleActive: z.boolean().nullable(),
});

export const LockOfficeMode = z.object({ lock: Lock, state: OfficeModeState, at: Instant });
export type LockOfficeMode = z.infer<typeof LockOfficeMode>;

/** Why a lock cannot be the Tag reader, as data for the list (see core/rules/tags.ts). */
export const Refusal = z.object({ code: z.string(), reason: z.enum(["offline", "office-mode", "locker"]), message: z.string() });

export const ReaderCandidate = z.object({
  lockId: Id,
  name: Name,
  kind: z.enum(LOCK_KINDS),
  online: z.boolean(),
  inOfficeMode: z.boolean(),
  eligible: z.boolean(),
  refusal: Refusal.nullable(),
});
export type ReaderCandidate = z.infer<typeof ReaderCandidate>;

export const PresentedTag = z.object({
  tag: Tag,
  /** True when this presentation registered the tag with the site. */
  registered: z.boolean(),
  standing: z.enum(["unassigned", "assigned", "blocked", "pod"]),
  holder: Holder.nullable(),
  via: TagPresentation,
});
export type PresentedTag = z.infer<typeof PresentedTag>;

/** Only the ways of opening named change (a plain partial would fill the others with defaults). */
const WaysPatch = z.object({ digitalKey: z.boolean().optional(), remoteOpening: z.boolean().optional(), pin: z.boolean().optional(), tag: z.boolean().optional() });

/** A new user as Smart Tag Enrollment asks for them (L107). */
export const NewUserDraft = z.object({
  kind: z.literal("new"),
  firstName: Name,
  lastName: Name,
  role: Role.default("user"),
  email: Email.nullable().default(null),
  /** The tag being assigned is switched on whatever is given here. */
  waysOfOpening: WaysOfOpening.prefault({}),
  /** "Lock options": the user's office-mode permissions. */
  lockPermissions: LockPermissions.prefault({}),
  accessGroupIds: z.array(Id).max(1000).default([]),
});

export const BankDetail = z.object({ bank: LockerBank, lockers: z.array(Locker) });
export type BankDetail = z.infer<typeof BankDetail>;

const GroupInput = z.object({ siteId: Id, accessGroupId: Id, ...AsRole });
const LockerInput = z.object({ siteId: Id, lockerId: Id });
const TagInput = z.object({ siteId: Id, tagId: Id, ...AsRole });
const Deleted = z.object({ deleted: z.literal(true) });

/** The reception feature's part of the one API contract (combined in ../contract.ts). */
export const receptionProcedures = {
  "users.get": query("One user with their tags, access groups, lock permissions, capabilities and lockers.", z.object({ siteId: Id, userId: Id }), UserDetail),
  "users.update": mutation(
    "Change a user's name, e-mail, phone, role or ways of opening (the Owner's role changes only at handover).",
    z.object({
      siteId: Id,
      userId: Id,
      firstName: Name.optional(),
      lastName: Name.optional(),
      email: Email.nullable().optional(),
      /** Not `User.shape.phone`: its default would blank a phone the caller did not mention. */
      phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/).nullable().optional(),
      role: Role.optional(),
      waysOfOpening: WaysPatch.optional(),
      ...AsRole,
    }),
    User,
  ),

  "accessGroups.list": query("Access groups of a site, in creation order.", SiteInput, z.array(AccessGroup)),
  "accessGroups.create": mutation(
    "Create an access group: locks × schedules (none = at any time) × users.",
    z.object({
      siteId: Id,
      name: Name,
      lockIds: z.array(Id).max(10_000).default([]),
      scheduleIds: z.array(Id).max(100).default([]),
      userIds: z.array(Id).max(100_000).default([]),
      ...AsRole,
    }),
    AccessGroup,
  ),
  "accessGroups.update": mutation(
    "Rename an access group or replace its schedules.",
    GroupInput.extend({ name: Name.optional(), scheduleIds: z.array(Id).max(100).optional() }),
    AccessGroup,
  ),
  "accessGroups.delete": mutation("Delete an access group (its users and locks stay).", GroupInput, Deleted),
  "accessGroups.addLocks": mutation("Add locks to an access group.", GroupInput.extend({ lockIds: z.array(Id).min(1).max(10_000) }), AccessGroup),
  "accessGroups.removeLocks": mutation("Take locks out of an access group.", GroupInput.extend({ lockIds: z.array(Id).min(1).max(10_000) }), AccessGroup),
  "accessGroups.addUsers": mutation("Add users to an access group.", GroupInput.extend({ userIds: z.array(Id).min(1).max(100_000) }), AccessGroup),
  "accessGroups.removeUsers": mutation("Take users out of an access group.", GroupInput.extend({ userIds: z.array(Id).min(1).max(100_000) }), AccessGroup),

  "schedules.list": query("Schedules of a site, in creation order.", SiteInput, z.array(Schedule)),
  "schedules.create": mutation(
    "Create a schedule: timeframes (weekdays, a daily window, optional dates) that do not overlap, on the site's wall clock.",
    z.object({ siteId: Id, name: Name, timeframes: Schedule.shape.timeframes, ...AsRole }),
    Schedule,
  ),
  "schedules.update": mutation(
    "Rename a schedule or replace its timeframes.",
    z.object({ siteId: Id, scheduleId: Id, name: Name.optional(), timeframes: Schedule.shape.timeframes.optional(), ...AsRole }),
    Schedule,
  ),
  "schedules.delete": mutation("Delete a schedule no access group uses.", z.object({ siteId: Id, scheduleId: Id, ...AsRole }), Deleted),
  "schedules.activeAt": query(
    "Whether a schedule is active at an instant (now by default), read on the site's wall clock.",
    z.object({ siteId: Id, scheduleId: Id, at: Instant.optional() }),
    z.object({ active: z.boolean(), at: Instant, timezone: z.string(), local: z.object({ date: z.string(), time: z.string(), weekday: z.number().int().min(0).max(6) }) }),
  ),

  "locks.officeMode": query("A lock's office mode now, on the site's wall clock.", z.object({ siteId: Id, lockId: Id }), LockOfficeMode),
  "locks.setPermissions": mutation(
    "A user's lock permissions: Manual Office Mode (MOM) and Easy Office Mode (EOM).",
    z.object({ siteId: Id, userId: Id, manualOfficeMode: z.boolean().optional(), easyOfficeMode: z.boolean().optional(), ...AsRole }),
    User,
  ),
  "locks.setOfficeMode": mutation(
    "Put a lock in or out of office mode: from the app (asRole), or by a user presenting their tag (byUserId, who needs the MOM or EOM permission).",
    z.object({ siteId: Id, lockId: Id, active: z.boolean(), byUserId: Id.optional(), ...AsRole }),
    LockOfficeMode,
  ),
  "locks.setEomSchedule": mutation(
    "Give a lock its Easy Office Mode schedule, or take it away (null).",
    z.object({ siteId: Id, lockId: Id, schedule: EomSchedule.nullable(), ...AsRole }),
    LockOfficeMode,
  ),

  "enrollment.readers": query(
    "The site's Tag reader and every lock that could be it: online and not in Office Mode, or why not.",
    SiteInput,
    z.object({ selected: TagReader.nullable(), selectedRefusal: Refusal.nullable(), locks: z.array(ReaderCandidate) }),
  ),
  "enrollment.selectReader": mutation(
    "Choose the site's Tag reader: an eligible lock, or a USB reader at the desk.",
    z.object({ siteId: Id, reader: TagReaderSource, ...AsRole }),
    TagReader,
  ),
  "enrollment.present": mutation(
    "A tag was presented to the Tag reader (or its number typed): whose it is; a tag new to the site is registered, unassigned.",
    z.object({ siteId: Id, number: z.string().min(1).max(64), source: z.enum(["reader", "typed"]).default("reader"), ...AsRole }),
    PresentedTag,
  ),
  "enrollment.assign": mutation(
    "Assign a presented tag to a new user (name, role, e-mail, ways of opening, lock options, access groups) or to an existing one.",
    z.object({
      siteId: Id,
      tagId: Id,
      to: z.discriminatedUnion("kind", [NewUserDraft, z.object({ kind: z.literal("existing"), userId: Id })]),
      via: TagPresentation.nullable().default(null),
      ...AsRole,
    }),
    z.object({ user: User, tag: Tag, accessGroups: z.array(AccessGroup) }),
  ),

  "tags.unassign": mutation("Take a tag from its user; it stays in the site, unassigned.", TagInput, Tag),
  "tags.remove": mutation("Unassign a tag from the site (a Master Key must be unassigned as Master Key first).", TagInput, z.object({ removed: Tag })),
  "tags.assignMasterKey": mutation("Make a tag a Master Key.", TagInput, Tag),
  "tags.unassignMasterKey": mutation("Unassign a tag as Master Key.", TagInput, Tag),
  "tags.reportLost": mutation(
    "A tag is lost: block it and, given a new tag's number, hand that one to the same user.",
    TagInput.extend({ replacementNumber: z.string().min(1).max(64).optional() }),
    z.object({ blocked: Tag, replacement: Tag.nullable() }),
  ),
  "tags.history": query("What happened to a tag: registered, assigned, blocked, replaced, Master Key; when and where.", z.object({ siteId: Id, tagId: Id }), z.array(TagEvent)),

  "lockers.banks": query("Locker banks with their lockers.", SiteInput, z.array(BankDetail)),
  "lockers.createBank": mutation(
    "Create a locker bank in Personal or Dynamic mode with lockers numbered 1..count.",
    z.object({ siteId: Id, name: Name, mode: LockerBank.shape.mode, count: z.number().int().min(1).max(500), ...AsRole }),
    BankDetail,
  ),
  "lockers.updateBank": mutation(
    "Rename a locker bank or change its mode (all its lockers free).",
    z.object({ siteId: Id, bankId: Id, name: Name.optional(), mode: LockerBank.shape.mode.optional(), ...AsRole }),
    BankDetail,
  ),
  "lockers.deleteBank": mutation("Delete a locker bank whose lockers are all free.", z.object({ siteId: Id, bankId: Id, ...AsRole }), Deleted),
  "lockers.assign": mutation("Personal mode: a Site Admin assigns one or more users to a locker.", LockerInput.extend({ userIds: z.array(Id).min(1).max(100), ...AsRole }), Locker),
  "lockers.unassign": mutation("Personal mode: unassign a user; the locker is free when none remain.", LockerInput.extend({ userId: Id, ...AsRole }), Locker),
  "lockers.occupy": mutation("Dynamic mode: a user occupies a free locker.", LockerInput.extend({ userId: Id }), Locker),
  "lockers.release": mutation(
    "Dynamic mode: release a locker, by its occupant (byUserId) or a Site Admin (asRole).",
    LockerInput.extend({ byUserId: Id.optional(), ...AsRole }),
    Locker,
  ),
} as const satisfies Record<(typeof RECEPTION_PROCEDURE_NAMES)[number], ProcedureDef>;
export const receptionEvents = {} as const satisfies Record<(typeof RECEPTION_EVENT_NAMES)[number], z.ZodType>;
