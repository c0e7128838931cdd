import { HidCodecError } from "./errors.ts";

/**
 * From what a reader gives (typed characters, UID bytes, Wiegand bits) to the
 * domain's TagNumber form: 4-20 upper-case hex/decimal digits, or "FFF:NNNNN"
 * (READERS.md §3). Mirrors the pattern of `core/domain/people.ts` so the
 * device layer does not depend on the domain; a test keeps the two in step.
 */
export const TAG_NUMBER_PATTERN = /^([0-9A-F]{4,20}|\d{1,3}:\d{1,5})$/;

/** How a reader prints a UID's bytes as one integer: first byte most or least significant. */
export type ByteOrder = "msb-first" | "lsb-first";

/** How a site's wedge reader is configured to print numbers. */
export type ReaderNumbering =
  /** Keep the digits as typed (hex UID, EM4100 10-hex, or decimal the people know). */
  | { readonly kind: "as-typed" }
  /** The reader types the UID as one decimal integer; Lintel stores the hex UID. */
  | { readonly kind: "decimal-uid"; readonly uidBytes: number; readonly byteOrder: ByteOrder }
  /** The reader types the raw 26 Wiegand bits as '0'/'1'. */
  | { readonly kind: "wiegand26-bits" };

export const AS_TYPED: ReaderNumbering = { kind: "as-typed" };

/** Longer input is refused before any work: nothing a reader sends comes close. */
const MAX_INPUT = 64;

/** "FFF:NNNNN", zero-padded so "12:345" and "012:00345" are one tag. */
export function formatWiegand(facility: number, card: number): string {
  if (!Number.isInteger(facility) || facility < 0 || facility > 0xff || !Number.isInteger(card) || card < 0 || card > 0xffff) {
    throw new HidCodecError("hid.tag.range", `Wiegand 26 facility ${facility} (0..255) / card ${card} (0..65535) out of range`);
  }
  return `${String(facility).padStart(3, "0")}:${String(card).padStart(5, "0")}`;
}

export interface Wiegand26 {
  readonly facility: number;
  readonly card: number;
  readonly tagNumber: string;
}

function ones(bits: string): number {
  let n = 0;
  for (const b of bits) if (b === "1") n++;
  return n;
}

/**
 * Checks and splits a 26-bit Wiegand (H10301) frame, first-transmitted bit first:
 * even parity over bits 0-12, facility bits 1-8, card bits 9-24, odd parity over
 * bits 13-25. A number is read with bit 0 as its bit 25 (most significant).
 */
export function parseWiegand26(frame: string | number): Wiegand26 {
  let bits: string;
  if (typeof frame === "number") {
    if (!Number.isInteger(frame) || frame < 0 || frame >= 2 ** 26) throw new HidCodecError("hid.wiegand.bits", `${frame} is not a 26-bit integer`);
    bits = frame.toString(2).padStart(26, "0");
  } else {
    if (frame.length > MAX_INPUT) throw new HidCodecError("hid.wiegand.bits", `${frame.length} characters, expected 26 bits`);
    bits = frame.trim();
    if (!/^[01]*$/.test(bits)) throw new HidCodecError("hid.wiegand.bits", "a Wiegand frame is written in '0' and '1' only");
    if (bits.length !== 26) throw new HidCodecError("hid.wiegand.bits", `${bits.length} bits, expected 26`);
  }
  if (ones(bits.slice(0, 13)) % 2 !== 0) throw new HidCodecError("hid.wiegand.parity", "Wiegand 26 leading (even) parity bit is wrong");
  if (ones(bits.slice(13, 26)) % 2 !== 1) throw new HidCodecError("hid.wiegand.parity", "Wiegand 26 trailing (odd) parity bit is wrong");
  const facility = parseInt(bits.slice(1, 9), 2);
  const card = parseInt(bits.slice(9, 25), 2);
  return { facility, card, tagNumber: formatWiegand(facility, card) };
}

/** The 26 bits a reader sends for a facility and card, parity included; for the simulator and tests. */
export function encodeWiegand26(facility: number, card: number): string {
  formatWiegand(facility, card); // range check
  const data = facility.toString(2).padStart(8, "0") + card.toString(2).padStart(16, "0");
  const lead = ones(data.slice(0, 12)) % 2 === 0 ? "0" : "1";
  const trail = ones(data.slice(12)) % 2 === 0 ? "1" : "0";
  return lead + data + trail;
}

/** A UID as the domain stores it: upper-case hex, first byte first. 2..10 bytes (4..20 digits). */
export function uidToTagNumber(uid: Uint8Array): string {
  if (uid.length < 2 || uid.length > 10) throw new HidCodecError("hid.tag.length", `UID of ${uid.length} byte(s), expected 2..10`);
  let s = "";
  for (const b of uid) s += b.toString(16).padStart(2, "0");
  return s.toUpperCase();
}

/** The decimal a reader in "decimal" mode prints for a UID; for the simulator and tests. */
export function uidToDecimal(uid: Uint8Array, byteOrder: ByteOrder): string {
  const bytes = byteOrder === "msb-first" ? [...uid] : [...uid].reverse();
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v.toString(10);
}

/** Decimal of a UID back to its bytes, first byte first. */
export function decimalToUid(decimal: string, uidBytes: number, byteOrder: ByteOrder): Uint8Array {
  if (!Number.isInteger(uidBytes) || uidBytes < 2 || uidBytes > 10) throw new HidCodecError("hid.tag.length", `UID of ${uidBytes} byte(s), expected 2..10`);
  if (decimal.length > MAX_INPUT) throw new HidCodecError("hid.tag.length", `${decimal.length} characters is not a UID`);
  if (!/^\d+$/.test(decimal)) throw new HidCodecError("hid.tag.format", "a decimal UID is written in digits only");
  let v = BigInt(decimal);
  if (v >= 1n << BigInt(8 * uidBytes)) throw new HidCodecError("hid.tag.range", `${decimal} does not fit in ${uidBytes} byte(s)`);
  const out = new Uint8Array(uidBytes);
  for (let i = uidBytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return byteOrder === "msb-first" ? out : out.reverse();
}

/**
 * What a reader typed (or a person typed by hand) as a TagNumber, given how the
 * reader prints numbers. Byte groups "04 A2 B9 C1" / "04-A2-B9-C1" are joined;
 * Wiegand "12:345" is zero-padded; everything else must already be 4-20 digits.
 */
export function normaliseTagNumber(raw: string, numbering: ReaderNumbering = AS_TYPED): string {
  if (raw.length > MAX_INPUT) throw new HidCodecError("hid.tag.length", `${raw.length} characters is not a tag number`);
  const s = raw.trim();
  switch (numbering.kind) {
    case "wiegand26-bits":
      return parseWiegand26(s).tagNumber;
    case "decimal-uid":
      return uidToTagNumber(decimalToUid(s, numbering.uidBytes, numbering.byteOrder));
    case "as-typed": {
      const wiegand = /^(\d{1,3}):(\d{1,5})$/.exec(s);
      if (wiegand) return formatWiegand(Number(wiegand[1]), Number(wiegand[2]));
      const joined = /^[0-9A-Fa-f]{2}([ -][0-9A-Fa-f]{2})+$/.test(s) ? s.replace(/[ -]/g, "") : s;
      if (!/^[0-9A-Fa-f]+$/.test(joined)) throw new HidCodecError("hid.tag.format", "a tag number is hex/decimal digits, or FFF:NNNNN");
      if (joined.length < 4 || joined.length > 20) throw new HidCodecError("hid.tag.length", `${joined.length} digit(s), a tag number has 4..20`);
      return joined.toUpperCase();
    }
    default:
      return unreachable(numbering);
  }
}

function unreachable(x: never): never {
  throw new HidCodecError("hid.tag.format", `unhandled numbering ${String(x)}`);
}
