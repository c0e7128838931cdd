import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import { TagNumber } from "../../../../core/domain/people.ts";
import { HidCodecError } from "../../../../core/devices/hid/errors.ts";
import {
  TAG_NUMBER_PATTERN,
  decimalToUid,
  encodeWiegand26,
  normaliseTagNumber,
  parseWiegand26,
  uidToDecimal,
  uidToTagNumber,
  type ReaderNumbering,
} from "../../../../core/devices/hid/tag-number.ts";
import { errorCodeOf } from "../../../support/codec-errors.ts";

const codeOf = errorCodeOf(HidCodecError);

const DEC5: ReaderNumbering = { kind: "decimal-uid", uidBytes: 5, byteOrder: "msb-first" };
const DEC4_LSB: ReaderNumbering = { kind: "decimal-uid", uidBytes: 4, byteOrder: "lsb-first" };

describe("normaliseTagNumber", () => {
  const good: readonly (readonly [string, ReaderNumbering, string])[] = [
    ["0004A2B9C1", { kind: "as-typed" }, "0004A2B9C1"],
    ["0004a2b9c1", { kind: "as-typed" }, "0004A2B9C1"],
    ["  04A2B9C15E2F80 ", { kind: "as-typed" }, "04A2B9C15E2F80"],
    ["04 a2 b9 c1", { kind: "as-typed" }, "04A2B9C1"],
    ["04-A2-B9-C1", { kind: "as-typed" }, "04A2B9C1"],
    ["0077773249", { kind: "as-typed" }, "0077773249"],
    ["1234", { kind: "as-typed" }, "1234"],
    ["12345678901234567890", { kind: "as-typed" }, "12345678901234567890"],
    ["123:45678", { kind: "as-typed" }, "123:45678"],
    ["12:345", { kind: "as-typed" }, "012:00345"],
    ["255:65535", { kind: "as-typed" }, "255:65535"],
    ["0077773249", DEC5, "0004A2B9C1"],
    ["77773249", DEC5, "0004A2B9C1"],
    ["1589754274", DEC4_LSB, "A2B9C15E"],
    ["10111101110110010011011101", { kind: "wiegand26-bits" }, "123:45678"],
  ];
  it.each(good)("%j (%j) → %s, which the domain accepts", (raw, numbering, want) => {
    const got = normaliseTagNumber(raw, numbering);
    expect(got).toBe(want);
    expect(TAG_NUMBER_PATTERN.test(got)).toBe(true);
    expect(TagNumber.parse(got)).toBe(got);
  });

  const bad: readonly (readonly [string, ReaderNumbering, string])[] = [
    ["", { kind: "as-typed" }, "hid.tag.format"],
    ["123", { kind: "as-typed" }, "hid.tag.length"],
    ["123456789012345678901", { kind: "as-typed" }, "hid.tag.length"],
    ["04A2-B9C1", { kind: "as-typed" }, "hid.tag.format"],
    ["04A2B9G1", { kind: "as-typed" }, "hid.tag.format"],
    ["!@#$", { kind: "as-typed" }, "hid.tag.format"],
    ["1234:5", { kind: "as-typed" }, "hid.tag.format"],
    ["256:1", { kind: "as-typed" }, "hid.tag.range"],
    ["1:65536", { kind: "as-typed" }, "hid.tag.range"],
    ["9".repeat(65), { kind: "as-typed" }, "hid.tag.length"],
    ["4294967296", DEC4_LSB, "hid.tag.range"],
    ["12a4", DEC5, "hid.tag.format"],
    ["", DEC5, "hid.tag.format"],
    ["1234", { kind: "decimal-uid", uidBytes: 11, byteOrder: "msb-first" }, "hid.tag.length"],
    ["1234", { kind: "decimal-uid", uidBytes: 1, byteOrder: "msb-first" }, "hid.tag.length"],
    ["10111101110110010011011100", { kind: "wiegand26-bits" }, "hid.wiegand.parity"],
  ];
  it.each(bad)("%j (%j) → %s", (raw, numbering, code) => {
    expect(codeOf(() => normaliseTagNumber(raw, numbering))).toBe(code);
  });
});

describe("UIDs, decimal and hex", () => {
  it("round-trips a UID through the decimal a reader prints, in both byte orders", () => {
    const uid = fromHex("04a2b9c15e2f80");
    for (const order of ["msb-first", "lsb-first"] as const) {
      const dec = uidToDecimal(uid, order);
      expect(toHex(decimalToUid(dec, 7, order))).toBe("04a2b9c15e2f80");
    }
    expect(uidToDecimal(fromHex("0004a2b9c1"), "msb-first")).toBe("77773249");
    expect(uidToDecimal(fromHex("a2b9c15e"), "msb-first")).toBe("2730082654");
    expect(uidToDecimal(fromHex("a2b9c15e"), "lsb-first")).toBe("1589754274");
    expect(uidToTagNumber(fromHex("04a2b9c15e2f80a1b2c3"))).toBe("04A2B9C15E2F80A1B2C3");
    expect(codeOf(() => uidToTagNumber(fromHex("04")))).toBe("hid.tag.length");
    expect(codeOf(() => uidToTagNumber(new Uint8Array(11)))).toBe("hid.tag.length");
  });
});

describe("Wiegand 26", () => {
  it("facility 123, card 45678: bits, number and parity", () => {
    const bits = encodeWiegand26(123, 45678);
    expect(bits).toBe("10111101110110010011011101");
    expect(parseWiegand26(bits)).toEqual({ facility: 123, card: 45678, tagNumber: "123:45678" });
    expect(parseWiegand26(0x2f764dd)).toEqual({ facility: 123, card: 45678, tagNumber: "123:45678" });
    expect(parseWiegand26(encodeWiegand26(0, 0)).tagNumber).toBe("000:00000");
    expect(parseWiegand26(encodeWiegand26(255, 65535)).tagNumber).toBe("255:65535");
    expect(encodeWiegand26(0, 0)).toBe("00000000000000000000000001");
  });

  it("every single-bit error is caught by a parity bit", () => {
    const bits = encodeWiegand26(123, 45678);
    for (let i = 0; i < 26; i++) {
      const flipped = bits.slice(0, i) + (bits[i] === "1" ? "0" : "1") + bits.slice(i + 1);
      expect(codeOf(() => parseWiegand26(flipped))).toBe("hid.wiegand.parity");
    }
  });

  it("refuses anything but 26 binary digits", () => {
    expect(codeOf(() => parseWiegand26("1011110111011001001101110"))).toBe("hid.wiegand.bits");
    expect(codeOf(() => parseWiegand26("101111011101100100110111012"))).toBe("hid.wiegand.bits");
    expect(codeOf(() => parseWiegand26("1011110111011001001101110x"))).toBe("hid.wiegand.bits");
    expect(codeOf(() => parseWiegand26(2 ** 26))).toBe("hid.wiegand.bits");
    expect(codeOf(() => parseWiegand26(-1))).toBe("hid.wiegand.bits");
    expect(codeOf(() => parseWiegand26(1.5))).toBe("hid.wiegand.bits");
    expect(codeOf(() => encodeWiegand26(256, 0))).toBe("hid.tag.range");
  });
});
