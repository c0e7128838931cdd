import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../../core/people-import/csv.ts";
import { readPeopleFile, previewPeople } from "../../../core/people-import/index.ts";
import { HeaderSearch, isTitleRow, TITLE_ROWS } from "../../../core/people-import/table.ts";
import { readWithExcelJs, readXlsx } from "../../../core/people-import/xlsx.ts";
import { rowsOf, tempSite } from "./support.ts";

describe("finding the header: titles above it are passed over", () => {
  it("reads a row of one text, once or repeated, as a title, and nothing else", () => {
    expect(isTitleRow(["Staff 2026", "", ""])).toBe(true);
    expect(isTitleRow(["Staff 2026", "Staff 2026", " Staff 2026 "])).toBe(true);
    expect(isTitleRow(["First name", "Last name"])).toBe(false);
    expect(isTitleRow(["", ""])).toBe(false);
  });

  it("takes the first row that is not a title; after more than TITLE_ROWS titles, or at the end, the first row", () => {
    const pick = (rows: readonly (readonly string[])[]) => {
      const search = new HeaderSearch<number>();
      for (const [i, cells] of rows.entries()) if (search.offer(i, cells, false)) break;
      return [search.header, search.hasRows];
    };
    expect(pick([["Acme"], ["Staff 2026", "Staff 2026"], ["First", "Last"], ["Anna", "Maes"]])).toEqual([2, true]);
    expect(pick([["Acme"], ["First", "Last"]])).toEqual([1, false]);
    expect(pick([["Full name"], ["Anna Maes"]])).toEqual([0, true]);
    expect(pick([["Full name"]])).toEqual([0, false]);
    expect(pick(Array.from({ length: TITLE_ROWS + 2 }, (_, i) => [`Person ${i}`]))).toEqual([0, true]);
    expect(pick([])).toEqual([undefined, false]);
    // A row with a problem cell (a date, an error) is never a title; the search is over at the first row after the header.
    const search = new HeaderSearch<number>();
    expect([search.offer(0, ["", ""], true), search.header, search.hasRows]).toEqual([false, 0, false]);
    expect([search.offer(1, ["Anna"], false), search.hasRows]).toEqual([true, true]);
  });

  it("passes over a CSV's title lines, and keeps a one-column file's first line as its header", () => {
    const titled = parseCsv("Acme Hotels;;\r\nStaff 2026;;\r\n\r\nFirst name;Last name;E-mail\r\nAnna;Maes;anna@example.com\r\n");
    expect([titled.header, titled.headerLine, titled.hasRows]).toEqual([["First name", "Last name", "E-mail"], 4, true]);
    expect(rowsOf(titled)).toMatchObject({ rows: [["Anna", "Maes", "anna@example.com"]], lines: [5], blankRows: 0 });

    const oneColumn = parseCsv("Full name\nAnna Maes\nBram Claes\nCor Vos\nDirk Wils\n");
    expect([oneColumn.header, oneColumn.headerLine, oneColumn.hasRows]).toEqual([["Full name"], 1, true]);
    expect(rowsOf(oneColumn).lines).toEqual([2, 3, 4, 5]);
    const short = parseCsv("Full name\nAnna Maes\n");
    expect([short.headerLine, short.hasRows, rowsOf(short).rows]).toEqual([1, true, [["Anna Maes"]]]);
    const onlyHeader = parseCsv("Full name\n\n");
    expect([onlyHeader.headerLine, onlyHeader.hasRows]).toEqual([1, false]);
  });

  it("passes over a workbook's title merged across the columns, with both readers, and imports its people", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.getCell("A1").value = "Staff 2026";
    ws.mergeCells("A1:C1");
    ws.getRow(3).values = ["First name", "Last name", "E-mail"];
    ws.getRow(4).values = ["Anna", "Maes", "anna@example.com"];
    ws.getRow(5).values = ["Bram", "Claes", "bram@example.com"];
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    for (const t of [await readXlsx(bytes), await readWithExcelJs(bytes)]) {
      expect([t.header, t.headerLine, t.hasRows]).toEqual([["First name", "Last name", "E-mail"], 3, true]);
      expect(rowsOf(t)).toMatchObject({ lines: [4, 5], blankRows: 0 });
    }
    const site = tempSite();
    try {
      const preview = previewPeople(await readPeopleFile({ source: { kind: "bytes", bytes } }), site.store);
      expect({ problems: preview.problems, people: preview.counts.people }).toEqual({ problems: [], people: 2 });
    } finally {
      site.close();
    }
  });
});
