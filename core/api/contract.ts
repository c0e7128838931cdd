import { z } from "zod";
import { Door, Email, Floor, Id, Instant, IqSite, Lock, LOCK_KINDS, Metres, Name, Pod, PodGuest, Role, Site, StoredPlan, Tag, Timeframe, User } from "../domain/index.ts";
import { MeshPlan, SiteSurvey } from "../topology/format.ts";
import { mutation, query, type ProcedureDef } from "./define.ts";
import { cloudEvents, cloudProcedures } from "./features/cloud.contract.ts";
import { commissioningEvents, commissioningProcedures } from "./features/commissioning.contract.ts";
import { handoverEvents, handoverProcedures } from "./features/handover.contract.ts";
import { importEvents, importProcedures } from "./features/import.contract.ts";
import { readersEvents, readersProcedures } from "./features/readers.contract.ts";
import { receptionEvents, receptionProcedures } from "./features/reception.contract.ts";
import type { EventName, ProcedureName } from "./names.ts";

/**
 * Lintel's one API contract. Every procedure and event is declared here once, with
 * zod input and output; the Electron IPC bridge, the loopback host of `lintel serve`
 * and the CLI all serve exactly this list through one router (router.ts).
 */

const SiteInput = z.object({ siteId: Id });

export const Counts = z.object({
  floors: z.number().int().nonnegative(),
  doors: z.number().int().nonnegative(),
  locks: z.number().int().nonnegative(),
  iqs: z.number().int().nonnegative(),
  repeaters: z.number().int().nonnegative(),
  users: z.number().int().nonnegative(),
  tags: z.number().int().nonnegative(),
});
export type Counts = z.infer<typeof Counts>;

export const SiteSummary = z.object({
  siteId: Id,
  path: z.string(),
  name: Name,
  address: z.string(),
  stage: Site.shape.stage,
  counts: Counts,
});
export type SiteSummary = z.infer<typeof SiteSummary>;

export const RecentSite = z.object({
  path: z.string(),
  siteId: Id,
  name: z.string(),
  openedAt: Instant,
  /** False when the file has gone (moved, deleted, on a USB stick not plugged in). */
  exists: z.boolean(),
  open: z.boolean(),
});
export type RecentSite = z.infer<typeof RecentSite>;

export const ErrorRowOut = z.object({ code: z.number().int(), http: z.string(), message: z.string() });

export const JournalEntry = z.object({
  seq: z.number().int(),
  actionId: Id,
  action: z.string(),
  entity: z.string(),
  entityId: z.string(),
  op: z.enum(["insert", "update", "delete"]),
  before: z.unknown(),
  after: z.unknown(),
  clock: z.number().int(),
  actor: z.string(),
  at: Instant,
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const DoorRow = z.object({ door: Door, floorName: z.string(), lock: Lock.nullable() });
export type DoorRow = z.infer<typeof DoorRow>;

/** One broken IQ-tree rule (KS 2204), as core/topology/validator.ts reports it. */
export const ViolationOut = z.object({ rule: z.string(), message: z.string(), ids: z.array(z.string()) });

/** What changed from the previous plan: hardware counts, and the doors that moved to another device. */
export const PlanDiff = z.object({
  previousId: Id,
  cost: z.object({ before: z.number(), after: z.number() }),
  iqs: z.object({ before: z.number().int(), after: z.number().int() }),
  repeaters: z.object({ before: z.number().int(), after: z.number().int() }),
  /** Doors whose lock hangs on a device at another place than before. */
  movedDoors: z.array(z.string()),
  addedDevices: z.array(z.object({ kind: z.enum(["iq", "repeater"]), floor: z.string(), x: z.number(), y: z.number() })),
  removedDevices: z.array(z.object({ kind: z.enum(["iq", "repeater"]), floor: z.string(), x: z.number(), y: z.number() })),
});
export type PlanDiff = z.infer<typeof PlanDiff>;

export const PlanView = z.object({ stored: StoredPlan, violations: z.array(ViolationOut), diff: PlanDiff.nullable() });
export type PlanView = z.infer<typeof PlanView>;

export const BomRow = z.object({ item: z.string(), kind: z.string(), quantity: z.number().int().nonnegative() });

/** Mesh planning (issue: plan the IQ/repeater topology): floors and doors, IQ sites, plans, bill of materials. */
function planProcedures() {
  return {
    "floors.create": mutation(
      "Add a floor: a rectangle of the site's shared frame at a level.",
      z.object({ siteId: Id, name: Name, level: z.number().int().min(-20).max(200), widthM: Metres.positive(), depthM: Metres.positive() }),
      Floor,
    ),
    "floors.update": mutation(
      "Rename, resize or re-level a floor, or set its plan image's scale.",
      z.object({
        siteId: Id,
        floorId: Id,
        name: Name.optional(),
        level: z.number().int().min(-20).max(200).optional(),
        widthM: Metres.positive().optional(),
        depthM: Metres.positive().optional(),
        metresPerPixel: z.number().positive().optional(),
      }),
      Floor,
    ),
    "floors.setPlanImage": mutation(
      "Keep a floor-plan image (PNG or JPEG, at most 20 MB) in the site file.",
      z.object({ siteId: Id, floorId: Id, mime: z.enum(["image/png", "image/jpeg"]), dataBase64: z.string().min(1).max(28_000_000), metresPerPixel: z.number().positive() }),
      Floor,
    ),
    "floors.planImage": query(
      "A floor's plan image, if it has one.",
      z.object({ siteId: Id, floorId: Id }),
      z.object({ mime: z.string(), dataBase64: z.string(), metresPerPixel: z.number().positive() }).nullable(),
    ),
    "doors.move": mutation("Move a door on its floor.", z.object({ siteId: Id, doorId: Id, x: Metres, y: Metres }), Door),
    "doors.delete": mutation("Remove a door and its lock.", z.object({ siteId: Id, doorId: Id }), z.object({ deleted: z.boolean() })),
    "iqSites.list": query("Places where IQs may stand (power and network).", z.object({ siteId: Id }), z.array(IqSite)),
    "iqSites.create": mutation("Mark a place where an IQ may stand.", z.object({ siteId: Id, floorId: Id, name: Name, x: Metres, y: Metres }), IqSite),
    "iqSites.delete": mutation("Remove an IQ place.", z.object({ siteId: Id, iqSiteId: Id }), z.object({ deleted: z.boolean() })),
    "plan.import": mutation(
      "Import doors (and floors, IQ sites) from a CSV with floor/x/y columns or a lintel-site/1 JSON; all or nothing.",
      z.object({ siteId: Id, format: z.enum(["csv", "json"]), text: z.string().min(1).max(50_000_000) }),
      z.object({ floors: z.number().int(), doors: z.number().int(), iqSites: z.number().int() }),
    ),
    "plan.survey": query("The site as a lintel-site/1 survey (what the planner reads).", z.object({ siteId: Id }), SiteSurvey),
    "plan.run": mutation(
      "Plan the mesh (progress as plan.progress events), save it with the journal, and say what changed.",
      z.object({ siteId: Id, timeLimitS: z.number().positive().max(600).default(2) }),
      PlanView,
    ),
    "plan.current": query("The latest plan of the site, its violations and what changed from the one before.", z.object({ siteId: Id }), PlanView.nullable()),
    "plan.check": query("Every violation of a (possibly edited) plan against the site: for live feedback while dragging.", z.object({ siteId: Id, plan: MeshPlan }), z.array(ViolationOut)),
    "plan.save": mutation("Save an edited plan as the site's latest.", z.object({ siteId: Id, plan: MeshPlan, label: z.string().max(200).default("Edited plan") }), PlanView),
    "plan.history": query(
      "Plans saved for the site, newest first.",
      z.object({ siteId: Id }),
      z.array(z.object({ id: Id, createdAt: Instant, label: z.string(), source: StoredPlan.shape.source, cost: z.number(), iqs: z.number().int(), repeaters: z.number().int() })),
    ),
    "plan.bom": query(
      "Bill of materials of a plan (latest by default): IQs, repeaters, locks by kind; also as CSV.",
      z.object({ siteId: Id, planId: Id.optional() }),
      z.object({ rows: z.array(BomRow), csv: z.string() }),
    ),
    "plan.bomPdf": query(
      "The bill of materials as a PDF a dealer can send.",
      z.object({ siteId: Id, planId: Id.optional() }),
      z.object({ fileName: z.string(), dataBase64: z.string() }),
    ),
  } as const;
}

/** A pod with its guests and the tags it holds, as the pod page shows it. */
export const PodDetail = z.object({
  pod: Pod,
  guests: z.array(PodGuest),
  /** Tags of the pod held by a member, a guest or a former member ("Tags assigned to this Pod"). */
  assignedTags: z.array(Tag),
  /** Tags of the pod free for members to hand to guests ("Unassigned tags"). */
  unassignedTags: z.array(Tag),
});
export type PodDetail = z.infer<typeof PodDetail>;

const PodInput = z.object({ siteId: Id, podId: Id });
const MemberInput = z.object({ userId: Id, tagId: Id.nullable().optional(), lockIds: z.array(Id).max(1000).default([]) });

/** Pods and guests (issue 6): every refusal is the KS rule's error (2213-2222), checked before anything is written. */
function podProcedures() {
  return {
    "pods.list": query("Pods of a site, in creation order.", SiteInput, z.array(Pod)),
    "pods.get": query("One pod with its guests and its assigned and unassigned tags.", PodInput, PodDetail),
    "pods.create": mutation(
      "Create a pod: members (each with an optional tag and locks), pod locks, unassigned site tags members may hand out, guest limit, timeframe, name.",
      z.object({
        siteId: Id,
        name: Name,
        members: z.array(MemberInput).min(1).max(1000),
        lockIds: z.array(Id).max(1000).default([]),
        tagIds: z.array(Id).max(1000).default([]),
        guestLimit: Pod.shape.guestLimit,
        timeframe: Timeframe,
      }),
      PodDetail,
    ),
    "pods.update": mutation(
      "Rename a pod, change its guest limit (never below its guests, 2219) or its locks.",
      PodInput.extend({ name: Name.optional(), guestLimit: Pod.shape.guestLimit.optional(), lockIds: z.array(Id).max(1000).optional() }),
      PodDetail,
    ),
    "pods.addMembers": mutation("Add members to a pod.", PodInput.extend({ members: z.array(MemberInput).min(1).max(1000) }), PodDetail),
    "pods.removeMember": mutation("Remove a member from a pod; the pod keeps a member with an e-mail (2215).", PodInput.extend({ userId: Id }), PodDetail),
    "pods.assignTag": mutation("A Site Admin gives an unassigned site tag to a pod.", PodInput.extend({ tagId: Id }), PodDetail),
    "pods.unassignTag": mutation("Take a tag from a pod (and whoever holds it) back to the site, unassigned.", PodInput.extend({ tagId: Id }), PodDetail),
    "pods.inviteGuests": mutation(
      "Invite guests (first and last name) with locks, a check-in/check-out timeframe and optionally a pod tag each; all or none. Each invitation token is returned once.",
      PodInput.extend({
        invitedBy: Id,
        guests: z.array(z.object({ firstName: Name, lastName: Name, tagId: Id.nullable().optional() })).min(1).max(1000),
        lockIds: z.array(Id).min(1).max(1000),
        timeframe: Timeframe,
      }),
      z.object({
        detail: PodDetail,
        invitations: z.array(z.object({ guestId: Id, token: z.string().regex(/^[A-Za-z0-9_-]{43}$/), expiresAt: Instant })),
      }),
    ),
    "pods.assignGuestTag": mutation("A member gives one of the pod's free tags to a guest (a tag the guest had goes back to the pod).", PodInput.extend({ guestId: Id, tagId: Id }), PodDetail),
    "pods.unassignGuestTag": mutation("Take a guest's tag back; it stays in the pod for the next guest.", PodInput.extend({ guestId: Id }), PodDetail),
    "pods.redeemInvitation": mutation(
      "A guest uses their invitation: once, before it expires; the guest becomes active.",
      z.object({ siteId: Id, token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
      z.object({ guestId: Id, podId: Id, firstName: Name, lastName: Name, lockIds: z.array(Id), timeframe: Timeframe }),
    ),
    "pods.removeGuest": mutation("Remove a guest, revoking their access; their tag stays in the pod.", PodInput.extend({ guestId: Id }), PodDetail),
    "users.remove": mutation(
      "Remove a user from the site (refused while they are a pod member, 2220); their pod tag goes back to the pod, other tags to the site.",
      z.object({ siteId: Id, userId: Id }),
      z.object({ removed: User, freedTagIds: z.array(Id) }),
    ),
    "tags.block": mutation(
      "Block a tag. Only a Site Admin or the Owner may; a pod member is refused (2203).",
      z.object({ siteId: Id, tagId: Id, asRole: z.union([Role, z.literal("pod-member")]).default("site-admin") }),
      Tag,
    ),
  } as const;
}

export const procedures = {
  "app.info": query(
    "What is running: version, transport, where data lives, which hardware is real or simulated.",
    z.object({}),
    z.object({
      version: z.string(),
      transport: z.enum(["electron", "browser", "cli"]),
      dataDir: z.string(),
      platform: z.string(),
      bluetooth: z.enum(["available", "unavailable", "simulated"]),
      tagReaders: z.enum(["available", "unavailable", "simulated"]),
    }),
  ),
  "errors.list": query("The KS cloud's error table, exactly as the vendor prints it.", z.object({}), z.array(ErrorRowOut)),
  "errors.explain": query(
    "One KS error code: its row, the statuses it may travel with, and what to do about it.",
    z.object({ code: z.number().int() }),
    z.object({ row: ErrorRowOut, statuses: z.array(z.number().int()), advice: z.string() }),
  ),
  "sites.list": query("Recently opened site files, most recent first.", z.object({}), z.array(RecentSite)),
  "sites.create": mutation(
    "Create a new site file and open it.",
    z.object({ name: Name, address: z.string().max(300).optional(), timezone: z.string().min(1).max(64).optional() }),
    SiteSummary,
  ),
  "sites.open": mutation("Open an existing site file (refused if not a Lintel site, corrupt, or too new).", z.object({ path: z.string().min(1) }), SiteSummary),
  "sites.openDemo": mutation("Open the built-in demo hotel, creating it on first use.", z.object({}), SiteSummary),
  "sites.close": mutation("Close an open site.", SiteInput, z.object({ closed: z.boolean() })),
  "sites.backup": mutation(
    "Copy an open site to a backup file with SQLite's online backup.",
    z.object({ siteId: Id, to: z.string().min(1).optional() }),
    z.object({ path: z.string(), bytes: z.number().int().nonnegative() }),
  ),
  "sites.forget": mutation("Remove a file from the recent list (the file itself stays).", z.object({ path: z.string().min(1) }), z.object({ forgotten: z.boolean() })),
  "site.overview": query("The open site with its floors and counts.", SiteInput, z.object({ site: Site, path: z.string(), counts: Counts, floors: z.array(Floor.extend({ doors: z.number().int() })) })),
  "floors.list": query("Floors of a site, lowest first.", SiteInput, z.array(Floor)),
  "doors.list": query("Doors of a site with their floor and lock.", SiteInput, z.array(DoorRow)),
  "doors.create": mutation(
    "Add a door (and its lock) on a floor.",
    z.object({ siteId: Id, floorId: Id, name: Name, x: Metres, y: Metres, lockKind: z.enum(LOCK_KINDS).default("escutcheon") }),
    DoorRow,
  ),
  "users.search": query(
    "Users by name or e-mail prefix, paged.",
    z.object({ siteId: Id, query: z.string().max(120).default(""), limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) }),
    z.object({ total: z.number().int(), items: z.array(User) }),
  ),
  "users.create": mutation(
    "Add a user to the site.",
    z.object({ siteId: Id, firstName: Name, lastName: Name, email: Email.nullable().default(null), role: Role.default("user") }),
    User,
  ),
  "tags.list": query("Tags of a site.", SiteInput, z.array(Tag)),
  "journal.list": query(
    "The change journal that sync reads, oldest first.",
    z.object({ siteId: Id, afterSeq: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }),
    z.array(JournalEntry),
  ),
  ...planProcedures(),
  ...podProcedures(),
  ...commissioningProcedures,
  ...receptionProcedures,
  ...readersProcedures,
  ...importProcedures,
  ...cloudProcedures,
  ...handoverProcedures,
} as const satisfies Record<ProcedureName, ProcedureDef>;

export const events = {
  "site.changed": z.object({ siteId: Id, action: z.string() }),
  "sites.changed": z.object({}),
  "plan.progress": z.object({ siteId: Id, phase: z.enum(["cover", "trees", "improve", "done"]), fraction: z.number().min(0).max(1) }),
  ...commissioningEvents,
  ...receptionEvents,
  ...readersEvents,
  ...importEvents,
  ...cloudEvents,
  ...handoverEvents,
} as const satisfies Record<EventName, z.ZodType>;

export type Procedures = typeof procedures;
export type Input<K extends ProcedureName> = z.input<Procedures[K]["input"]>;
export type ParsedInput<K extends ProcedureName> = z.output<Procedures[K]["input"]>;
export type Output<K extends ProcedureName> = z.output<Procedures[K]["output"]>;
export type EventPayload<K extends EventName> = z.output<(typeof events)[K]>;

// Both directions: every name has a procedure (satisfies above), every procedure a name.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const NAMES_MATCH: Exact<keyof Procedures, ProcedureName> = true;
