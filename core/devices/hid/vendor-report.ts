import { HidCodecError } from "./errors.ts";
import { parseWiegand26, uidToTagNumber } from "./tag-number.ts";

/**
 * The Lintel vendor "tag present" input report of dedicated USB readers
 * (READERS.md §2): report id, length, technology, UID length, UID, CRC-8, zero
 * padding to the fixed report size of the HID report descriptor.
 */

export const VENDOR_REPORT_ID = 0x4c; // 'L'
/** Report size with the id, as node-hid delivers it; shorter (unpadded) reports are accepted too. */
export const VENDOR_REPORT_SIZE = 32;
/** Bytes before the UID: id, length, technology, UID length. */
const HEADER = 4;

/** Card technologies, by their byte, with the UID lengths each can have. */
export const TECHNOLOGIES = {
  "mifare-classic": { byte: 0x01, uidLengths: [4, 7] },
  "mifare-desfire": { byte: 0x02, uidLengths: [7] },
  "mifare-ultralight": { byte: 0x03, uidLengths: [7] },
  "iso14443a": { byte: 0x04, uidLengths: [4, 7, 10] },
  "iso14443b": { byte: 0x05, uidLengths: [4] },
  "iso15693": { byte: 0x06, uidLengths: [8] },
  "em4100": { byte: 0x10, uidLengths: [5] },
  "hid-prox-26": { byte: 0x11, uidLengths: [4] },
} as const satisfies Record<string, { readonly byte: number; readonly uidLengths: readonly number[] }>;

export type Technology = keyof typeof TECHNOLOGIES;

const BY_BYTE: ReadonlyMap<number, Technology> = new Map(
  (Object.keys(TECHNOLOGIES) as Technology[]).map((t) => [TECHNOLOGIES[t].byte, t] as const),
);

export interface VendorTagReport {
  readonly technology: Technology;
  /** Bytes as the card sends them; for HID Prox, the 26 Wiegand bits right-aligned, big-endian. */
  readonly uid: Uint8Array;
}

/**
 * CRC-8/SMBUS: polynomial 0x07, init 0x00, no reflection, no final XOR; check
 * value 0xF4 for "123456789". Chosen over XOR because XOR is blind to byte order:
 * a UID sent reversed (a common reader-firmware mistake) keeps its XOR.
 */
export function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function checkUid(technology: Technology, uid: Uint8Array): void {
  const lengths: readonly number[] = TECHNOLOGIES[technology].uidLengths;
  if (!lengths.includes(uid.length)) {
    throw new HidCodecError("hid.vendor.uid_length", `${technology} UID of ${uid.length} byte(s), expected ${lengths.join(" or ")}`);
  }
  if (technology === "hid-prox-26" && (uid[0] ?? 0) > 0x03) {
    throw new HidCodecError("hid.vendor.uid", "a 26-bit HID Prox frame leaves the top 6 bits of its 4 bytes clear");
  }
}

/** Decodes one vendor report; every refusal is a typed HidCodecError. */
export function decodeVendorReport(report: Uint8Array): VendorTagReport {
  if (report.length < HEADER + 1 || report.length > 64) {
    throw new HidCodecError("hid.report.length", `vendor report: ${report.length} byte(s), expected ${HEADER + 1}..64`);
  }
  const id = report[0] ?? 0;
  if (id !== VENDOR_REPORT_ID) throw new HidCodecError("hid.vendor.report_id", `report id 0x${id.toString(16)}, expected 0x4c`);
  const length = report[1] ?? 0;
  const techByte = report[2] ?? 0;
  const uidLength = report[3] ?? 0;
  if (length !== 2 + uidLength) throw new HidCodecError("hid.vendor.length", `length ${length} does not match UID length ${uidLength} (+2)`);
  const end = HEADER + uidLength; // checksum offset
  if (report.length < end + 1) throw new HidCodecError("hid.report.length", `vendor report: ${report.length} byte(s), its length field needs ${end + 1}`);
  const sum = report[end] ?? 0;
  if (crc8(report.subarray(0, end)) !== sum) throw new HidCodecError("hid.vendor.checksum", "CRC-8 does not match");
  if (!report.subarray(end + 1).every((b) => b === 0)) throw new HidCodecError("hid.vendor.padding", "bytes after the checksum must be zero");
  const technology = BY_BYTE.get(techByte);
  if (technology === undefined) throw new HidCodecError("hid.vendor.technology", `unknown card technology 0x${techByte.toString(16)}`);
  const uid = report.slice(HEADER, end);
  checkUid(technology, uid);
  return { technology, uid };
}

/** Builds a vendor report padded to `size` bytes; for the simulated reader and tests. */
export function encodeVendorReport(r: VendorTagReport, size: number = VENDOR_REPORT_SIZE): Uint8Array {
  checkUid(r.technology, r.uid);
  const end = HEADER + r.uid.length;
  if (!Number.isInteger(size) || size < end + 1 || size > 64) throw new HidCodecError("hid.report.length", `report size ${size}, needs ${end + 1}..64`);
  const out = new Uint8Array(size);
  out[0] = VENDOR_REPORT_ID;
  out[1] = 2 + r.uid.length;
  out[2] = TECHNOLOGIES[r.technology].byte;
  out[3] = r.uid.length;
  out.set(r.uid, HEADER);
  out[end] = crc8(out.subarray(0, end));
  return out;
}

/** The TagNumber of a reported tag: the hex UID, or "FFF:NNNNN" (parity checked) for HID Prox. */
export function tagNumberOf(r: VendorTagReport): string {
  if (r.technology === "hid-prox-26") {
    const v = ((r.uid[0] ?? 0) * 0x1000000 + ((r.uid[1] ?? 0) << 16) + ((r.uid[2] ?? 0) << 8) + (r.uid[3] ?? 0)) >>> 0;
    return parseWiegand26(v).tagNumber;
  }
  return uidToTagNumber(r.uid);
}
