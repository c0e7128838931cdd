import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCsvBytes, firstInvalidUtf8 } from "../../../core/people-import/encoding.ts";
import { onlyProblem, refusal, utf8 } from "./support.ts";

const seed = Number(process.env.FC_SEED ?? 20261125);
const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("CSV encodings", () => {
  it("reads UTF-8 with and without a byte-order mark, dropping the mark", () => {
    expect(decodeCsvBytes(utf8("Prénom,Nom\nZoë,Özdemir\n"))).toEqual({ text: "Prénom,Nom\nZoë,Özdemir\n", encoding: "utf-8" });
    expect(decodeCsvBytes(utf8("\uFEFFPrénom,Nom\n"))).toEqual({ text: "Prénom,Nom\n", encoding: "utf-8-bom" });
    expect(decodeCsvBytes(new Uint8Array())).toEqual({ text: "", encoding: "utf-8" });
  });

  it("names UTF-16 with a mark, little- and big-endian, and UTF-32", async () => {
    const le = await refusal(() => decodeCsvBytes(new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Name\r\n", "utf16le")]))));
    expect(le.code).toBe("import.encoding");
    expect(onlyProblem(le)).toMatchObject({ line: 1, reason: expect.stringContaining("UTF-16 text (little-endian") });
    const be = await refusal(() => decodeCsvBytes(hex("fe ff 00 4e 00 61")));
    expect(onlyProblem(be).reason).toContain("UTF-16 text (big-endian");
    const u32 = await refusal(() => decodeCsvBytes(hex("ff fe 00 00 4e 00 00 00")));
    expect(onlyProblem(u32).reason).toContain("UTF-32");
  });

  it("names UTF-16 without a mark by its zero bytes, and refuses other binary files", async () => {
    const le = await refusal(() => decodeCsvBytes(new Uint8Array(Buffer.from("First name,Last name\r\nAnna,Maes\r\n", "utf16le"))));
    expect(onlyProblem(le).reason).toContain("UTF-16 text (little-endian, without a byte-order mark)");
    const be = Buffer.from("First name,Last name\r\n", "utf16le").swap16();
    expect(onlyProblem(await refusal(() => decodeCsvBytes(new Uint8Array(be)))).reason).toContain("big-endian, without");
    const binary = await refusal(() => decodeCsvBytes(utf8("Name\nAnna\nMaes\u0000\u0001\u0002\n")));
    expect(onlyProblem(binary)).toEqual({ line: 3, column: "", reason: "the file has NUL bytes: it is not a text (CSV) file" });
  });

  it("refuses Latin-1 / Windows-1252 text at the line of its first accented letter", async () => {
    const latin1 = new Uint8Array(Buffer.from("First name,Last name\nAnna,Maes\nJos\xe9,Garc\xeda\n", "latin1"));
    const e = await refusal(() => decodeCsvBytes(latin1));
    expect(e.code).toBe("import.encoding");
    expect(e.message).toMatch(/^Nothing was imported/);
    const p = onlyProblem(e);
    expect(p.line).toBe(3);
    expect(p.reason).toContain('byte 0xE9 is not UTF-8; read as Latin-1/Windows-1252 it is "é"');
    expect(p.reason).toContain("CSV UTF-8");
    // Windows-1252's curly quote (0x93) is named as such.
    expect(onlyProblem(await refusal(() => decodeCsvBytes(hex("41 0a 93 41 94"))))).toMatchObject({ line: 2, reason: expect.stringContaining('it is "\u201c"') });
  });

  it("finds the first byte outside well-formed UTF-8 (hex vectors)", () => {
    expect(firstInvalidUtf8(hex("41 c3 a9 42"))).toBe(4); // "AéB": all good
    expect(firstInvalidUtf8(hex("41 c0 80"))).toBe(1); // overlong NUL
    expect(firstInvalidUtf8(hex("e0 80 80"))).toBe(0); // overlong 3-byte
    expect(firstInvalidUtf8(hex("41 ed a0 80"))).toBe(1); // a UTF-16 surrogate
    expect(firstInvalidUtf8(hex("f4 90 80 80"))).toBe(0); // beyond U+10FFFF
    expect(firstInvalidUtf8(hex("f0 9f 98 80 f5"))).toBe(4); // an emoji, then a byte never used
    expect(firstInvalidUtf8(hex("41 e2 82"))).toBe(1); // cut short
    expect(firstInvalidUtf8(hex("c3 41"))).toBe(0); // a lead byte without its continuation
  });

  it("agrees with Node's UTF-8 check on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 10 }), (junk, text) => {
        const bytes = new Uint8Array([...Buffer.from(text, "utf8"), ...junk]);
        const at = firstInvalidUtf8(bytes);
        expect(at === bytes.length).toBe(isUtf8(bytes));
        expect(isUtf8(bytes.subarray(0, at))).toBe(true);
      }),
      { seed, numRuns: 2000 },
    );
  });
});
