import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { LIMITS, previewPeople, readPeopleFile } from "../../../core/people-import/index.ts";
import { readXlsx } from "../../../core/people-import/xlsx.ts";
import { readZipDirectory } from "../../../core/people-import/zip-directory.ts";
import { onlyProblem, refusal, rowsOf, tempSite, utf8, zipOf } from "./support.ts";

async function workbook(fill: (wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  fill(wb);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe("XLSX workbooks", () => {
  it("reads the first sheet's rows with their row numbers, cell types as a person sees them", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("Staff");
      ws.addRow(["First name", "Last name", "E-mail", "Tag"]);
      ws.addRow(["Anna", { richText: [{ text: "Ma" }, { text: "es", font: { bold: true } }] }, { text: "anna@example.com", hyperlink: "mailto:anna@example.com" }, 12345]);
      ws.getCell("D2").numFmt = "00000000";
      ws.addRow([]);
      ws.addRow(["Bram", { formula: 'UPPER("claes")', result: "CLAES" }, "bram@example.com", "04A1B2C3"]);
      ws.addRow(["Cor", "Vos", "", 4711]);
      wb.addWorksheet("Other").addRow(["x"]);
    });
    const t = await readXlsx(bytes);
    expect(t.sheets).toEqual(["Staff", "Other"]);
    expect(t.sheet).toBe("Staff");
    expect(t.header).toEqual(["First name", "Last name", "E-mail", "Tag"]);
    expect(rowsOf(t)).toEqual({
      rows: [
        ["Anna", "Maes", "anna@example.com", "00012345"],
        ["Bram", "CLAES", "bram@example.com", "04A1B2C3"],
        ["Cor", "Vos", "", "4711"],
      ],
      lines: [2, 4, 5],
      issues: 0,
      blankRows: 0,
    });
  });

  it("reads a chosen sheet (by name, any case) and lists the sheets when it is not there", async () => {
    const bytes = await workbook((wb) => {
      wb.addWorksheet("Notes").addRow(["nothing to see"]);
      const ws = wb.addWorksheet("People 2026");
      ws.addRow(["First name", "Last name"]);
      ws.addRow(["Anna", "Maes"]);
    });
    expect(rowsOf(await readXlsx(bytes, "people 2026")).rows).toEqual([["Anna", "Maes"]]);
    const e = await refusal(() => readXlsx(bytes, "Staff"));
    expect(e.code).toBe("import.sheet");
    expect(onlyProblem(e).reason).toBe('the workbook has no sheet "Staff" (it has "Notes", "People 2026")');
  });

  it("formulas without a saved result, error values, dates and over-long numbers are problems of their cells", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("People");
      ws.addRow(["First name", "Last name", "Tag", "Notes"]);
      ws.addRow(["Anna", { formula: "B3" }, 1234567890123456, { error: "#N/A" }]);
      ws.addRow([new Date(Date.UTC(2026, 0, 5)), "Maes", { formula: "1/0", result: { error: "#DIV/0!" } }, "fine"]);
    });
    const site = tempSite();
    try {
      const file = await readPeopleFile({ source: { kind: "bytes", bytes } });
      expect(file.format).toBe("xlsx");
      const p = previewPeople(file, site.store);
      // The Notes column is not imported, so its #N/A is nobody's business.
      expect(p.problems).toEqual([
        { line: 2, column: "Last name", reason: "the cell is a formula with no saved result; open the file in a spreadsheet, let it calculate, and save it" },
        { line: 2, column: "Tag", reason: "the number 1234567890123456 has more digits than a spreadsheet keeps exactly (15); format the column as Text and type it again" },
        { line: 3, column: "First name", reason: "the cell is a date (2026-01-05), not text; format the column as Text" },
        { line: 3, column: "Tag", reason: "the cell's formula gives the error #DIV/0!" },
      ]);
    } finally {
      site.close();
    }
  });

  it("a workbook with a header only, and one with an empty sheet", async () => {
    const site = tempSite();
    try {
      const headerOnly = await workbook((wb) => wb.addWorksheet("P").addRow(["First name", "Last name"]));
      const empty = await workbook((wb) => wb.addWorksheet("P"));
      const p1 = previewPeople(await readPeopleFile({ source: { kind: "bytes", bytes: headerOnly } }), site.store);
      expect(p1.problems).toEqual([{ line: 2, column: "", reason: "the file has a header but no people" }]);
      const p2 = previewPeople(await readPeopleFile({ source: { kind: "bytes", bytes: empty } }), site.store);
      expect(p2.problems).toEqual([{ line: 1, column: "", reason: "the file is empty" }]);
    } finally {
      site.close();
    }
  });

  it("refuses what is not an XLSX, naming what it is", async () => {
    const csvAsXlsx = await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: utf8("First name,Last name\n") }, format: "xlsx" }));
    expect(csvAsXlsx.code).toBe("import.format");
    expect(onlyProblem(csvAsXlsx).reason).toBe('the file is not an XLSX workbook: an .xlsx is a zip archive, and this one starts with "First name,Last ". Is it a CSV?');
    const xls = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect(onlyProblem(await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: xls } }))).reason).toContain("Excel 97-2003 workbook (.xls) or a password-protected workbook");
    const ods = zipOf([{ name: "mimetype", data: "application/vnd.oasis.opendocument.spreadsheet" }, { name: "content.xml", data: "<x/>" }]);
    expect(onlyProblem(await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: ods } }))).reason).toContain("OpenDocument spreadsheet (.ods)");
    const docx = zipOf([{ name: "word/document.xml", data: "<x/>" }]);
    expect(onlyProblem(await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: docx } }))).reason).toContain("Word document");
    const zipAsCsv = await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: docx }, format: "csv" }));
    expect(onlyProblem(zipAsCsv).reason).toContain("not a CSV text file");
  });

  it("refuses a damaged workbook and one that would unpack to too much, before unpacking", async () => {
    const good = await workbook((wb) => wb.addWorksheet("P").addRow(["First name", "Last name"]));
    const cut = good.subarray(0, good.length - 200);
    const damaged = await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: cut } }));
    expect(damaged.code).toBe("import.format");
    expect(onlyProblem(damaged).reason).toContain("damaged");
    const bomb = zipOf([{ name: "xl/workbook.xml", data: "<x/>" }, { name: "xl/worksheets/sheet1.xml", data: "<x/>", declaredSize: LIMITS.MAX_XLSX_UNPACKED_BYTES }]);
    const e = await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: bomb } }));
    expect(e.code).toBe("import.too_large");
    expect(onlyProblem(e).reason).toBe("the workbook would unpack to 400 MB, more than the 400 MB an import may; split it");
    // A directory that is there but broken says so too.
    const broken = zipOf([{ name: "xl/workbook.xml", data: "<x/>" }]);
    broken[broken.length - 22 + 16] = 0xff;
    expect(onlyProblem(await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: broken } }))).reason).toContain("damaged");
  });

  it("reads a zip's directory: names, declared sizes, methods and where each entry is", async () => {
    const z = zipOf([{ name: "a.txt", data: "hello" }, { name: "dir/b.xml", data: "<b/>", declaredSize: 1000 }]);
    expect(readZipDirectory(z)).toEqual({
      names: ["a.txt", "dir/b.xml"],
      entries: [
        { name: "a.txt", method: 0, compressedSize: 5, size: 5, localOffset: 0 },
        { name: "dir/b.xml", method: 0, compressedSize: 4, size: 1000, localOffset: 30 + 5 + 5 },
      ],
      unpackedBytes: 1005,
    });
  });
});
