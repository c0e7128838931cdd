import { z } from "zod";
import { Id, Instant } from "./common.ts";

/**
 * The reception desk's records (seed L102-119, L255): which reader the site enrolls
 * tags with, and what happened to each tag, when and where.
 */

/** A USB reader is named by the id the readers port gives it (stable per device), with a label for people. */
export const UsbReaderRef = z.object({
  kind: z.literal("usb"),
  readerId: z.string().trim().min(1).max(200),
  label: z.string().trim().max(200).default(""),
});

/** The site's Tag reader (L110-117): a lock of the site, chosen by a Site Admin, or a USB reader at the desk. */
export const TagReaderSource = z.discriminatedUnion("kind", [z.object({ kind: z.literal("lock"), lockId: Id }), UsbReaderRef]);
export type TagReaderSource = z.infer<typeof TagReaderSource>;

/** The site's default Tag reader: at most one per site (a singleton row, see migration 0006). */
export const TagReader = z.object({
  id: Id,
  reader: TagReaderSource,
  selectedAt: Instant,
});
export type TagReader = z.infer<typeof TagReader>;

/** How a tag number reached Lintel: from a lock acting as Tag reader, a USB reader, or typed by hand. */
export const TagPresentation = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("lock"), lockId: Id }),
  z.object({ kind: z.literal("usb"), readerId: z.string().trim().min(1).max(200) }),
  z.object({ kind: z.literal("typed") }),
]);
export type TagPresentation = z.infer<typeof TagPresentation>;

export const TagEventKind = z.enum([
  "registered",
  "assigned",
  "unassigned",
  "blocked",
  /** This tag replaces a lost one (`otherTagId`). */
  "replaces",
  /** This lost tag was replaced by `otherTagId`. */
  "replaced-by",
  "master-key-set",
  "master-key-unset",
]);
export type TagEventKind = z.infer<typeof TagEventKind>;

/** One step of a tag's life: who held it and where it was presented (L255). */
export const TagEvent = z.object({
  at: Instant,
  kind: TagEventKind,
  userId: Id.nullable().default(null),
  otherTagId: Id.nullable().default(null),
  via: TagPresentation.nullable().default(null),
  actor: z.string().min(1).max(200),
});
export type TagEvent = z.infer<typeof TagEvent>;

/**
 * A tag's history, keyed by the tag's own id so it is read with one lookup. Tags
 * written without one (a bulk import) simply have no history yet.
 */
export const TagHistory = z.object({
  id: Id,
  events: z.array(TagEvent).max(10_000),
});
export type TagHistory = z.infer<typeof TagHistory>;

/** The key under which a locker bank's name is unique in a site: trimmed and case-folded. */
export function lockerBankNameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** The key under which access group and schedule names are unique in a site. */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}
