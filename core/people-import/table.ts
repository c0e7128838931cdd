/**
 * A file as rows of text cells, whatever it came from (CSV or a sheet of an XLSX):
 * the header row, then the people, each with the line (CSV) or row number (XLSX) a
 * person finds it on in their editor. Blank rows are counted and skipped.
 *
 * Rows are visited rather than held: a CSV of 100,000 people is split line by line as
 * the checks reach it, so its rows die young instead of filling the heap (holding
 * them all made the garbage collector the import's largest cost after SQLite).
 */
export interface Table {
  /** The header's cells; empty when the file has no non-blank row at all. */
  readonly header: readonly string[];
  /** Line (row) of the header; the first line when the file is empty. */
  readonly headerLine: number;
  /** Whether any non-blank row follows the header. */
  readonly hasRows: boolean;
  /** About how many rows follow the header (a CSV's line breaks): for progress. */
  readonly approxRows: number;
  /** Visits the non-blank rows after the header, in order; says how many there were, and how many blank. */
  forEachRow(visit: RowVisitor): RowCounts;
}

/**
 * One row: its cells, the line (row) it starts on, and the cells a spreadsheet holds no
 * usable text for (a formula with no saved result, an error value, a date) by column
 * index, with the reason; reported only for the columns the import uses.
 */
export type RowVisitor = (cells: readonly string[], line: number, issues: ReadonlyMap<number, string> | undefined) => void;

export interface RowCounts {
  readonly rows: number;
  readonly blankRows: number;
}

/** A row of nothing but blank cells: skipped, as spreadsheets leave them between blocks. */
export function isBlankRow(cells: readonly string[]): boolean {
  for (const c of cells) if (c.trim() !== "") return false;
  return true;
}

/** A table over rows already in memory (a worksheet, which exceljs reads whole anyway). */
export function arrayTable(
  header: readonly string[],
  headerLine: number,
  rows: readonly (readonly string[])[],
  lines: readonly number[],
  cellProblems: ReadonlyMap<number, ReadonlyMap<number, string>>,
  blankRows: number,
): Table {
  return {
    header,
    headerLine,
    hasRows: rows.length > 0,
    approxRows: rows.length,
    forEachRow(visit) {
      for (let r = 0; r < rows.length; r++) visit(rows[r]!, lines[r]!, cellProblems.get(r));
      return { rows: rows.length, blankRows };
    },
  };
}
