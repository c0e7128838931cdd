import { BOOT_REPORT_LENGTH, MOD_LEFT_SHIFT, USAGE_ENTER, USAGE_KEYPAD_ENTER, USAGE_TAB, encodeBootReport } from "./boot-keyboard.ts";

/**
 * The window-capture fallback (READERS.md §4.3): keydown events the renderer
 * captured, turned back into the boot keyboard reports a reader would have sent, so
 * that the one WedgeAssembler (terminators, idle reset, reader-or-person timing)
 * decides what they were. The physical key (`KeyboardEvent.code`) is used, not the
 * character, for the same layout reason as usage IDs: a US-layout reader typing "1"
 * on an AZERTY laptop produces key "&" but code "Digit1".
 */

/** One captured keydown: `t` is `KeyboardEvent.timeStamp` (ms, taken at input, not when handled). */
export interface Keystroke {
  readonly key: string;
  readonly code: string;
  readonly t: number;
  /** `KeyboardEvent.shiftKey`; when absent it is guessed from `key` (an upper-case letter or ':'). */
  readonly shift?: boolean | undefined;
}

/** Usage IDs of the Keyboard/Keypad page for `KeyboardEvent.code` values (UI Events KeyboardEvent code spec). */
const CODE_USAGES: ReadonlyMap<string, number> = new Map<string, number>([
  ...Array.from({ length: 26 }, (_, i) => [`Key${String.fromCharCode(0x41 + i)}`, 0x04 + i] as const),
  ...Array.from({ length: 9 }, (_, i) => [`Digit${i + 1}`, 0x1e + i] as const),
  ["Digit0", 0x27],
  ...Array.from({ length: 9 }, (_, i) => [`Numpad${i + 1}`, 0x59 + i] as const),
  ["Numpad0", 0x62],
  ["Enter", USAGE_ENTER],
  ["NumpadEnter", USAGE_KEYPAD_ENTER],
  ["Tab", USAGE_TAB],
  ["Escape", 0x29],
  ["Backspace", 0x2a],
  ["Space", 0x2c],
  ["Minus", 0x2d],
  ["Semicolon", 0x33],
  ["Delete", 0x4c],
  ["ArrowRight", 0x4f],
  ["ArrowLeft", 0x50],
  ["ArrowDown", 0x51],
  ["ArrowUp", 0x52],
  ["Home", 0x4a],
  ["End", 0x4d],
]);

/** Keys that only modify others: they are folded into the next key's Shift bit, never typed. */
const MODIFIER_CODES = new Set([
  "ShiftLeft", "ShiftRight", "ControlLeft", "ControlRight", "AltLeft", "AltRight", "MetaLeft", "MetaRight", "CapsLock", "NumLock", "Fn",
]);

/** A key that types nothing a tag number uses (F24): inside a burst it spoils it, as Backspace does. */
const OTHER_KEY = 0x73;

/** When `code` is empty (some virtual keyboards and IMEs), the character decides. */
function usageOfKey(key: string): number | null {
  if (/^[a-zA-Z]$/.test(key)) return 0x04 + key.toLowerCase().charCodeAt(0) - 0x61;
  if (/^[1-9]$/.test(key)) return 0x1e + Number(key) - 1;
  if (key === "0") return 0x27;
  if (key === "Enter") return USAGE_ENTER;
  if (key === "Tab") return USAGE_TAB;
  if (key === ":" || key === ";") return 0x33;
  if (key === "-") return 0x2d;
  if (key === " ") return 0x2c;
  return null;
}

/** The usage a keystroke stands for; null for modifier keys (nothing to type). */
export function usageOfKeystroke(k: Keystroke): number | null {
  if (MODIFIER_CODES.has(k.code) || (k.code === "" && ["Shift", "Control", "Alt", "Meta", "CapsLock", "NumLock"].includes(k.key))) return null;
  return CODE_USAGES.get(k.code) ?? (k.code === "" ? usageOfKey(k.key) : null) ?? OTHER_KEY;
}

function shiftOf(k: Keystroke): boolean {
  if (k.shift !== undefined) return k.shift;
  return k.key === ":" || (k.key.length === 1 && k.key !== k.key.toLowerCase());
}

const RELEASE = new Uint8Array(BOOT_REPORT_LENGTH);

/**
 * The boot reports of a keydown: the key pressed (Shift in the same report when
 * held), then released at the same instant, so a repeated key counts twice as it
 * does when a reader types "00".
 */
export function keystrokeReports(k: Keystroke): { readonly report: Uint8Array; readonly atMs: number }[] {
  const usage = usageOfKeystroke(k);
  if (usage === null) return [];
  return [
    { report: encodeBootReport(shiftOf(k) ? MOD_LEFT_SHIFT : 0, [usage]), atMs: k.t },
    { report: RELEASE, atMs: k.t },
  ];
}
