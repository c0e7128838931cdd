import { z } from "zod";
import { Door, Email, Floor, Id, Instant, Lock, LOCK_KINDS, Metres, Name, Role, Site, Tag, User } from "../domain/index.ts";
import { mutation, query, type ProcedureDef } from "./define.ts";
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
} as const satisfies Record<ProcedureName, ProcedureDef>;

export const events = {
  "site.changed": z.object({ siteId: Id, action: z.string() }),
  "sites.changed": z.object({}),
} as const satisfies Record<EventName, z.ZodType>;

export type Procedures = typeof procedures;
export type Input<K extends ProcedureName> = z.input<Procedures[K]["input"]>;
export type ParsedInput<K extends ProcedureName> = z.output<Procedures[K]["input"]>;
export type Output<K extends ProcedureName> = z.output<Procedures[K]["output"]>;
export type EventPayload<K extends EventName> = z.output<(typeof events)[K]>;

// Both directions: every name has a procedure (satisfies above), every procedure a name.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const NAMES_MATCH: Exact<keyof Procedures, ProcedureName> = true;
