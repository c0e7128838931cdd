import { z } from "zod";
import { Email, Id, Instant, Name, Role, Tag } from "../../domain/index.ts";
import { normaliseTagNumber } from "../../devices/hid/tag-number.ts";
import { mutation, query, type ProcedureDef } from "../define.ts";
import type { READERS_EVENT_NAMES, READERS_PROCEDURE_NAMES } from "./readers.names.ts";

/**
 * USB tag readers (issue 5; core/devices/hid/READERS.md §4): the readers plugged in,
 * keystroke bursts captured in the window for readers the OS keeps to itself, the
 * simulated reader, and the fast "whose tag is this?" of the reception desk.
 */

/** Reader ids: `usb:VVVV:PPPP[:serial][#n]`, `sim-…`, or `keyboard` (the window). */
export const ReaderId = z.string().trim().min(1).max(200);
const SimReaderId = z.string().regex(/^sim-[A-Za-z0-9._-]{1,60}$/, "a simulated reader's id starts with sim-");
const Word16 = z.number().int().min(0).max(0xffff);
const Count = z.number().int().nonnegative();

/**
 * A tag number as read or typed, normalised (READERS.md §3) to the one spelling
 * readers give; `alternate` is the spelling the same tag may have been stored with
 * by hand: a Wiegand number without its padding ("12:345" for "012:00345"),
 * otherwise the input trimmed and upper-cased.
 */
export const TagNumberInput = z
  .string()
  .max(64)
  .transform((raw, ctx) => {
    try {
      const number = normaliseTagNumber(raw);
      const wiegand = /^(\d{3}):(\d{5})$/.exec(number);
      return { number, alternate: wiegand ? `${Number(wiegand[1])}:${Number(wiegand[2])}` : raw.trim().toUpperCase() };
    } catch (e) {
      ctx.issues.push({ code: "custom", message: e instanceof Error ? e.message : "not a tag number", input: raw });
      return z.NEVER;
    }
  });

export const ReaderNumbering = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("as-typed") }),
  z.object({ kind: z.literal("decimal-uid"), uidBytes: z.number().int().min(2).max(10), byteOrder: z.enum(["msb-first", "lsb-first"]) }),
  z.object({ kind: z.literal("wiegand26-bits") }),
]);

export const ReaderStats = z.object({
  reports: Count,
  reads: Count,
  repeats: Count,
  typed: Count,
  dropped: Count,
  /** Refusals by HidCodecError code (`internal` would be a bug). */
  refused: z.record(z.string(), Count),
});

export const Reader = z.object({
  readerId: ReaderId,
  vendorId: Word16,
  productId: Word16,
  productName: z.string().max(300),
  kind: z.enum(["wedge", "vendor", "keystrokes"]),
  source: z.enum(["usb", "simulated"]),
  note: z.string().nullable(),
  siteId: Id.nullable(),
  numbering: ReaderNumbering,
  stats: ReaderStats,
});
export type Reader = z.infer<typeof Reader>;

export const ReadersStatus = z.object({
  /** What `app.info.tagReaders` says. */
  availability: z.enum(["available", "unavailable", "simulated"]),
  /** node-hid's state, and why it is unavailable; null when USB readers are off. */
  usb: z.object({ status: z.enum(["starting", "available", "unavailable", "stopped"]), reason: z.string().nullable() }).nullable(),
  /** Whether `readers.simulate` may be used. */
  simulation: z.boolean(),
});

export const ReadersSnapshot = z.object({ status: ReadersStatus, readers: z.array(Reader), keyboard: ReaderStats });

/** One keydown captured in the window: `t` is `KeyboardEvent.timeStamp`, taken at input. */
export const Keystroke = z.object({
  key: z.string().max(32),
  code: z.string().max(32),
  t: z.number().min(0).max(1e10),
  shift: z.boolean().optional(),
});

const KeystrokeOutcome = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("read"), tagNumber: z.string(), repeat: z.boolean() }),
  z.object({ kind: z.literal("typed"), verdict: z.enum(["human", "unsure"]), text: z.string() }),
  z.object({ kind: z.literal("dropped"), reason: z.enum(["rollover", "unmapped-key", "too-long", "idle", "clock"]), text: z.string() }),
  z.object({ kind: z.literal("refused"), code: z.string(), text: z.string() }),
]);

const TECHNOLOGY = z.enum(["mifare-classic", "mifare-desfire", "mifare-ultralight", "iso14443a", "iso14443b", "iso15693", "em4100", "hid-prox-26"]);

export const TagHolder = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user"), userId: Id, firstName: Name, lastName: Name, role: Role, email: Email.nullable() }),
  z.object({ kind: z.literal("guest"), guestId: Id, podId: Id, firstName: Name, lastName: Name }),
]);
export type TagHolder = z.infer<typeof TagHolder>;

export const TagLookup = z.object({
  /** The tag's number as the site stores it; for an unregistered tag, the normalised number looked up. */
  tagNumber: z.string(),
  /** `unregistered`: not a tag of this site yet (register it, then assign it). */
  status: z.enum(["unregistered", "unassigned", "assigned", "blocked"]),
  tag: Tag.nullable(),
  holder: TagHolder.nullable(),
});
export type TagLookup = z.infer<typeof TagLookup>;

/** The readers feature's part of the one API contract (combined in ../contract.ts). */
export const readersProcedures = {
  "readers.list": query("USB tag readers plugged in (real and simulated), how each is read, and whether USB readers work here at all.", z.object({}), ReadersSnapshot),
  "readers.keystrokes": mutation(
    "Keystrokes captured in the window (fallback for readers the OS keeps to itself): a burst typed by a reader becomes a readers.read, a person typing does not.",
    z.object({ readerId: ReaderId.optional(), siteId: Id.optional(), keys: z.array(Keystroke).min(1).max(256) }),
    z.object({ readerId: ReaderId, outcomes: z.array(KeystrokeOutcome), pending: z.boolean() }),
  ),
  "readers.simulate": mutation(
    "The simulated reader, for demos and tests: plug or unplug one (keyboard wedge or vendor), or present a tag number to it.",
    z.discriminatedUnion("action", [
      z.object({
        action: z.literal("plug"),
        kind: z.enum(["wedge", "vendor"]).default("wedge"),
        readerId: SimReaderId.optional(),
        productName: z.string().trim().min(1).max(120).optional(),
        siteId: Id.optional(),
      }),
      z.object({ action: z.literal("unplug"), readerId: SimReaderId }),
      z.object({
        action: z.literal("present"),
        readerId: SimReaderId.optional(),
        tagNumber: TagNumberInput,
        technology: TECHNOLOGY.optional(),
        terminator: z.enum(["enter", "tab"]).optional(),
        repeats: z.number().int().min(1).max(20).default(1),
      }),
    ]),
    z.object({
      readers: z.array(Reader),
      /** What the reader sent (hex, one string per report), for `present`. */
      presented: z.object({ readerId: ReaderId, tagNumber: z.string(), reports: z.array(z.string()) }).nullable(),
    }),
  ),
  "tags.lookup": query(
    "Whose tag is this? A tag number (as read or typed) to the site's tag and its holder, or unregistered. One indexed query.",
    z.object({ siteId: Id, tagNumber: TagNumberInput }),
    TagLookup,
  ),
} as const satisfies Record<(typeof READERS_PROCEDURE_NAMES)[number], ProcedureDef>;

export const readersEvents = {
  "readers.changed": z.object({
    change: z.enum(["arrived", "left", "state", "bound"]),
    readerId: ReaderId.nullable(),
    status: ReadersStatus,
    readers: z.array(Reader),
  }),
  "readers.read": z.object({
    siteId: Id.optional(),
    readerId: ReaderId,
    tagNumber: z.string(),
    at: Instant,
    via: z.enum(["report", "keystrokes"]),
  }),
} as const satisfies Record<(typeof READERS_EVENT_NAMES)[number], z.ZodType>;
