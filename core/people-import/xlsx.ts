import ExcelJS from "exceljs";
import { MAX_ROWS } from "./limits.ts";
import { fileRefused } from "./problems.ts";
import { arrayTable, HeaderSearch, isBlankRow, type Table } from "./table.ts";
import { dateProblem, NO_RESULT, numberText, rowTexts, type CellText } from "./cell-text.ts";
import { fastXlsxTable } from "./xlsx-fast.ts";
import { checkXlsxZip } from "./zip-directory.ts";

export interface XlsxTable extends Table {
  /** Every worksheet's name, in the workbook's order. */
  readonly sheets: readonly string[];
  /** The sheet read. */
  readonly sheet: string;
  /** Read by the fast reader (xlsx-fast.ts), which a check worker can run again; else by exceljs. */
  readonly fast: boolean;
}

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
  if (value instanceof Date) return { problem: dateProblem(value) };
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
    if (result === undefined) return { problem: NO_RESULT };
    if (result !== null && typeof result === "object" && !(result instanceof Date) && "error" in result) {
      return { problem: `the cell's formula gives the error ${result.error}` };
    }
    return cellText(result, numFmt);
  }
  return { problem: "the cell's content is not text or a number" };
}

/**
 * One worksheet of an XLSX as a table: by the fast reader where it can (xlsx-fast.ts),
 * else by exceljs. The zip's directory is checked first (an XLSX, not too big once
 * unpacked); the first sheet is read unless one is named.
 */
export async function readXlsx(bytes: Uint8Array, sheetName?: string): Promise<XlsxTable> {
  checkXlsxZip(bytes);
  return fastXlsxTable(bytes, sheetName) ?? readWithExcelJs(bytes, sheetName);
}

/** The worksheet read by exceljs: every workbook it can open, and the reference the fast reader is tested against. */
export async function readWithExcelJs(bytes: Uint8Array, sheetName?: string): Promise<XlsxTable> {
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

  // Every row with a value, then the header among them (titles above it passed over:
  // HeaderSearch), as the fast reader finds it; the people are the rows after it.
  const read: { readonly cells: string[]; readonly problems: Map<number, string> | undefined; readonly row: number; readonly blank: boolean }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = Array.from({ length: row.cellCount }, (_, c) => row.getCell(c + 1));
    const { cells, problems } = rowTexts(values, (cell) => cellText(cell.value, cell.numFmt));
    read.push({ cells, problems, row: rowNumber, blank: problems === undefined && isBlankRow(cells) });
  });
  const search = new HeaderSearch<(typeof read)[number]>();
  for (const r of read) if (!r.blank && search.offer(r, r.cells, r.problems !== undefined)) break;
  const head = search.header;
  const after = head === undefined ? [] : read.slice(read.indexOf(head) + 1);
  const people = after.filter((r) => !r.blank);
  const cellProblems = new Map<number, Map<number, string>>();
  people.forEach((r, i) => r.problems && cellProblems.set(i, r.problems));
  const table = arrayTable(
    head?.cells ?? [],
    head?.row ?? 1,
    people.map((r) => r.cells),
    people.map((r) => r.row),
    cellProblems,
    after.length - people.length,
  );
  return { ...table, sheets, sheet: ws.name, fast: false };
}
