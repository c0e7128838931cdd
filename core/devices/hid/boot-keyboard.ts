import { HidCodecError } from "./errors.ts";

/**
 * USB HID boot-protocol keyboard reports, as keyboard-wedge tag readers send them
 * (READERS.md §1). We read usage IDs, not characters: a usage is a physical key, so
 * a reader "typing" on a French or German layout still gives the digits it meant.
 */

/** Boot keyboard input reports are exactly 8 bytes (HID 1.11, appendix B.1). */
export const BOOT_REPORT_LENGTH = 8;

/** Left and right Shift in the modifier byte; the other modifiers do not change a tag number. */
export const MOD_LEFT_SHIFT = 0x02;
export const MOD_RIGHT_SHIFT = 0x20;

export const USAGE_ENTER = 0x28;
export const USAGE_TAB = 0x2b;
export const USAGE_KEYPAD_ENTER = 0x58;

/** The three "phantom" usages a keyboard fills all six slots with when it cannot report keys. */
const KEYBOARD_ERRORS = { 0x01: "rollover", 0x02: "post-fail", 0x03: "undefined" } as const;
export type KeyboardErrorState = (typeof KEYBOARD_ERRORS)[keyof typeof KEYBOARD_ERRORS];

/** Highest usage the Keyboard/Keypad page defines for the key array; 0xE0-0xE7 live in the modifier byte. */
const LAST_KEY_USAGE = 0xdd;

export type Terminator = "enter" | "tab";

export interface KeyPress {
  readonly usage: number;
  /** The character on a US layout, shift applied; null for keys that type nothing we use. */
  readonly text: string | null;
  readonly terminator: Terminator | null;
}

export interface BootReport {
  readonly modifiers: number;
  readonly shift: boolean;
  /** Keys held in this report, in slot order (no zeros, no phantom usages). */
  readonly keys: readonly KeyPress[];
  /** Set when the report is a phantom state: the keyboard lost track of the keys. */
  readonly error: KeyboardErrorState | null;
}

const DIGITS = "1234567890";
const SHIFTED_DIGITS = "!@#$%^&*()";

/** What a key types: only the characters a tag number can contain, plus a few separators. */
function keyOf(usage: number, shift: boolean): KeyPress {
  let text: string | null = null;
  let terminator: Terminator | null = null;
  if (usage >= 0x04 && usage <= 0x1d) {
    const c = String.fromCharCode(0x61 + usage - 0x04);
    text = shift ? c.toUpperCase() : c;
  } else if (usage >= 0x1e && usage <= 0x27) {
    text = (shift ? SHIFTED_DIGITS : DIGITS)[usage - 0x1e] ?? null;
  } else if (usage >= 0x59 && usage <= 0x62) {
    // Keypad 1..9, 0: some readers type on the keypad so Num Lock, not Shift, matters; assume it is on.
    text = DIGITS[usage - 0x59] ?? null;
  } else if (usage === USAGE_ENTER || usage === USAGE_KEYPAD_ENTER) {
    terminator = "enter";
  } else if (usage === USAGE_TAB) {
    terminator = "tab";
  } else if (usage === 0x2c) {
    text = " ";
  } else if (usage === 0x2d) {
    text = shift ? "_" : "-";
  } else if (usage === 0x33) {
    // ';' — shifted it is the ':' of a Wiegand "FFF:NNNNN".
    text = shift ? ":" : ";";
  }
  return { usage, text, terminator };
}

/** Decodes one 8-byte boot keyboard report: modifiers, reserved, six key slots. */
export function decodeBootReport(report: Uint8Array): BootReport {
  if (report.length !== BOOT_REPORT_LENGTH) {
    throw new HidCodecError("hid.report.length", `boot keyboard report: ${report.length} byte(s), expected ${BOOT_REPORT_LENGTH}`);
  }
  const modifiers = report[0] ?? 0;
  const shift = (modifiers & (MOD_LEFT_SHIFT | MOD_RIGHT_SHIFT)) !== 0;
  // report[1] is reserved; some keyboards put OEM data there, so it is not checked.
  const slots = report.subarray(2);
  const phantom = slots[0] ?? 0;
  if (phantom >= 0x01 && phantom <= 0x03) {
    if (!slots.every((u) => u === phantom)) {
      throw new HidCodecError("hid.keyboard.error_mixed", `keyboard error usage 0x0${phantom} must fill all six slots`);
    }
    return { modifiers, shift, keys: [], error: KEYBOARD_ERRORS[phantom as 1 | 2 | 3] };
  }
  const keys: KeyPress[] = [];
  const seen = new Set<number>();
  for (const usage of slots) {
    if (usage === 0) continue; // a gap: some keyboards clear a slot in place on release
    if (usage <= 0x03) throw new HidCodecError("hid.keyboard.error_mixed", `keyboard error usage 0x0${usage} mixed with keys`);
    if (usage > LAST_KEY_USAGE) throw new HidCodecError("hid.keyboard.usage", `usage 0x${usage.toString(16)} is not a key of the boot keyboard array`);
    if (seen.has(usage)) throw new HidCodecError("hid.keyboard.duplicate", `usage 0x${usage.toString(16)} reported twice`);
    seen.add(usage);
    keys.push(keyOf(usage, shift));
  }
  return { modifiers, shift, keys, error: null };
}

/** Builds a boot report; for the simulated reader and tests. */
export function encodeBootReport(modifiers: number, usages: readonly number[]): Uint8Array {
  if (usages.length > 6) throw new HidCodecError("hid.report.length", `${usages.length} keys, a boot report holds 6`);
  if (!Number.isInteger(modifiers) || modifiers < 0 || modifiers > 0xff) throw new HidCodecError("hid.keyboard.usage", `modifier byte ${modifiers}`);
  const out = new Uint8Array(BOOT_REPORT_LENGTH);
  out[0] = modifiers;
  usages.forEach((u, i) => {
    if (!Number.isInteger(u) || u < 0x04 || u > LAST_KEY_USAGE) throw new HidCodecError("hid.keyboard.usage", `usage ${u}`);
    out[2 + i] = u;
  });
  return out;
}

/** The usage and shift that type a character on a US layout, or a typed error. */
function usageOf(c: string): { readonly usage: number; readonly shift: boolean } {
  const code = c.charCodeAt(0);
  if (c.length !== 1) throw new HidCodecError("hid.keyboard.unmappable", "one character at a time");
  if (code >= 0x61 && code <= 0x7a) return { usage: 0x04 + code - 0x61, shift: false };
  if (code >= 0x41 && code <= 0x5a) return { usage: 0x04 + code - 0x41, shift: true };
  const d = DIGITS.indexOf(c);
  if (d >= 0) return { usage: 0x1e + d, shift: false };
  if (c === ":") return { usage: 0x33, shift: true };
  if (c === "-") return { usage: 0x2d, shift: false };
  if (c === " ") return { usage: 0x2c, shift: false };
  throw new HidCodecError("hid.keyboard.unmappable", `no key types ${JSON.stringify(c)}`);
}

/**
 * The reports a wedge reader sends to type `text` then a terminator: each key
 * pressed (with Shift in the same report when needed) and released (all-zero report).
 */
export function encodeKeystrokes(text: string, terminator: Terminator = "enter"): Uint8Array[] {
  const out: Uint8Array[] = [];
  const release = new Uint8Array(BOOT_REPORT_LENGTH);
  for (const c of text) {
    const k = usageOf(c);
    out.push(encodeBootReport(k.shift ? MOD_LEFT_SHIFT : 0, [k.usage]), release);
  }
  out.push(encodeBootReport(0, [terminator === "enter" ? USAGE_ENTER : USAGE_TAB]), release);
  return out;
}

/**
 * Thresholds of the reader-or-person test (READERS.md §1.4). Readers type each
 * character 1-8 ms after the last (a report per USB poll); people, even fast
 * typists on a numeric pad, leave ≥ 30 ms between keys. Parameters, because some
 * slow readers poll at 10 ms and a site may have to widen `readerMaxMs`.
 */
export interface WedgeTiming {
  /** Largest gap, in ms, between two characters of a reader's burst. */
  readonly readerMaxMs: number;
  /** Median gap, in ms, from which a burst is a person typing. */
  readonly humanMinMs: number;
  /** Gaps above `readerMaxMs` (but below `humanMinMs`) forgiven in a reader burst: host scheduling jitter. */
  readonly toleratedSlow: number;
  /** Fewer gaps than this tell nothing: 'unsure'. Tag numbers have ≥ 4 characters plus a terminator. */
  readonly minIntervals: number;
}

export const DEFAULT_WEDGE_TIMING: WedgeTiming = { readerMaxMs: 8, humanMinMs: 30, toleratedSlow: 1, minIntervals: 3 };

export type BurstVerdict = "reader" | "human" | "unsure";

function checkTiming(t: WedgeTiming): void {
  const ok =
    Number.isFinite(t.readerMaxMs) &&
    t.readerMaxMs > 0 &&
    Number.isFinite(t.humanMinMs) &&
    t.humanMinMs > t.readerMaxMs &&
    Number.isInteger(t.toleratedSlow) &&
    t.toleratedSlow >= 0 &&
    Number.isInteger(t.minIntervals) &&
    t.minIntervals >= 1;
  if (!ok) throw new HidCodecError("hid.wedge.timing", "timing needs 0 < readerMaxMs < humanMinMs and non-negative integer counts", t);
}

/**
 * Reader or person, from the gaps between successive key presses of one burst
 * (terminator included). A reader: every gap ≤ readerMaxMs, bar `toleratedSlow`
 * gaps still below humanMinMs. A person: median gap ≥ humanMinMs. Anything else
 * (too short, mixed, nonsense numbers) is 'unsure' and is not taken as a scan.
 */
export function classifyBurst(intervalsMs: readonly number[], timing: WedgeTiming = DEFAULT_WEDGE_TIMING): BurstVerdict {
  if (intervalsMs.length < timing.minIntervals) return "unsure";
  if (!intervalsMs.every((i) => Number.isFinite(i) && i >= 0)) return "unsure";
  const slow = intervalsMs.filter((i) => i > timing.readerMaxMs).length;
  if (slow <= timing.toleratedSlow && intervalsMs.every((i) => i < timing.humanMinMs)) return "reader";
  const sorted = [...intervalsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return median >= timing.humanMinMs ? "human" : "unsure";
}

export type DropReason = "rollover" | "unmapped-key" | "too-long" | "idle" | "clock";

interface BurstTimes {
  readonly text: string;
  readonly terminator: Terminator;
  readonly startMs: number;
  readonly endMs: number;
  readonly intervalsMs: readonly number[];
}

/** What a burst of keystrokes turned out to be. Only `scan` is a tag presented to a reader. */
export type WedgeEvent =
  | ({ readonly kind: "scan" } & BurstTimes)
  | ({ readonly kind: "typed"; readonly verdict: "human" | "unsure" } & BurstTimes)
  | { readonly kind: "dropped"; readonly reason: DropReason; readonly text: string };

export interface WedgeOptions {
  readonly timing?: WedgeTiming;
  /** A pending burst older than this when the next key comes is abandoned: readers never pause mid-number. */
  readonly idleResetMs?: number;
  /** Longest burst kept; longer ones are dropped (a person pasting, a stuck key). */
  readonly maxChars?: number;
}

/**
 * Turns a stream of (boot report, timestamp) into tag-number bursts ended by
 * Enter or Tab. A key counts when it appears in a report and was not in the
 * previous one, so key-up reports and repeats of a held key add nothing. Time is
 * passed in (the adapter's input timestamp), never read here.
 */
export class WedgeAssembler {
  private readonly timing: WedgeTiming;
  private readonly idleResetMs: number;
  private readonly maxChars: number;
  private held: ReadonlySet<number> = new Set();
  private text = "";
  private times: number[] = [];
  private poison: DropReason | null = null;
  /** Last key press (or phantom report) of the pending burst: the idle reset counts from it. */
  private activityMs: number | null = null;
  private lastReportMs: number | null = null;

  constructor(options: WedgeOptions = {}) {
    this.timing = options.timing ?? DEFAULT_WEDGE_TIMING;
    checkTiming(this.timing);
    this.idleResetMs = options.idleResetMs ?? 2000;
    this.maxChars = options.maxChars ?? 32;
    if (!(this.idleResetMs > this.timing.humanMinMs) || !Number.isInteger(this.maxChars) || this.maxChars < 1) {
      throw new HidCodecError("hid.wedge.timing", "idleResetMs must exceed humanMinMs and maxChars be a positive integer");
    }
  }

  /** True while a burst is being gathered (for tests and the UI's "reading…" hint). */
  get pending(): boolean {
    return this.times.length > 0 || this.poison !== null;
  }

  /** Forget everything, e.g. when the reader is unplugged mid-burst. */
  reset(): void {
    this.held = new Set();
    this.clearBurst();
    this.lastReportMs = null;
  }

  /** Feeds one report received at `atMs`; returns the bursts it completed or abandoned. */
  push(report: Uint8Array, atMs: number): WedgeEvent[] {
    if (!Number.isFinite(atMs) || atMs < 0) throw new HidCodecError("hid.wedge.clock", `timestamp ${atMs} is not a finite, non-negative number of ms`);
    const decoded = decodeBootReport(report); // a refused report changes no state
    const events: WedgeEvent[] = [];
    if (this.lastReportMs !== null && atMs < this.lastReportMs) {
      // Time went backwards: the gaps of this burst mean nothing any more.
      this.drop("clock", events);
    }
    this.lastReportMs = atMs;
    if (decoded.error !== null) {
      // Keys were lost: finish the burst as garbage rather than emit a number with holes.
      this.idleCheck(atMs, events);
      this.poison = "rollover";
      this.activityMs = atMs;
      return events;
    }
    for (const key of decoded.keys) {
      if (this.held.has(key.usage)) continue;
      this.press(key, atMs, events);
    }
    this.held = new Set(decoded.keys.map((k) => k.usage));
    return events;
  }

  private press(key: KeyPress, atMs: number, events: WedgeEvent[]): void {
    this.idleCheck(atMs, events);
    if (key.terminator !== null) {
      if (this.pending) this.finish(key.terminator, atMs, events);
      return;
    }
    if (key.text === null) {
      // Backspace, arrows, F-keys: a person editing, or a reader gone wrong. Either way not a clean scan.
      if (this.pending) {
        this.poison ??= "unmapped-key";
        this.activityMs = atMs;
      }
      return;
    }
    this.activityMs = atMs;
    if (this.text.length >= this.maxChars) {
      this.poison ??= "too-long";
      return;
    }
    this.text += key.text;
    this.times.push(atMs);
  }

  private idleCheck(atMs: number, events: WedgeEvent[]): void {
    if (this.activityMs !== null && atMs - this.activityMs > this.idleResetMs) this.drop("idle", events);
  }

  private finish(terminator: Terminator, atMs: number, events: WedgeEvent[]): void {
    if (this.poison !== null || this.times.length === 0) {
      this.drop(this.poison ?? "rollover", events);
      return;
    }
    const times = [...this.times, atMs];
    const intervalsMs = times.slice(1).map((t, i) => t - (times[i] ?? t));
    const burst: BurstTimes = { text: this.text, terminator, startMs: times[0] ?? atMs, endMs: atMs, intervalsMs };
    const verdict = classifyBurst(intervalsMs, this.timing);
    events.push(verdict === "reader" ? { kind: "scan", ...burst } : { kind: "typed", verdict, ...burst });
    this.clearBurst();
  }

  private drop(reason: DropReason, events: WedgeEvent[]): void {
    if (this.pending) events.push({ kind: "dropped", reason: this.poison ?? reason, text: this.text });
    this.clearBurst();
  }

  private clearBurst(): void {
    this.text = "";
    this.times = [];
    this.poison = null;
    this.activityMs = null;
  }
}
