import { isUtf8 } from "node:buffer";
import { fileRefused } from "./problems.ts";

/** How a CSV's text was stored. Only UTF-8 is read; anything else is named and refused. */
export type TextEncoding = "utf-8" | "utf-8-bom";

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
}

const SAVE_AS = 'Save it as "CSV UTF-8" (Excel: File › Save As › CSV UTF-8) and import it again.';

/** How many leading bytes are sampled to tell UTF-16 without a BOM from binary. */
const SAMPLE = 64 * 1024;

const startsWith = (b: Uint8Array, ...prefix: number[]) => prefix.every((v, i) => b[i] === v);

/**
 * A CSV file's bytes as text. UTF-8 with or without a byte-order mark is read (the
 * mark dropped); UTF-16/32 (Excel's "Unicode Text"), Latin-1/Windows-1252 (Excel's
 * plain "CSV" on Windows) and binary files are refused with a reason that names what
 * the file is and the line of the first byte that is not UTF-8, so nothing is ever
 * imported with mangled accents.
 */
export function decodeCsvBytes(bytes: Uint8Array): DecodedText {
  if (startsWith(bytes, 0xff, 0xfe, 0x00, 0x00) || startsWith(bytes, 0x00, 0x00, 0xfe, 0xff)) {
    throw fileRefused("import.encoding", `the file is UTF-32 text, not UTF-8. ${SAVE_AS}`, 1);
  }
  if (startsWith(bytes, 0xff, 0xfe) || startsWith(bytes, 0xfe, 0xff)) {
    const order = bytes[0] === 0xff ? "little-endian" : "big-endian";
    throw fileRefused("import.encoding", `the file is UTF-16 text (${order}, Excel's "Unicode Text"), not UTF-8. ${SAVE_AS}`, 1);
  }
  const bom = startsWith(bytes, 0xef, 0xbb, 0xbf);
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + (bom ? 3 : 0), bytes.byteLength - (bom ? 3 : 0));
  refuseNulBytes(body);
  if (!isUtf8(body)) refuseInvalidUtf8(body);
  return { text: body.toString("utf8"), encoding: bom ? "utf-8-bom" : "utf-8" };
}

/** UTF-16 without a mark has a zero in every other byte of ASCII text; anything else with zeros is not text. */
function refuseNulBytes(body: Buffer): void {
  const n = Math.min(body.length, SAMPLE);
  if (body.subarray(0, n).indexOf(0) < 0 && body.indexOf(0, n) < 0) return;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    if (body[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const pairs = Math.max(1, Math.floor(n / 2));
  if (odd / pairs > 0.3 && even / pairs < 0.05) {
    throw fileRefused("import.encoding", `the file looks like UTF-16 text (little-endian, without a byte-order mark), not UTF-8. ${SAVE_AS}`, 1);
  }
  if (even / pairs > 0.3 && odd / pairs < 0.05) {
    throw fileRefused("import.encoding", `the file looks like UTF-16 text (big-endian, without a byte-order mark), not UTF-8. ${SAVE_AS}`, 1);
  }
  const at = body.indexOf(0);
  throw fileRefused("import.encoding", "the file has NUL bytes: it is not a text (CSV) file", lineAt(body, at));
}

function refuseInvalidUtf8(body: Buffer): never {
  const at = firstInvalidUtf8(body);
  const byte = body[at] ?? 0;
  const hex = `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  const latin = windows1252(byte);
  throw fileRefused(
    "import.encoding",
    `byte ${hex} is not UTF-8; read as Latin-1/Windows-1252 it is "${latin}", so the file looks like Latin-1/Windows-1252 text (Excel's plain "CSV"). ${SAVE_AS}`,
    lineAt(body, at),
  );
}

/** Windows-1252's letters at 0x80-0x9F (Latin-1 has control codes there); 0xA0-0xFF are Latin-1's. */
const CP1252_80_9F = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

/** The character a byte of Windows-1252 text stands for (Node's own decoder reads that label as Latin-1). */
function windows1252(byte: number): string {
  return byte >= 0x80 && byte < 0xa0 ? CP1252_80_9F[byte - 0x80]! : String.fromCharCode(byte);
}

/** 1-based line of a byte offset. */
function lineAt(body: Buffer, offset: number): number {
  let line = 1;
  for (let i = body.indexOf(10); i >= 0 && i < offset; i = body.indexOf(10, i + 1)) line++;
  return line;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // no overlong forms
      if (c === 0xed) hi = 0x9f; // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return i;
    }
    i += need + 1;
  }
  return b.length;
}
