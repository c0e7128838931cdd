import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import { HidCodecError } from "../../../../core/devices/hid/errors.ts";
import { encodeWiegand26 } from "../../../../core/devices/hid/tag-number.ts";
import {
  TECHNOLOGIES,
  crc8,
  decodeVendorReport,
  encodeVendorReport,
  tagNumberOf,
  type Technology,
} from "../../../../core/devices/hid/vendor-report.ts";
import { errorCodeOf } from "../../../support/codec-errors.ts";

const codeOf = errorCodeOf(HidCodecError);

const PAD = (n: number) => " 00".repeat(n);

/** Written by hand from READERS.md §2; padded to the 32-byte report. */
const VECTORS: readonly (readonly [string, string, Technology, string, string])[] = [
  ["DESFire (worked example)", `4c 09 02 07 04a2b9c15e2f80 e1${PAD(20)}`, "mifare-desfire", "04a2b9c15e2f80", "04A2B9C15E2F80"],
  ["MIFARE Classic", `4c 06 01 04 a2b9c15e 04${PAD(23)}`, "mifare-classic", "a2b9c15e", "A2B9C15E"],
  ["EM4100", `4c 07 10 05 0004a2b9c1 62${PAD(22)}`, "em4100", "0004a2b9c1", "0004A2B9C1"],
  ["HID Prox 26-bit", `4c 06 11 04 02f764dd 16${PAD(23)}`, "hid-prox-26", "02f764dd", "123:45678"],
];

describe("vendor report", () => {
  it("CRC-8/SMBUS has its catalogue check value", () => {
    expect(crc8(new TextEncoder().encode("123456789"))).toBe(0xf4);
  });

  it.each(VECTORS)("%s decodes from fixed hex and encodes back to it", (_name, hex, technology, uid, tag) => {
    const bytes = fromHex(hex);
    expect(bytes.length).toBe(32);
    const r = decodeVendorReport(bytes);
    expect(r.technology).toBe(technology);
    expect(toHex(r.uid)).toBe(uid);
    expect(tagNumberOf(r)).toBe(tag);
    expect(toHex(encodeVendorReport(r))).toBe(toHex(bytes));
  });

  it("round-trips every technology and UID length, padded or not", () => {
    let n = 0;
    for (const technology of Object.keys(TECHNOLOGIES) as Technology[]) {
      for (const len of TECHNOLOGIES[technology].uidLengths) {
        const uid = Uint8Array.from({ length: len }, (_, i) => (technology === "hid-prox-26" && i === 0 ? 0x01 : 0x11 * (i + 1)) & 0xff);
        for (const size of [32, 5 + len, 64]) {
          const bytes = encodeVendorReport({ technology, uid }, size);
          expect(bytes.length).toBe(size);
          expect(decodeVendorReport(bytes)).toEqual({ technology, uid });
          n++;
        }
      }
    }
    expect(n).toBe(33);
    const prox = encodeVendorReport({ technology: "hid-prox-26", uid: fromHex(parseInt(encodeWiegand26(1, 1), 2).toString(16).padStart(8, "0")) });
    expect(tagNumberOf(decodeVendorReport(prox))).toBe("001:00001");
  });

  it("refuses each malformation with its code", () => {
    const good = fromHex(VECTORS[0]?.[1] ?? "");
    const with_ = (at: number, v: number) => {
      const b = good.slice();
      b[at] = v;
      return b;
    };
    /** A report with a correct CRC, so the check after it is the one that fires. */
    const signed = (hex: string) => {
      const b = fromHex(hex);
      return Uint8Array.from([...b, crc8(b)]);
    };
    const cases: readonly (readonly [Uint8Array, string])[] = [
      [new Uint8Array(0), "hid.report.length"],
      [fromHex("4c 02 01 00"), "hid.report.length"],
      [new Uint8Array(65), "hid.report.length"],
      [fromHex("4c 09 02 07 04a2b9c1"), "hid.report.length"],
      [with_(0, 0x4d), "hid.vendor.report_id"],
      [with_(1, 0x08), "hid.vendor.length"],
      [with_(5, 0xa3), "hid.vendor.checksum"],
      [with_(11, 0xe0), "hid.vendor.checksum"],
      [with_(31, 0x01), "hid.vendor.padding"],
      [signed("4c 06 7f 04 a2b9c15e"), "hid.vendor.technology"],
      [signed("4c 07 02 05 0004a2b9c1"), "hid.vendor.uid_length"],
      [signed("4c 02 01 00"), "hid.vendor.uid_length"],
      [signed("4c 06 11 04 ff000000"), "hid.vendor.uid"],
    ];
    for (const [bytes, code] of cases) expect([toHex(bytes), codeOf(() => decodeVendorReport(bytes))]).toEqual([toHex(bytes), code]);
  });

  it("catches a UID sent in reverse byte order, which an XOR checksum would pass", () => {
    const good = fromHex(VECTORS[1]?.[1] ?? "");
    const reversed = good.slice();
    reversed.set([...good.subarray(4, 8)].reverse(), 4);
    const xor = (b: Uint8Array) => b.subarray(0, 8).reduce((a, x) => a ^ x, 0);
    expect(xor(reversed)).toBe(xor(good));
    expect(codeOf(() => decodeVendorReport(reversed))).toBe("hid.vendor.checksum");
  });

  it("refuses to encode what it would refuse to decode", () => {
    expect(codeOf(() => encodeVendorReport({ technology: "mifare-desfire", uid: new Uint8Array(4) }))).toBe("hid.vendor.uid_length");
    expect(codeOf(() => encodeVendorReport({ technology: "iso14443a", uid: new Uint8Array(10) }, 12))).toBe("hid.report.length");
    expect(codeOf(() => encodeVendorReport({ technology: "hid-prox-26", uid: fromHex("04000000") }))).toBe("hid.vendor.uid");
  });
});
