import { inflateRawSync } from "node:zlib";
import { AppError } from "../errors/index.ts";
import { dateProblem, NO_RESULT, numberText } from "./cell-text.ts";
import { MAX_ROWS, MAX_XLSX_UNPACKED_BYTES } from "./limits.ts";
import { fileRefused } from "./problems.ts";
import { HeaderSearch, isBlankRow } from "./table.ts";
import type { XlsxTable } from "./xlsx.ts";
import { readZipDirectory, type ZipEntry } from "./zip-directory.ts";

/**
 * A fast reader for the worksheets people export (issue 5's budget): exceljs needs
 * 2.5-4.9 s to load a workbook of 100,000 people (this reader 0.27 s to open and walk
 * it), more than the whole import's budget, because it builds a model of every cell
 * and style. This reader unpacks the
 * parts it needs (node:zlib), reads the number formats once and the shared strings as
 * far as they are asked for, finds the header at the sheet's beginning, and walks the
 * sheet's XML row by row as the checks reach it, like the CSV splitter: over its bytes,
 * making no string for a cell that holds a shared string's index (the usual cell; a
 * cell of any other form is decoded on its own). Once it has said it can read a
 * workbook, the walk never gives up on it: what it meets is read as exceljs reads it,
 * or refused as damaged (import.format).
 *
 * It reads what exceljs reads (a property test holds the two together on generated
 * workbooks) but for one exceljs slip: a formula's saved result of 0, FALSE or "" is
 * read, where exceljs loses it. It knows workbooks whose cells hold shared, inline or
 * formula strings, numbers, booleans and errors, formulas with or without a saved
 * result, rich text, hyperlinks (an e-mail column is often linked) and merged cells (a
 * title across the columns is common in exports: see Merges). Anything else — parts it
 * cannot find or does not expect, overlapping merges — makes it answer null, and the
 * import reads the workbook with exceljs instead (xlsx.ts).
 */

/** A worksheet read this way. */
export interface FastSheet {
  readonly sheets: readonly string[];
  readonly sheet: string;
  /**
   * Rows, header included: as many as the sheet's <dimension> spans (or its row tags),
   * and exceljs's `actualRowCount` (rows with a value) where that is too many to import.
   */
  readonly rowCount: number;
  /**
   * Visits the rows with a value in order: each cell's text as `cellText` (xlsx.ts)
   * gives it for exceljs's value (gaps and cells without a value ""), the cells that
   * hold no usable text by column with the reason, and the row number.
   */
  forEachRow(visit: (cells: string[], problems: Map<number, string> | undefined, row: number) => void): void;
  /** As forEachRow, for the rows of the sheet's beginning only; says whether they are all its rows. */
  forFirstRows(visit: (cells: string[], problems: Map<number, string> | undefined, row: number) => void): boolean;
}

/** A cell: its text, why it has none, or null for a cell with a style but no value. */
type Got = string | { readonly problem: string } | null;
/** A cell with neither value nor style: exceljs makes it a merge cell, which gives its row a value. */
const NO_VALUE: Got = Object.freeze({ problem: "" });

/** Why this reader leaves a workbook to exceljs. */
class Unsupported extends Error {}

/** XML broken where this reader reads it: the workbook is damaged (exceljs could not load it either). */
const malformed = (name: string) => fileRefused("import.format", `the workbook could not be read (an unclosed <${name}>); open it in a spreadsheet and save it again`);

/**
 * The shared strings (xl/sharedStrings.xml), decoded and read as far as they are asked
 * for: a header needs the first few, the writing thread the first few thousand people's
 * (of 6 MB for 100,000 people), a walk of all the rows all of them.
 */
class SharedStrings {
  private readonly list: string[] = [];
  /** The decoded piece being read, from `at`; the bytes from `decodedTo` are not decoded yet. */
  private text = "";
  private at = 0;
  private decodedTo = 0;
  constructor(private readonly raw: Uint8Array | undefined) {}

  get(i: number): string | undefined {
    while (this.list.length <= i) if (!this.next()) return undefined;
    return this.list[i];
  }

  /** Reads the next item into the list; false when there is none. */
  private next(): boolean {
    for (;;) {
      const xml = this.text;
      const open = xml.indexOf("<si", this.at);
      if (open >= 0) {
        // The usual item, <si><t>text</t></si> with no markup, entity or escape in the text: cut out as it is.
        if (xml.startsWith("<si><t>", open)) {
          const close = xml.indexOf("<", open + 7);
          if (close >= 0 && xml.startsWith("</t></si>", close) && isPlainText(xml, open + 7, close)) {
            this.list.push(xml.slice(open + 7, close));
            this.at = close + 9;
            return true;
          }
        }
        const end = xml.indexOf(">", open);
        if (end >= 0 && xml.charCodeAt(end - 1) === 0x2f) {
          this.list.push("");
          this.at = end + 1;
          return true;
        }
        const close = end < 0 ? -1 : xml.indexOf("</si>", end);
        if (close >= 0) {
          this.list.push(stringItem(xml.slice(end + 1, close)));
          this.at = close + 5;
          return true;
        }
      }
      // The piece ends before the next item does: decode more, or the part is read.
      if (!this.more()) {
        if (open >= 0) throw malformed("si");
        return false;
      }
    }
  }

  /** Decodes the next piece of the part, ending just after an item; false at the part's end. */
  private more(): boolean {
    const raw = this.raw;
    if (raw === undefined || this.decodedTo >= raw.length) return false;
    let to = Math.min(raw.length, this.decodedTo + STRINGS_PIECE);
    if (to < raw.length) {
      const end = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).indexOf("</si>", to);
      to = end < 0 ? raw.length : end + 5;
    }
    this.text = this.text.slice(this.at) + textOf(raw, this.decodedTo, to);
    this.at = 0;
    this.decodedTo = to;
    return true;
  }
}

/** Bytes of shared strings decoded at a time. */
const STRINGS_PIECE = 256 * 1024;

/** Whether `xml` from `from` to `to` holds no entity and no OOXML escape (`_xHHHH_`): text as it is. */
function isPlainText(xml: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = xml.charCodeAt(i);
    if (c === 0x26 || c === 0x5f) return false;
  }
  return true;
}

/** Excel's built-in number formats that exceljs knows a code for (defaultnumformats.js). */
const BUILT_IN_FORMATS: Readonly<Record<number, string>> = {
  0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
  14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: 'm/d/yy "h":mm',
  37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00 ;(#,##0.00)", 40: "#,##0.00 ;[Red](#,##0.00)",
  45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
};

/** exceljs's test for a date format: date letters outside quotes and brackets. */
export function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  return /[ymdhMsb]+/.test(fmt.replace(/\[[^\]]*]/g, "").replace(/"[^"]*"/g, ""));
}

/** A serial day number as exceljs turns it into a date. */
const excelDate = (v: number, date1904: boolean) => new Date(Math.round((v - (date1904 ? 24107 : 25569)) * 24 * 3600 * 1000));

const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML text or attribute value, entities decoded (as the SAX parser exceljs uses does). */
export function xmlText(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(ENTITY, (m, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return NAMED[name]!;
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    if (code > 0x10ffff) return m;
    return String.fromCodePoint(code);
  });
}

/** exceljs decodes named entities a second time in formula and `str` strings (utils.xmlDecode). */
const decodeAgain = (s: string) => (s.includes("&") ? s.replace(/&([a-z]*);/g, (c, name: string) => NAMED[name] ?? c) : s);
/** OOXML's escapes for characters XML cannot hold, as exceljs undoes them in shared strings. */
const unescapeOoxml = (s: string) => (s.includes("_x") ? s.replace(/_x([0-9A-F]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s);

/** The attributes of the tag whose text (between `<name` and `>`) is given. */
function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out.set(m[1]!, xmlText(m[2] ?? m[3] ?? ""));
  return out;
}

/**
 * A row or cell tag's r, t and s as `tagAttributes` last read them: one object, and no
 * string made per cell but a rare t. r is kept as where its text is in `bytes` (made
 * into a string only for a hyperlink's address), s as a number.
 */
const CELL = {
  /** The bytes r is in, and where: [rFrom, rTo), rFrom < 0 where the tag has no r. */
  bytes: new Uint8Array(0) as Uint8Array,
  rFrom: -1,
  rTo: -1,
  /** The type ("" where absent). */
  t: "",
  /** The style index: 0 where absent, NaN where it is not a number (both mean no format, as in exceljs). */
  s: 0,
};

const decoder = new TextDecoder();
/** UTF-8 text of b from `from` to `to` (malformed bytes become U+FFFD, as the SAX parser exceljs uses reads them). */
const textOf = (b: Uint8Array, from: number, to: number) => decoder.decode(b.subarray(from, to));

/** The r the last tag read had, as text ("" where absent). */
const cellRef = () => (CELL.rFrom < 0 ? "" : textOf(CELL.bytes, CELL.rFrom, CELL.rTo));

/** The whole number b holds in plain digits from `from` to `to` (at most 15), else -1. */
function digitsIn(b: Uint8Array, from: number, to: number): number {
  if (from >= to || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A number attribute's value as exceljs reads it (`Number`), plain digits without making a string. */
function numberIn(b: Uint8Array, from: number, to: number): number {
  const n = digitsIn(b, from, to);
  return n >= 0 ? n : from === to ? 0 : Number(textOf(b, from, to));
}

/**
 * Reads the r, t and s of the tag whose attributes are `b` from `from` to `to` (after
 * `<c` or `<row`, before `>` or `/>`) into CELL in one pass over its `name="value"`
 * pairs, making no string: this runs for every cell of 100,000 rows. Single quotes or
 * entities go to the general parser.
 */
function tagAttributes(b: Uint8Array, from: number, to: number): void {
  CELL.bytes = b;
  CELL.rFrom = CELL.rTo = -1;
  CELL.t = "";
  CELL.s = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 0x27 || c === 0x26) return generalAttributes(textOf(b, from, to));
    if (c !== 0x3d || b[i + 1] !== 0x22) continue;
    let end = i + 2;
    for (; end < to && b[end] !== 0x22; end++) if (b[end] === 0x26) return generalAttributes(textOf(b, from, to));
    if (end >= to) return;
    // A one-letter name: r, t or s.
    const name = b[i - 2]! <= 0x20 ? b[i - 1] : 0;
    if (name === 0x72 && end > i + 2) {
      CELL.rFrom = i + 2;
      CELL.rTo = end;
    } else if (name === 0x74) CELL.t = end - i === 3 ? String.fromCharCode(b[i + 2]!) : textOf(b, i + 2, end);
    else if (name === 0x73) CELL.s = numberIn(b, i + 2, end);
    i = end;
  }
}

/** Reads a tag's r, t and s into CELL through the general attribute parser (entities, single quotes). */
function generalAttributes(tag: string): void {
  const a = attributes(tag);
  const r = new TextEncoder().encode(a.get("r") ?? "");
  [CELL.bytes, CELL.rFrom, CELL.rTo] = r.length === 0 ? [r, -1, -1] : [r, 0, r.length];
  CELL.t = a.get("t") ?? "";
  const s = a.get("s") ?? "";
  CELL.s = s === "" ? 0 : Number(s);
}

/** The text of `<name>...</name>` (or `<name attrs>...`) inside `body`, or undefined; fast, for `<v>` and `<t>`. */
function innerText(body: string, name: string, from = 0): string | undefined {
  const open = body.indexOf(`<${name}`, from);
  if (open < 0) return undefined;
  const next = body.charCodeAt(open + name.length + 1);
  if (next !== 0x3e && next !== 0x20 && next !== 0x2f) return innerText(body, name, open + 1);
  const end = body.indexOf(">", open);
  if (body.charCodeAt(end - 1) === 0x2f) return "";
  const close = body.indexOf(`</${name}>`, end);
  if (close < 0) throw malformed(name);
  return xmlText(body.slice(end + 1, close));
}

/**
 * Each element `<name ...>...</name>` or `<name .../>` between `from` and `to` of `xml`
 * (the workbook's small parts; a sheet's rows are read from bytes): its attributes'
 * text and its content.
 */
function elements(xml: string, name: string, from = 0, to = xml.length): { readonly tag: string; readonly body: string }[] {
  const out: { tag: string; body: string }[] = [];
  const open = `<${name}`;
  const close = `</${name}>`;
  for (let at = xml.indexOf(open, from); at >= 0 && at < to; at = xml.indexOf(open, at)) {
    // "<r" must not match "<rPr": the name ends at a space, "/" or ">".
    if (!isNameEnd(xml.charCodeAt(at + open.length))) {
      at += open.length;
      continue;
    }
    const end = xml.indexOf(">", at);
    if (end < 0 || end >= to) throw malformed(name);
    if (xml.charCodeAt(end - 1) === SLASH) {
      out.push({ tag: xml.slice(at + open.length, end - 1), body: "" });
      at = end + 1;
      continue;
    }
    const stop = xml.indexOf(close, end);
    if (stop < 0 || stop > to) throw malformed(name);
    out.push({ tag: xml.slice(at + open.length, end), body: xml.slice(end + 1, stop) });
    at = stop + close.length;
  }
  return out;
}

/** The text a shared string or an inline string shows: its runs' texts joined, phonetic runs left out. */
function stringItem(body: string): string {
  // Phonetic runs (furigana) are not part of the text; exceljs leaves them out too.
  if (body.includes("<rPh")) body = body.replace(/<rPh\b[\s\S]*?<\/rPh>/g, "");
  if (!body.includes("<r>") && !body.includes("<r ")) return unescapeOoxml(innerText(body, "t") ?? "");
  let text = "";
  for (const run of elements(body, "r")) text += unescapeOoxml(innerText(run.body, "t") ?? "");
  return text;
}

/** The column (0-based) of the last tag's r, such as "AB12"; `next` for none, or one without letters. */
function cellColumn(next: number): number {
  const { bytes, rFrom, rTo } = CELL;
  let col = 0;
  let i = rFrom;
  for (; i >= 0 && i < rTo; i++) {
    const c = bytes[i]!;
    if (c < 0x41 || c > 0x5a) break;
    col = col * 26 + (c - 0x40);
  }
  return i <= rFrom ? next : col - 1;
}

/** A workbook's parts, unpacked on demand. */
class Parts {
  private readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  constructor(private readonly bytes: Uint8Array) {
    const dir = readZipDirectory(bytes);
    if (dir.unpackedBytes > MAX_XLSX_UNPACKED_BYTES) throw new Unsupported("too big: xlsx.ts refuses it");
    this.entries = new Map(dir.entries.map((e) => [e.name, e]));
  }
  text(name: string): string | undefined {
    const raw = this.raw(name);
    return raw === undefined ? undefined : this.decoder.decode(raw);
  }

  /** A part's bytes, unpacked. */
  raw(name: string): Uint8Array | undefined {
    const e = this.entries.get(name);
    if (e === undefined) return undefined;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const at = e.localOffset;
    if (at + 30 > this.bytes.length || view.getUint32(at, true) !== 0x04034b50) throw new Unsupported(`the part ${name} has no local header`);
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const data = this.bytes.subarray(start, start + e.compressedSize);
    let raw: Uint8Array;
    if (e.method === 0) raw = data;
    // One output chunk of the declared size: no copying chunks together afterwards.
    else if (e.method === 8) raw = inflateRawSync(data, { maxOutputLength: Math.max(1, e.size), chunkSize: Math.max(64, Math.min(e.size + 64, 1 << 30)) });
    else throw new Unsupported(`compression method ${e.method}`);
    if (raw.length !== e.size) throw new Unsupported(`the part ${name} unpacks to ${raw.length} bytes, not ${e.size}`);
    return raw;
  }
}

/**
 * The sheet named (or the first) of the workbook, read as exceljs would read it, or
 * null where this reader leaves the workbook to exceljs. Refusals a person must see
 * (no such sheet, too many rows) are thrown as exceljs's path throws them.
 */
export function readFastSheet(bytes: Uint8Array, sheetName?: string): FastSheet | null {
  try {
    return read(bytes, sheetName);
  } catch (e) {
    // A refusal for the person stands; anything else (a construct it does not know, a
    // damaged part) is for exceljs to read or to explain.
    if (e instanceof AppError) throw e;
    return null;
  }
}

function read(bytes: Uint8Array, sheetName: string | undefined): FastSheet {
  const parts = new Parts(bytes);
  const workbook = parts.text("xl/workbook.xml");
  const rels = parts.text("xl/_rels/workbook.xml.rels");
  if (workbook === undefined || rels === undefined) throw new Unsupported("no workbook or relationships part");
  const targets = new Map<string, string>();
  for (const r of elements(rels, "Relationship")) {
    const a = attributes(r.tag);
    if (!(a.get("Type") ?? "").endsWith("/worksheet")) continue;
    const target = a.get("Target") ?? "";
    targets.set(a.get("Id") ?? "", target.startsWith("/") ? target.slice(1) : `xl/${target}`);
  }
  const sheets: { name: string; part: string }[] = [];
  for (const s of elements(workbook, "sheet")) {
    const a = attributes(s.tag);
    const part = targets.get(a.get("r:id") ?? "");
    if (part === undefined) throw new Unsupported("a sheet that is not a worksheet");
    sheets.push({ name: a.get("name") ?? "", part });
  }
  const pr = elements(workbook, "workbookPr")[0];
  const date1904 = pr !== undefined && ["1", "true"].includes(attributes(pr.tag).get("date1904") ?? "");

  const names = sheets.map((s) => s.name);
  const wanted = sheetName?.trim();
  const ws = wanted === undefined || wanted === "" ? sheets[0] : (sheets.find((s) => s.name === wanted) ?? sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase()));
  if (!ws) {
    throw wanted
      ? fileRefused("import.sheet", `the workbook has no sheet "${wanted}" (it has ${names.map((s) => `"${s}"`).join(", ") || "none"})`)
      : fileRefused("import.sheet", "the workbook has no sheets");
  }

  const strings = new SharedStrings(parts.raw("xl/sharedStrings.xml"));

  // Number formats by style index (cellXfs), as exceljs resolves them; style 0 and format 0 count as none.
  const formats: (string | undefined)[] = [];
  const styles = parts.text("xl/styles.xml");
  if (styles !== undefined) {
    const custom = new Map<number, string>();
    for (const f of elements(styles, "numFmt")) {
      const a = attributes(f.tag);
      custom.set(Number(a.get("numFmtId")), a.get("formatCode") ?? "");
    }
    const xfs = styles.indexOf("<cellXfs");
    if (xfs >= 0) {
      const end = styles.indexOf("</cellXfs>", xfs);
      for (const xf of elements(styles, "xf", xfs, end < 0 ? styles.length : end)) {
        const id = Number(attributes(xf.tag).get("numFmtId") ?? 0);
        formats.push(id ? (custom.get(id) ?? BUILT_IN_FORMATS[id]) : undefined);
      }
    }
  }

  // The sheet is unpacked whole (it must be searched for what this reader leaves to
  // exceljs) and its rows are read from the bytes: only the few cells that are not a
  // shared string or a number are decoded, each on its own.
  const raw = parts.raw(ws.part);
  if (raw === undefined) throw new Unsupported(`the sheet's part ${ws.part} is missing`);
  const bytesOf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const dataAt = bytesOf.indexOf("<sheetData");
  if (dataAt < 0) throw new Unsupported("no sheetData");
  // The rows' end, searched for from the part's end (what follows the rows is short).
  const closeAt = bytesOf.lastIndexOf("</sheetData>");
  const dataEnd = closeAt > dataAt ? closeAt : -1;
  // What follows the rows and changes what cells show: hyperlinks and merged cells.
  const tailHas = (tag: string) => dataEnd >= 0 && bytesOf.indexOf(tag, dataEnd) >= 0;
  const tail = tailHas("<hyperlinks") || tailHas("<mergeCells") ? textOf(raw, dataEnd, raw.length) : "";
  const links = tail.includes("<hyperlinks") ? hyperlinks(parts, ws.part, tail) : NO_LINKS;
  const merges = tail.includes("<mergeCells") ? Merges.of(tail) : null;

  /**
   * A cell as exceljs reads it (cell-xform.js) and `cellText` then shows it: its tag's
   * attributes (in CELL) and its content, the sheet's bytes from `from` to `to`.
   */
  const cellAt = (from: number, to: number): Got => {
    lastNumber = NaN;
    const t = CELL.t || "n";
    const style = CELL.s;
    const numFmt = style ? formats[style] : undefined;
    // The usual cell, a shared string's index or a number alone in <v>, read where it is.
    if (isPlainValue(raw, from, to)) {
      if (t === "s") {
        const index = digitsIn(raw, from + 3, to - 4);
        if (index >= 0) return strings.get(index) ?? "";
      } else if (t === "n") return numberCell(textOf(raw, from + 3, to - 4), numFmt, date1904);
    }
    const body = textOf(raw, from, to);
    let v: string | undefined;
    if (body !== "") {
      // <v> as Excel and exceljs write it, found directly; any other form through the general reader.
      const open = body.indexOf("<v>");
      if (open >= 0) {
        const value = body.slice(open + 3, body.indexOf("</v>", open));
        v = value.includes("&") ? xmlText(value) : value;
      } else if (body.includes("<v")) v = innerText(body, "v");
    }
    if (body.includes("<f")) {
      // A saved result of 0, FALSE or "" is a result here; exceljs drops it (cell.js, _copyModel) and says there is none.
      if (v === undefined || (v === "" && t !== "str")) return { problem: NO_RESULT };
      if (t === "str") return decodeAgain(v);
      if (t === "b") return parseInt(v, 10) !== 0 ? "TRUE" : "FALSE";
      if (t === "e") return { problem: `the cell's formula gives the error ${v}` };
      return numberCell(v, numFmt, date1904);
    }
    if (t === "inlineStr") {
      const at = body.indexOf("<is>");
      if (at >= 0) return stringItem(body.slice(at + 4, body.indexOf("</is>", at)));
    }
    // No value: a styled empty cell (exceljs: Null), or one without a style (exceljs: a merge cell, which counts as a value).
    if (v === undefined) return style ? null : NO_VALUE;
    switch (t) {
      case "s":
        return strings.get(parseInt(v, 10)) ?? "";
      case "str":
        return decodeAgain(v);
      case "b":
        return parseInt(v, 10) !== 0 ? "TRUE" : "FALSE";
      case "e":
        return { problem: `the cell holds the error ${v}` };
      default:
        return numberCell(v, numFmt, date1904);
    }
  };

  /**
   * The rows with a value in the sheet's bytes from `from` to `to`, in order: one pass
   * over the bytes, each looked at about once (this is the hot path: 23 MB of XML for
   * 100,000 people). Markup it cannot close is refused as damaged.
   */
  const eachRow = (from: number, to: number, visit: RowVisit, toTheEnd: boolean) => {
    const b = raw;
    let rowNumber = 0;
    // Merged cells (see Merges): the top-left cells' values as the walk meets them, and
    // rows the walk must add (a merge reaching rows the sheet does not write).
    const masters = new Map<number, MasterValue>();
    let nextMergedRow = 0;
    const mergedRowsBefore = (row: number) => {
      for (const rows = merges?.rows ?? []; nextMergedRow < rows.length && rows[nextMergedRow]! <= row; nextMergedRow++) {
        const r = rows[nextMergedRow]!;
        if (r < row) mergedRow(r, [], undefined, false, undefined, masters, visit);
      }
    };
    for (let i = from; i < to; ) {
      if (b[i] !== LT || !bytesAt(b, i, ROW_OPEN) || !isNameEnd(b[i + 4])) {
        i++;
        continue;
      }
      const rowEnd = tagEnd(b, i + 4, to, "row");
      const emptyRow = b[rowEnd - 1] === SLASH;
      tagAttributes(b, i + 4, emptyRow ? rowEnd - 1 : rowEnd);
      rowNumber = CELL.rFrom < 0 ? rowNumber + 1 : numberIn(CELL.bytes, CELL.rFrom, CELL.rTo);
      if (merges !== null) mergedRowsBefore(rowNumber);
      const merged = merges?.byRow.get(rowNumber);
      i = rowEnd + 1;
      const cells: string[] = [];
      let problems: Map<number, string> | undefined;
      let hasValue = false;
      let col = -1;
      /** The number formats of the row's merged cells that are not a top-left (their text may depend on it). */
      let mergedFormats: Map<number, string | undefined> | undefined;
      while (!emptyRow) {
        while (i < to && b[i] !== LT) i++;
        if (i >= to) throw malformed("row");
        if (b[i + 1] === SLASH && bytesAt(b, i, ROW_CLOSE)) {
          i += ROW_CLOSE.length;
          break;
        }
        if (b[i + 1] !== 0x63 || !isNameEnd(b[i + 2])) {
          // Not a cell (another element of the row): go on past its "<".
          i++;
          continue;
        }
        const end = tagEnd(b, i + 2, to, "c");
        const emptyCell = b[end - 1] === SLASH;
        tagAttributes(b, i + 2, emptyCell ? end - 1 : end);
        const close = emptyCell ? end + 1 : cellClose(b, end + 1, to);
        i = emptyCell ? close : close + C_CLOSE.length;
        col = cellColumn(col + 1);
        const key = merged === undefined ? -1 : cellKey(rowNumber, col);
        if (key >= 0 && merges!.masterOf.has(key)) {
          // Merged into another cell, whose value it shows whatever it holds itself.
          (mergedFormats ??= new Map()).set(col, CELL.s ? formats[CELL.s] : undefined);
          continue;
        }
        while (cells.length < col) cells.push("");
        let got = cellAt(end + 1, close);
        if (links.size > 0) {
          // A linked cell (exceljs: a hyperlink value) shows its text if it is a string, else the link's target.
          const target = links.get(CELL.rFrom < 0 ? `${columnName(col)}${rowNumber}` : cellRef());
          if (target !== undefined && !(typeof got === "string" && isStringCell())) {
            got = target.replace(/^mailto:/i, "");
            lastNumber = NaN;
          }
        }
        if (key >= 0 && merges!.topLefts.has(key)) masters.set(key, { got, number: lastNumber });
        hasValue ||= got !== null;
        if (typeof got === "string") cells[col] = got;
        else {
          cells[col] = "";
          if (got !== null && got !== NO_VALUE) (problems ??= new Map()).set(col, got.problem);
        }
      }
      if (merged !== undefined) mergedRow(rowNumber, cells, problems, hasValue, mergedFormats, masters, visit);
      else if (hasValue) visit(cells, problems, rowNumber);
    }
    if (merges !== null && toTheEnd) mergedRowsBefore(Infinity);
  };

  /**
   * A row with merged cells, as exceljs makes it: each merged cell but a top-left shows
   * the top-left's value (a number in its own number format) and gives the row a value;
   * a top-left the sheet does not write is an empty cell. `cells` holds what the walk
   * read of the row (nothing for a row the sheet does not write).
   */
  const mergedRow = (row: number, cells: string[], problems: Map<number, string> | undefined, hasValue: boolean, formatsOf: ReadonlyMap<number, string | undefined> | undefined, masters: ReadonlyMap<number, MasterValue>, visit: RowVisit) => {
    for (const col of merges!.byRow.get(row)!) {
      while (cells.length <= col) cells.push("");
      const master = merges!.masterOf.get(cellKey(row, col));
      if (master === undefined) continue;
      hasValue = true;
      const m = masters.get(master);
      let got: Got = m === undefined ? null : m.got;
      if (m !== undefined && !Number.isNaN(m.number)) {
        const text = numberText(m.number, formatsOf?.get(col));
        got = "text" in text ? text.text : text;
      }
      cells[col] = typeof got === "string" ? got : "";
      if (got !== null && typeof got !== "string" && got !== NO_VALUE) (problems ??= new Map()).set(col, got.problem);
    }
    if (hasValue) visit(cells, problems, row);
  };

  // Rows: about as many as the sheet spans (exceljs counts the rows with a value, which
  // only matters when that is too many: then they are counted that way).
  // The sheet's <dimension> (Excel and exceljs write it before the rows) says how many
  // rows it spans without counting them.
  const dimension = /<dimension\s+ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"/.exec(new TextDecoder().decode(raw.subarray(0, Math.min(dataAt, 4096))));
  let rowCount = dimension ? Number(dimension[2] ?? dimension[1]) - Number(dimension[1]) + 1 : 0;
  if (!dimension) for (let at = bytesOf.indexOf("<row", dataAt); at >= 0 && (dataEnd < 0 || at < dataEnd); at = bytesOf.indexOf("<row", at + 4)) rowCount++;
  const rowsEnd = dataEnd < 0 ? dataAt : dataEnd;
  if (rowCount > MAX_ROWS + 1) {
    rowCount = 0;
    eachRow(dataAt, rowsEnd, () => void rowCount++, true);
  }
  if (rowCount > MAX_ROWS + 1) {
    throw fileRefused("import.too_large", `the sheet has ${rowCount.toLocaleString("en")} rows, more than ${MAX_ROWS.toLocaleString("en")} people and a header; split it`);
  }
  return {
    sheets: names,
    sheet: ws.name,
    rowCount,
    forEachRow(visit) {
      eachRow(dataAt, rowsEnd, visit, true);
    },
    forFirstRows(visit) {
      // The rows that end in the sheet's first bytes; all of them if the beginning is all there is.
      const cut = Math.min(rowsEnd, dataAt + FIRST_ROWS_BYTES);
      eachRow(dataAt, cut === rowsEnd ? rowsEnd : bytesOf.lastIndexOf("</row>", cut) + ROW_CLOSE.length, visit, cut === rowsEnd);
      return cut === rowsEnd;
    },
  };
}

const LT = 0x3c;
const SLASH = 0x2f;
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ROW_OPEN = ascii("<row");
const ROW_CLOSE = ascii("</row>");
const C_CLOSE = ascii("</c>");

/** Whether b holds `pattern` at `at`. */
function bytesAt(b: Uint8Array, at: number, pattern: Uint8Array): boolean {
  if (at + pattern.length > b.length) return false;
  for (let k = 0; k < pattern.length; k++) if (b[at + k] !== pattern[k]) return false;
  return true;
}

/** Whether a byte ends an element's name: "<c" must not match "<cols". */
const isNameEnd = (c: number | undefined) => c === 0x20 || c === SLASH || c === 0x3e || c === 0x09 || c === 0x0a || c === 0x0d;

/** Where the tag whose attributes start at `from` ends (its ">"); a "<" first, or none before `to`, is damage. */
function tagEnd(b: Uint8Array, from: number, to: number, name: string): number {
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 0x3e) return i;
    if (c === LT) break;
  }
  throw malformed(name);
}

/** Where the cell whose content starts at `from` closes ("</c>"); its row's end first, or none, is damage. */
function cellClose(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (b[i] !== LT || b[i + 1] !== SLASH) continue;
    if (bytesAt(b, i, C_CLOSE)) return i;
    if (bytesAt(b, i, ROW_CLOSE)) break;
  }
  throw malformed("c");
}

/** Whether b from `from` to `to` is `<v>...</v>` and nothing else, with no markup or entity inside. */
function isPlainValue(b: Uint8Array, from: number, to: number): boolean {
  if (to - from < 8 || b[from] !== LT || b[from + 1] !== 0x76 || b[from + 2] !== 0x3e) return false;
  if (b[to - 4] !== LT || b[to - 3] !== SLASH || b[to - 2] !== 0x76 || b[to - 1] !== 0x3e) return false;
  for (let i = from + 3; i < to - 4; i++) {
    const c = b[i];
    if (c === LT || c === 0x26) return false;
  }
  return true;
}

/** Whether the cell read last (CELL) holds a string, as exceljs types it: shared, inline, or a formula's string result. */
const isStringCell = () => CELL.t === "s" || CELL.t === "inlineStr" || CELL.t === "str";

const NO_LINKS: ReadonlyMap<string, string> = new Map();

/**
 * The sheet's external hyperlinks by cell address, as exceljs maps them: each
 * `<hyperlink ref r:id>` to its relationship's Target (links within the workbook,
 * which have no r:id, are not values).
 */
function hyperlinks(parts: Parts, sheetPart: string, tail: string): ReadonlyMap<string, string> {
  const slash = sheetPart.lastIndexOf("/");
  const rels = parts.text(`${sheetPart.slice(0, slash)}/_rels/${sheetPart.slice(slash + 1)}.rels`);
  const targets = new Map<string, string>();
  for (const r of rels === undefined ? [] : elements(rels, "Relationship")) {
    const a = attributes(r.tag);
    targets.set(a.get("Id") ?? "", a.get("Target") ?? "");
  }
  const out = new Map<string, string>();
  for (const h of elements(tail, "hyperlink")) {
    const a = attributes(h.tag);
    const id = a.get("r:id");
    if (id === undefined) continue;
    const target = targets.get(id);
    if (target === undefined) throw new Unsupported(`hyperlink ${id} has no target`);
    out.set(a.get("ref") ?? "", target);
  }
  return out;
}

/** A column's letters from its index (0-based): 0 → A, 27 → AB. */
function columnName(col: number): string {
  let name = "";
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(0x41 + ((n - 1) % 26)) + name;
  return name;
}

/** Bytes of a sheet's XML read to find its header without reading the rest. */
const FIRST_ROWS_BYTES = 64 * 1024;

/** A number cell as exceljs reads it (a date where its format is one) and `cellText` shows it. */
function numberCell(raw: string, numFmt: string | undefined, date1904: boolean): Got {
  const value = parseFloat(raw);
  if (isDateFormat(numFmt)) return { problem: dateProblem(excelDate(value, date1904)) };
  lastNumber = value;
  const got = numberText(value, numFmt);
  return "text" in got ? got.text : got;
}

/** The number the cell read last holds, where it shows one (not a date, not a link); else NaN. */
let lastNumber = NaN;

type RowVisit = (cells: string[], problems: Map<number, string> | undefined, row: number) => void;

/** What a merged range's top-left cell shows, as its other cells show it too: its text, or its number (shown in each cell's own format). */
interface MasterValue {
  readonly got: Got;
  readonly number: number;
}

/** Columns a sheet can have (XFD): cell keys are row × COLUMNS + column. */
const COLUMNS = 16384;
const cellKey = (row: number, col: number) => row * COLUMNS + col;

/** Merged cells this reader reads; more go to exceljs (which makes every one of them a cell too). */
const MAX_MERGED_CELLS = 100_000;

/**
 * A sheet's merged ranges (<mergeCell ref="A1:E1"/>) as exceljs applies them when it
 * loads a workbook: every cell of a range but its top-left is made (if the sheet does
 * not write it) and shows the top-left's value. Overlapping ranges (exceljs refuses the
 * workbook), references of another form than A1:C2 (or $A$1:$C$2) and too many merged
 * cells go to exceljs.
 */
class Merges {
  /** Each merged cell but a top-left, by key: its top-left's key. */
  readonly masterOf = new Map<number, number>();
  /** The top-left cells' keys. */
  readonly topLefts = new Set<number>();
  /** Per row, the columns of its merged cells (top-lefts included), ascending. */
  readonly byRow = new Map<number, number[]>();
  /** The rows with merged cells, ascending. */
  readonly rows: readonly number[];

  private constructor(ranges: readonly { top: number; left: number; bottom: number; right: number }[]) {
    const covered = new Set<number>();
    for (const { top, left, bottom, right } of ranges) {
      if ((bottom - top + 1) * (right - left + 1) + covered.size > MAX_MERGED_CELLS) throw new Unsupported("too many merged cells");
      const master = cellKey(top, left);
      this.topLefts.add(master);
      for (let row = top; row <= bottom; row++) {
        let cols = this.byRow.get(row);
        if (cols === undefined) this.byRow.set(row, (cols = []));
        for (let col = left; col <= right; col++) {
          const key = cellKey(row, col);
          if (covered.has(key)) throw new Unsupported("overlapping merged cells");
          covered.add(key);
          cols.push(col);
          if (key !== master) this.masterOf.set(key, master);
        }
      }
    }
    for (const cols of this.byRow.values()) cols.sort((a, b) => a - b);
    this.rows = [...this.byRow.keys()].sort((a, b) => a - b);
  }

  /** The merged ranges of a sheet's XML after its rows. */
  static of(tail: string): Merges {
    const ranges = elements(tail, "mergeCell").map((m) => {
      const ref = /^\$?([A-Z]{1,3})\$?([1-9]\d{0,6})(?::\$?([A-Z]{1,3})\$?([1-9]\d{0,6}))?$/.exec(attributes(m.tag).get("ref") ?? "");
      if (ref === null) throw new Unsupported(`a merged range written as ${m.tag}`);
      const [c1, r1, c2 = ref[1]!, r2 = ref[2]!] = ref.slice(1) as [string, string, string?, string?];
      const [a, b] = [letterColumn(c1), letterColumn(c2)];
      const [x, y] = [Number(r1), Number(r2)];
      if (Math.max(a, b) >= COLUMNS) throw new Unsupported("a merged range beyond the last column");
      return { top: Math.min(x, y), left: Math.min(a, b), bottom: Math.max(x, y), right: Math.max(a, b) };
    });
    return new Merges(ranges);
  }
}

/** A column's index (0-based) from its letters: A → 0, AB → 27. */
function letterColumn(letters: string): number {
  let col = 0;
  for (let i = 0; i < letters.length; i++) col = col * 26 + (letters.charCodeAt(i) - 0x40);
  return col - 1;
}

/**
 * A worksheet as the fast reader reads it (xlsx-fast.ts), or null where it leaves the
 * workbook to exceljs. Its rows are read as the checks reach them, like a CSV's, so a
 * check worker can read the same bytes again for itself (parallel.ts).
 */
export function fastXlsxTable(bytes: Uint8Array, sheetName?: string): XlsxTable | null {
  const sheet = readFastSheet(bytes, sheetName);
  if (sheet === null) return null;
  // The header (the first row that is not blank, titles above it passed over:
  // HeaderSearch); what follows it is the people. Read from the sheet's beginning, or
  // from all of it where the beginning does not say.
  let search = new HeaderSearch<{ readonly cells: string[]; readonly row: number }>();
  const find = (cells: string[], problems: Map<number, string> | undefined, row: number) => {
    if (problems === undefined && isBlankRow(cells)) return;
    if (search.offer({ cells, row }, cells, problems !== undefined)) throw FOUND;
  };
  try {
    if (!sheet.forFirstRows(find)) {
      search = new HeaderSearch();
      sheet.forEachRow(find);
    }
  } catch (e) {
    if (e !== FOUND) throw e;
  }
  const head = search.header;
  const headerLine = head?.row ?? 1;
  return {
    header: head?.cells ?? [],
    headerLine,
    hasRows: search.hasRows,
    approxRows: Math.max(0, sheet.rowCount - 1),
    sheets: sheet.sheets,
    sheet: sheet.sheet,
    fast: true,
    forEachRow(visit) {
      let count = 0;
      let blankRows = 0;
      if (head === undefined) return { rows: 0, blankRows: 0 };
      sheet.forEachRow((cells, problems, row) => {
        // The header and what is above it (blank rows, titles).
        if (row <= headerLine) return;
        if (problems === undefined && isBlankRow(cells)) {
          blankRows++;
          return;
        }
        count++;
        visit(cells, row, problems);
      });
      return { rows: count, blankRows };
    },
  };
}

/** Thrown out of the header's row walk once a person's row is seen after it. */
const FOUND = Symbol("found");

