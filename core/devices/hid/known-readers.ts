/**
 * Which HID devices are tag readers (READERS.md §4.1). node-hid lists every HID
 * device — keyboards, mice, headsets — and only readers may become `ReaderInfo`s:
 * a dedicated reader by the Lintel usage page, a keyboard-wedge reader by its
 * VID/PID or, failing that, by a product name that says what it is.
 */

/** Vendor-defined usage page of the Lintel vendor report ('L' in the low byte; 0xFF00-0xFFFF are vendor pages). */
export const LINTEL_USAGE_PAGE = 0xff4c;
export const LINTEL_USAGE = 0x01;

/** Generic Desktop page, Keyboard usage: the collection a wedge reader types through. */
export const GENERIC_DESKTOP_PAGE = 0x01;
export const KEYBOARD_USAGE = 0x06;

/** The fields of a node-hid device entry recognition looks at. */
export interface HidDeviceEntry {
  readonly vendorId: number;
  readonly productId: number;
  readonly product?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
}

export interface KnownReader {
  readonly vendorId: number;
  readonly productId: number;
  /** How people call it (shown when the device has no product string). */
  readonly name: string;
}

/**
 * Keyboard-wedge readers seen in the field. A site's odd reader can be added through
 * `TagReaderOptions.knownReaders`; anything else with "RFID"/"reader" in a keyboard's
 * product name is also taken (see `READER_NAME`).
 */
export const KNOWN_WEDGE_READERS: readonly KnownReader[] = [
  // lsusb: "ffff:0035 Sycreader RFID Technology Co., Ltd SYC ID&IC USB Reader" — the most common 125 kHz / 13.56 MHz desk reader.
  { vendorId: 0xffff, productId: 0x0035, name: "Sycreader SYC ID&IC USB Reader" },
  // lsusb: "08ff:0009 AuthenTec, Inc." — nameless EM4100 readers that type 10 decimal digits and Enter.
  { vendorId: 0x08ff, productId: 0x0009, name: "EM4100 USB reader (08ff:0009)" },
  // rf IDEAS pcProx / WAVE ID multi-technology readers in keyboard-emulation mode.
  { vendorId: 0x0c27, productId: 0x3bfa, name: "rf IDEAS pcProx multi-technology reader" },
];

/** Product names that say "tag reader" (only for keyboard collections: a mouse called "RFID" is still a mouse). */
const READER_NAME = /\b(rfid|nfc|em4100|em4102|125\s?khz|13\.56\s?mhz|id\s?&\s?ic|id reader|ic reader|card reader|tag reader|prox)\b/i;

export interface Recognised {
  readonly kind: "wedge" | "vendor";
  readonly name: string;
}

/** True when the entry is (or may be) a keyboard collection; hidapi leaves usage 0 when it cannot tell. */
function mayBeKeyboard(d: HidDeviceEntry): boolean {
  if (d.usagePage === undefined || d.usagePage === 0) return true;
  return d.usagePage === GENERIC_DESKTOP_PAGE && (d.usage === KEYBOARD_USAGE || d.usage === undefined || d.usage === 0);
}

/** Whether a HID device is a tag reader, and which kind; null for every other device. */
export function recogniseReader(d: HidDeviceEntry, extra: readonly KnownReader[] = []): Recognised | null {
  // Strings come from the device's firmware: bounded before they reach a list or a log.
  const label = ((d.product ?? "").trim() || (d.manufacturer ?? "").trim()).slice(0, 120);
  if (d.usagePage === LINTEL_USAGE_PAGE) return { kind: "vendor", name: label || "Lintel vendor-report reader" };
  if (!mayBeKeyboard(d)) return null;
  const known = [...extra, ...KNOWN_WEDGE_READERS].find((k) => k.vendorId === d.vendorId && k.productId === d.productId);
  if (known) return { kind: "wedge", name: label || known.name };
  // Only a real keyboard collection is taken on its name alone: a reader that types must say it is a keyboard.
  const keyboard = d.usagePage === GENERIC_DESKTOP_PAGE && d.usage === KEYBOARD_USAGE;
  if (keyboard && READER_NAME.test(`${d.product ?? ""} ${d.manufacturer ?? ""}`)) return { kind: "wedge", name: label };
  return null;
}
