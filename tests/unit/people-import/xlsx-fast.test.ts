import { inflateRawSync } from "node:zlib";
import ExcelJS from "exceljs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors/index.ts";
import { readPeopleFile } from "../../../core/people-import/index.ts";
import { readFastSheet } from "../../../core/people-import/xlsx-fast.ts";
import { readWithExcelJs, readXlsx, type XlsxTable } from "../../../core/people-import/xlsx.ts";
import { readZipDirectory } from "../../../core/people-import/zip-directory.ts";
import { peopleXlsx } from "../../bench/import/generator.ts";
import { refusal, zipOf } from "./support.ts";

const seed = Number(process.env.FC_SEED ?? 20261126);

/** Everything a table says, rows included, for comparing two readers. */
function dump(t: XlsxTable) {
  const rows: unknown[] = [];
  const counts = t.forEachRow((cells, line, problems) => rows.push({ cells: [...cells], line, problems: problems === undefined ? null : Object.fromEntries(problems) }));
  return { header: t.header, headerLine: t.headerLine, hasRows: t.hasRows, sheets: t.sheets, sheet: t.sheet, rows, counts };
}

/** One cell as a test writes it: a value, and maybe a number format. */
type CellSpec = { readonly value: ExcelJS.CellValue; readonly numFmt?: string };

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("Émile", "Zoë Özdemir", "a & b", "<tag>", '"quoted"', "it's", "  spaced  ", "_x000D_", "&amp;", "line\nbreak", "tab\there", "🔑 key", "=1+1"),
);
const cell: fc.Arbitrary<CellSpec> = fc.oneof(
  { weight: 5, arbitrary: text.map((value) => ({ value })) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -1e6, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.constant(12345678901234568)).map((value) => ({ value })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom("00000000", "0", "0.00", "@", "#,##0", "yyyy-mm-dd", "d-mmm-yy", "h:mm", '"Tag "0')).map(([value, numFmt]) => ({ value, numFmt })) },
  { weight: 1, arbitrary: fc.boolean().map((value) => ({ value })) },
  { weight: 1, arbitrary: fc.date({ min: new Date("1950-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((value) => ({ value })) },
  { weight: 1, arbitrary: fc.constantFrom("#N/A", "#DIV/0!", "#VALUE!").map((error) => ({ value: { error } as ExcelJS.CellErrorValue })) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant({ value: { formula: "A1&B1" } as ExcelJS.CellFormulaValue }),
      // Falsy results (0, FALSE, "") are left to their own test: exceljs loses them, this reader does not.
      text.filter((t) => t !== "").map((result) => ({ value: { formula: "CONCAT(A1)", result } as ExcelJS.CellFormulaValue })),
      fc.integer({ min: 1, max: 1e6 }).map((result) => ({ value: { formula: "1+1", result } as ExcelJS.CellFormulaValue, numFmt: "000000" })),
      fc.constant({ value: { formula: "TRUE()", result: true } as ExcelJS.CellFormulaValue }),
      fc.constant({ value: { formula: "1/0", result: { error: "#DIV/0!" } } as unknown as ExcelJS.CellFormulaValue }),
    ),
  },
  { weight: 1, arbitrary: fc.array(text, { minLength: 1, maxLength: 3 }).map((parts) => ({ value: { richText: parts.map((t, i) => ({ text: t, font: { bold: i % 2 === 0 } })) } })) },
  {
    weight: 1,
    arbitrary: fc.tuple(text.filter((t) => t !== ""), fc.constantFrom("mailto:anna@example.com", "https://example.com/a?b=1&c=2", "MAILTO:Bram@Example.com")).map(([t, hyperlink]) => ({ value: { text: t, hyperlink } })),
  },
  { weight: 1, arbitrary: fc.constant({ value: null, numFmt: "@" }) },
  { weight: 2, arbitrary: fc.constant({ value: null }) },
);
/** Rows with gaps between them and cells with gaps between them. */
const sheetRows = fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.array(cell, { maxLength: 6 })), { maxLength: 8 });

/** Merged ranges a test asks for: top row, left column (1-based), height, width; one that overlaps an earlier one is left out. */
type MergeSpec = readonly [number, number, number, number];
const merges = fc.array(fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), { maxLength: 3 });

async function workbookOf(sheets: readonly { name: string; rows: readonly (readonly [number, readonly CellSpec[]])[]; merges?: readonly MergeSpec[] }[], date1904: boolean): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.properties.date1904 = date1904;
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    let r = 0;
    for (const [gap, cells] of s.rows) {
      r += gap;
      cells.forEach((c, i) => {
        if (c.value === null && c.numFmt === undefined) return;
        const target = ws.getCell(r, i + 1);
        target.value = c.value;
        if (c.numFmt !== undefined) target.numFmt = c.numFmt;
      });
    }
    const merged = new Set<string>();
    for (const [top, left, height, width] of s.merges ?? []) {
      const cells = Array.from({ length: height * width }, (_, k) => `${top + Math.floor(k / width)}:${left + (k % width)}`);
      if (cells.some((c) => merged.has(c))) continue;
      for (const c of cells) merged.add(c);
      ws.mergeCells(top, left, top + height - 1, left + width - 1);
    }
  }
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe("the fast XLSX reader (xlsx-fast.ts)", () => {
  it("reads every generated workbook exactly as exceljs does: cells, problems, rows, lines, sheets, merged cells", async () => {
    const names = fc.constantFrom("People", "Staff & guests", "Blad 1", "Ünits");
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.record({ name: names, rows: sheetRows, merges }), { minLength: 1, maxLength: 2, selector: (s) => s.name }), fc.boolean(), fc.nat(2), async (sheets, date1904, pick) => {
        const bytes = await workbookOf(sheets, date1904);
        const wanted = pick === 0 ? undefined : sheets[pick % sheets.length]!.name.toUpperCase();
        const fast = await readXlsx(bytes, wanted);
        expect(fast.fast).toBe(true);
        expect(dump(fast)).toEqual(dump(await readWithExcelJs(bytes, wanted)));
      }),
      { seed, numRuns: 120 },
    );
  });

  it("reads the bench's workbook as exceljs does and is the reader an import uses", async () => {
    // 12,000 people: shared strings of ~700 KB, decoded in three pieces.
    const bytes = new Uint8Array(await peopleXlsx(12_000));
    const dir = readZipDirectory(bytes).entries.find((e) => e.name === "xl/sharedStrings.xml");
    expect(dir?.size).toBeGreaterThan(2 * 256 * 1024);
    const file = await readPeopleFile({ source: { kind: "bytes", bytes } });
    expect(file.workerSource).toEqual({ kind: "xlsx", bytes, sheet: "People" });
    expect(dump(file.table as XlsxTable)).toEqual(dump(await readWithExcelJs(bytes)));
  });

  it("finds a header that is not in the sheet's first 64 KB", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    // Rows of styled empty cells (no value: skipped, as exceljs skips them), then blank texts, then the file.
    for (let r = 1; r <= 2500; r++) for (let c = 1; c <= 5; c++) ws.getCell(r, c).numFmt = "@";
    for (let r = 2501; r <= 2600; r++) ws.getCell(r, 1).value = " ";
    ws.getRow(2601).values = ["First name", "Last name"];
    ws.getRow(2602).values = ["Anna", "Maes"];
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const fast = await readXlsx(bytes);
    expect(fast.fast).toBe(true);
    expect(fast.headerLine).toBe(2601);
    expect(dump(fast)).toEqual(dump(await readWithExcelJs(bytes)));
  });

  it("shows a linked cell's text, or the link's target where the cell holds no string, as exceljs does", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.addRow(["E-mail", "Site", "Number"]);
    ws.addRow([{ text: "anna@example.com", hyperlink: "mailto:anna@example.com" }, { text: "Site A", hyperlink: "https://example.com" }, { text: "x", hyperlink: "mailto:Bram@example.com" }]);
    const written = new Uint8Array(await wb.xlsx.writeBuffer());
    // exceljs writes links on strings only: make C2 a number cell that keeps its link, as a spreadsheet may.
    const bytes = rewritePart(written, "xl/worksheets/sheet1.xml", (xml) => xml.replace(/<c r="C2"([^>]*) t="s"><v>\d+<\/v><\/c>/, '<c r="C2"$1><v>42</v></c>'));
    const fast = await readXlsx(bytes);
    expect(fast.fast).toBe(true);
    const slow = await readWithExcelJs(bytes);
    expect(dump(fast)).toEqual(dump(slow));
    expect(dump(fast).rows).toEqual([{ cells: ["anna@example.com", "Site A", "Bram@example.com"], line: 2, problems: null }]);
  });

  it("reads merged cells as exceljs applies them, rows and cells the sheet does not write included", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.getCell("A1").value = "Staff 2026";
    ws.mergeCells("A1:C1");
    ws.getRow(2).values = ["First name", "Last name", "Tag"];
    ws.getRow(3).values = ["Anna", "Maes", 7];
    ws.getCell("C3").numFmt = "0";
    ws.getCell("C4").numFmt = "000";
    // Each merged cell keeps its own format: a number shows in each cell's own.
    ws.mergeCellsWithoutStyle("C3:C5");
    ws.getCell("A7").value = "x";
    ws.mergeCells("A7:B8");
    ws.getCell("A10").value = "Zoë";
    ws.mergeCells("A10:A11");
    const written = new Uint8Array(await wb.xlsx.writeBuffer());
    const bytes = rewritePart(written, "xl/worksheets/sheet1.xml", (xml) => {
      const edited = xml
        // A merged cell holding a value of its own (it shows the top-left's all the same).
        .replace(/<c r="C4"([^>]*)\/>/, '<c r="C4"$1><v>99</v></c>')
        // Rows and cells a spreadsheet may leave out: exceljs makes them for the merge.
        .replace(/<row r="5"[^>]*>.*?<\/row>/, "")
        .replace(/<c r="A7"[^>]*?(\/>|>.*?<\/c>)/, "")
        .replace(/<row r="8"[^>]*>.*?<\/row>/, "")
        .replace(/<row r="11"[^>]*>.*?<\/row>/, "");
      expect(edited.match(/<row /g)?.length).toBe(6);
      expect(edited).toContain('<v>99</v>');
      return edited;
    });
    const fast = await readXlsx(bytes);
    expect(fast.fast).toBe(true);
    const slow = await readWithExcelJs(bytes);
    expect(dump(fast)).toEqual(dump(slow));
    // The merged title above the header is passed over.
    expect([fast.header, fast.headerLine]).toEqual([["First name", "Last name", "Tag"], 2]);
    expect(dump(fast).rows).toEqual([
      { cells: ["Anna", "Maes", "7"], line: 3, problems: null },
      { cells: ["", "", "007"], line: 4, problems: null },
      { cells: ["", "", "7"], line: 5, problems: null },
      { cells: ["Zoë"], line: 10, problems: null },
      { cells: ["Zoë"], line: 11, problems: null },
    ]);
    // Rows 7 and 8 (a merge whose top-left is not written) are blank rows.
    expect(dump(fast).counts).toEqual({ rows: 5, blankRows: 2 });
  });

  it("reads merged ranges written with $, and leaves overlapping ones to exceljs, which refuses them", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.addRow(["First name", "Last name"]);
    ws.addRow(["Anna", "Maes"]);
    ws.mergeCells("A2:B2");
    const written = new Uint8Array(await wb.xlsx.writeBuffer());
    const dollars = rewritePart(written, "xl/worksheets/sheet1.xml", (xml) => xml.replace('<mergeCell ref="A2:B2"/>', '<mergeCell ref="$A$2:$B$2"/>'));
    const fast = await readXlsx(dollars);
    expect(fast.fast).toBe(true);
    expect(dump(fast)).toEqual(dump(await readWithExcelJs(dollars)));
    expect(dump(fast).rows).toEqual([{ cells: ["Anna", "Anna"], line: 2, problems: null }]);

    const overlapping = rewritePart(written, "xl/worksheets/sheet1.xml", (xml) => xml.replace('<mergeCell ref="A2:B2"/>', '<mergeCell ref="A2:B2"/><mergeCell ref="B2:B3"/>'));
    expect(readFastSheet(overlapping)).toBeNull();
    expect(await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: overlapping } }))).toMatchObject({ code: "import.format" });
  });

  it("names the sheets it has when the one asked for is not there, as exceljs's path does", async () => {
    const bytes = await workbookOf([{ name: "People", rows: [[1, [{ value: "First name" }]]] }], false);
    const refusal = async (read: Promise<unknown>) => read.then(() => expect.unreachable(), (e: unknown) => e);
    const [fast, slow] = [await refusal(readXlsx(bytes, "Staff")), await refusal(readWithExcelJs(bytes, "Staff"))];
    expect(fast).toMatchObject({ code: "import.sheet" });
    expect(String((fast as Error).message)).toContain('no sheet "Staff" (it has "People")');
    expect(fast).toEqual(slow);
  });

  it("meets a damaged sheet with import.format or a reading, never another error: 2,000 mutated sheets", { timeout: 60_000 }, async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.getCell("A1").value = "Staff";
    ws.mergeCells("A1:C1");
    ws.getRow(2).values = ["First name", "Last name", "E-mail", "Tag"];
    for (let i = 0; i < 6; i++) {
      ws.getRow(3 + i).values = [`Anna${i}`, { richText: [{ text: "Ma" }, { text: "es" }] }, { text: `a${i}@example.com`, hyperlink: `mailto:a${i}@example.com` }, i % 2 ? 4000 + i : { formula: "1+1", result: 2 }];
    }
    const written = new Uint8Array(await wb.xlsx.writeBuffer());
    let sheetXml = "";
    rewritePart(written, "xl/worksheets/sheet1.xml", (xml) => (sheetXml = xml));
    const from = sheetXml.indexOf("<sheetData");
    // Cuts, insertions of markup characters, and swaps inside the rows and what follows them.
    const edit = fc.tuple(fc.nat(sheetXml.length - from - 1), fc.nat(12), fc.constantFrom("", "<", ">", "/", '"', "'", "&", "<c>", "</row>", "<row>", "<v>", "</c>", 'r="', "&amp;", "\u00e9", "\uffff"));
    const outcomes = { read: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let xml = sheetXml;
        for (const [at, cut, insert] of edits) xml = xml.slice(0, from + at) + insert + xml.slice(from + at + cut);
        const bytes = rewritePart(written, "xl/worksheets/sheet1.xml", () => xml);
        try {
          const table = await readXlsx(bytes);
          dump(table);
          outcomes.read++;
        } catch (e) {
          // Refused as damaged (or too large, or with no sheet), with a code; nothing else escapes.
          expect(e).toBeInstanceOf(AppError);
          expect((e as AppError).code).toMatch(/^import\./);
          outcomes.refused++;
        }
      }),
      { seed, numRuns: 2000 },
    );
    // Both outcomes are met: the mutations do reach the walk.
    expect(outcomes.read).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  });

  it("reads a formula's saved result of 0, FALSE or \"\", which exceljs loses", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.addRow(["A", "B", "C", "D"]);
    ws.addRow([{ formula: "1-1", result: 0 }, { formula: "1=2", result: false }, { formula: "A1&\"\"", result: "" }, { formula: "A9" }]);
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const noResult = "the cell is a formula with no saved result; open the file in a spreadsheet, let it calculate, and save it";
    // The fast reader: three results, and the formula never calculated has none.
    expect(dump(await readXlsx(bytes)).rows).toEqual([{ cells: ["0", "FALSE", "", ""], line: 2, problems: { 3: noResult } }]);
    // exceljs says that of all four.
    expect(dump(await readWithExcelJs(bytes)).rows).toEqual([{ cells: ["", "", "", ""], line: 2, problems: { 0: noResult, 1: noResult, 2: noResult, 3: noResult } }]);
  });

  it("refuses a sheet whose rows' markup is damaged as import.format, where the walk meets it", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.addRow(["First name", "Last name"]);
    for (let i = 0; i < 5; i++) ws.addRow([`Anna${i}`, "Maes"]);
    const written = new Uint8Array(await wb.xlsx.writeBuffer());
    const damages: Record<string, (xml: string) => string> = {
      "a cell not closed before its row ends": (xml) => xml.replace(/(<c r="B4"[^>]*><v>\d+<\/v>)<\/c>/, "$1"),
      "a cell tag not closed": (xml) => xml.replace(/<c r="A5"([^>]*)>/, '<c r="A5"$1'),
      "the last row not closed": (xml) => xml.replace(/<\/row><\/sheetData>/, "</sheetData>"),
    };
    for (const [what, damage] of Object.entries(damages)) {
      const bytes = rewritePart(written, "xl/worksheets/sheet1.xml", (xml) => {
        const damaged = damage(xml);
        expect(damaged, what).not.toBe(xml);
        return damaged;
      });
      // The header is whole, so the file is read; the rows are refused when walked.
      const table = await readXlsx(bytes);
      expect(table.header).toEqual(["First name", "Last name"]);
      let e: unknown;
      try {
        dump(table);
      } catch (err) {
        e = err;
      }
      expect(e, what).toMatchObject({ code: "import.format" });
      expect(String((e as Error).message), what).toContain("could not be read (an unclosed <");
    }
  });
});

/** The workbook with one part's text changed (the zip rebuilt with the same entries, deflated). */
function rewritePart(bytes: Uint8Array, name: string, change: (xml: string) => string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return zipOf(
    readZipDirectory(bytes).entries.map((e) => {
      const start = e.localOffset + 30 + view.getUint16(e.localOffset + 26, true) + view.getUint16(e.localOffset + 28, true);
      const packed = bytes.subarray(start, start + e.compressedSize);
      const data = e.method === 8 ? inflateRawSync(packed) : Buffer.from(packed);
      return { name: e.name, data: e.name === name ? change(data.toString("utf8")) : data, deflate: true };
    }),
  );
}
