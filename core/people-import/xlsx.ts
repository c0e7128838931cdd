import ExcelJS from "exceljs";
import { MAX_ROWS } from "./limits.ts";
import { fileRefused } from "./problems.ts";
import { arrayTable, isBlankRow, type Table } from "./table.ts";
import { checkXlsxZip } from "./zip-directory.ts";

export interface XlsxTable extends Table {
  /** Every worksheet's name, in the workbook's order. */
  readonly sheets: readonly string[];
  /** The sheet read. */
  readonly sheet: string;
}

/** A cell's text, or why it has none a person would recognise. */
type CellText = { readonly text: string } | { readonly problem: string };

const EXACT_DIGITS = 15;

/**
 * A number as a person sees it in the cell. Tag numbers and phone numbers are often
 * typed into number cells: a "00000000" format gives back the leading zeros the cell
 * shows; digits beyond what a spreadsheet keeps exactly are refused rather than
 * imported as a different number.
 */
function numberText(n: number, numFmt: string | undefined): CellText {
  if (!Number.isFinite(n)) return { problem: `the number ${n} is not usable` };
  if (Number.isInteger(n)) {
    if (!Number.isSafeInteger(n) || String(Math.abs(n)).length > EXACT_DIGITS) {
      return { problem: `the number ${n} has more digits than a spreadsheet keeps exactly (${EXACT_DIGITS}); format the column as Text and type it again` };
    }
    const text = String(n);
    const zeros = numFmt !== undefined && /^0+$/.test(numFmt) ? numFmt.length : 0;
    return { text: text.padStart(zeros, "0") };
  }
  return { text: String(n) };
}

/** ISO date of a date cell, for the problem that names it. */
const isoDate = (d: Date) => (Number.isNaN(d.getTime()) ? "an invalid date" : d.toISOString().slice(0, 10));

/**
 * The text of one cell: strings, rich text and hyperlinks (an e-mail is often a
 * mailto: link) as shown; numbers as above; a formula by its saved result; dates,
 * error values and formulas never calculated are problems, not guesses.
 */
function cellText(value: ExcelJS.CellValue, numFmt: string | undefined): CellText {
  if (value === null || value === undefined) return { text: "" };
  if (typeof value === "string") return { text: value };
  if (typeof value === "number") return numberText(value, numFmt);
  if (typeof value === "boolean") return { text: value ? "TRUE" : "FALSE" };
  if (value instanceof Date) return { problem: `the cell is a date (${isoDate(value)}), not text; format the column as Text` };
  if ("richText" in value) return { text: value.richText.map((r) => r.text).join("") };
  if ("hyperlink" in value) {
    const text: unknown = value.text;
    if (typeof text === "string") return { text };
    if (text !== null && typeof text === "object" && "richText" in text) return cellText(text as ExcelJS.CellRichTextValue, numFmt);
    return { text: value.hyperlink.replace(/^mailto:/i, "") };
  }
  if ("error" in value) return { problem: `the cell holds the error ${value.error}` };
  if ("formula" in value || "sharedFormula" in value) {
    const result = value.result;
    if (result === undefined) return { problem: "the cell is a formula with no saved result; open the file in a spreadsheet, let it calculate, and save it" };
    if (result !== null && typeof result === "object" && !(result instanceof Date) && "error" in result) {
      return { problem: `the cell's formula gives the error ${result.error}` };
    }
    return cellText(result, numFmt);
  }
  return { problem: "the cell's content is not text or a number" };
}

/**
 * One worksheet of an XLSX as a table (exceljs). The zip's directory is checked first
 * (an XLSX, not too big once unpacked); the first sheet is read unless one is named.
 */
export async function readXlsx(bytes: Uint8Array, sheetName?: string): Promise<XlsxTable> {
  checkXlsxZip(bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw fileRefused("import.format", `the workbook could not be read (${e instanceof Error ? e.message : String(e)}); open it in a spreadsheet and save it again`);
  }
  const sheets = workbook.worksheets.map((w) => w.name);
  const wanted = sheetName?.trim();
  const ws =
    wanted === undefined || wanted === ""
      ? workbook.worksheets[0]
      : (workbook.worksheets.find((w) => w.name === wanted) ?? workbook.worksheets.find((w) => w.name.toLowerCase() === wanted.toLowerCase()));
  if (!ws) {
    throw wanted
      ? fileRefused("import.sheet", `the workbook has no sheet "${wanted}" (it has ${sheets.map((s) => `"${s}"`).join(", ") || "none"})`)
      : fileRefused("import.sheet", "the workbook has no sheets");
  }
  if (ws.actualRowCount > MAX_ROWS + 1) {
    throw fileRefused("import.too_large", `the sheet has ${ws.actualRowCount.toLocaleString("en")} rows, more than ${MAX_ROWS.toLocaleString("en")} people and a header; split it`);
  }

  let header: string[] | undefined;
  let headerLine = 1;
  const rows: string[][] = [];
  const lines: number[] = [];
  const cellProblems = new Map<number, Map<number, string>>();
  let blankRows = 0;
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    let problems: Map<number, string> | undefined;
    for (let c = 1; c <= row.cellCount; c++) {
      const cell = row.getCell(c);
      const got = cellText(cell.value, cell.numFmt);
      if ("text" in got) cells.push(got.text);
      else {
        cells.push("");
        (problems ??= new Map()).set(c - 1, got.problem);
      }
    }
    if (problems === undefined && isBlankRow(cells)) {
      if (header !== undefined) blankRows++;
      return;
    }
    if (header === undefined) {
      header = cells;
      headerLine = rowNumber;
      return;
    }
    if (problems) cellProblems.set(rows.length, problems);
    rows.push(cells);
    lines.push(rowNumber);
  });
  return { ...arrayTable(header ?? [], headerLine, rows, lines, cellProblems, blankRows), sheets, sheet: ws.name };
}
