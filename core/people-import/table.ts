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

/**
 * Rows that read as titles (see `isTitleRow`) passed over above a header: a company's
 * name and a list's name are the most seen. A file whose first rows are all titles
 * this far has one column, and its first non-blank row is its header after all.
 */
export const TITLE_ROWS = 3;

/** A row of one text, once or repeated (a title merged across the columns, "Staff 2026"): not a header where a header follows. */
export function isTitleRow(cells: readonly string[]): boolean {
  let text: string | undefined;
  for (const c of cells) {
    const t = c.trim();
    if (t === "") continue;
    if (text === undefined) text = t;
    else if (t !== text) return false;
  }
  return text !== undefined;
}

/**
 * Finds a file's header among its first non-blank rows, offered in order: the first
 * that is not a title (`isTitleRow`), or, after more than {@link TITLE_ROWS} titles or
 * at the file's end, the first of them; and whether people follow it. `R` is whatever
 * the reader needs to know the row again (its line, its index). A row with a problem
 * cell is never a title.
 */
export class HeaderSearch<R> {
  private first: R | undefined;
  private titles = 0;
  private found: R | undefined;
  private rows = 0;
  private rowsAfter = false;

  /** Offers the next non-blank row; true once the header is known and a row after it seen: the search is over. */
  offer(row: R, cells: readonly string[], hasProblems: boolean): boolean {
    this.rows++;
    if (this.found === undefined) {
      this.first ??= row;
      if (hasProblems || !isTitleRow(cells)) this.found = row;
      else if (++this.titles > TITLE_ROWS) this.found = this.first;
      // Found after titles, the header is the first row: this one follows it.
      this.rowsAfter = this.found !== undefined && this.found !== row;
    } else this.rowsAfter = true;
    return this.rowsAfter;
  }

  /** The header's row: the one found, or at the file's end the first non-blank row (undefined for a blank file). */
  get header(): R | undefined {
    return this.found ?? this.first;
  }

  /** Whether non-blank rows follow the header (at the file's end with titles only: any row but the first). */
  get hasRows(): boolean {
    return this.rowsAfter || (this.found === undefined && this.rows > 1);
  }
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
