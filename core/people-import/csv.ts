import { CsvError, parse } from "csv-parse/sync";
import { MAX_ROWS } from "./limits.ts";
import { fileRefused } from "./problems.ts";
import { HeaderSearch, isBlankRow, type Table } from "./table.ts";

import { CSV_DELIMITERS, type CsvDelimiter } from "./limits.ts";

export { CSV_DELIMITERS, type CsvDelimiter };

export interface CsvTable extends Table {
  readonly delimiter: CsvDelimiter;
}

/**
 * The separator, judged by the first non-blank line outside quotes: spreadsheets in
 * decimal-comma locales write `;`, others `,`; tab for pasted tables. The most
 * frequent wins, `,` when the line has none (a single column).
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const start = text.search(/\S/);
  if (start < 0) return ",";
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) break;
    else if (!quoted && counts.has(c as CsvDelimiter)) counts.set(c as CsvDelimiter, counts.get(c as CsvDelimiter)! + 1);
  }
  let best: CsvDelimiter = ",";
  for (const d of CSV_DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Line breaks counted before parsing: more than a header and {@link MAX_ROWS} people's
 * worth is refused without parsing (a quoted field's line breaks count too).
 */
function refuseTooManyLines(text: string): number {
  let breaks = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    if (++breaks > MAX_ROWS + 1) {
      throw fileRefused("import.too_large", `the file has more than ${(MAX_ROWS + 1).toLocaleString("en")} lines (${MAX_ROWS.toLocaleString("en")} people and a header); split it into several imports`, breaks);
    }
  }
  return breaks;
}

/** csv-parse's options: rows of any length, a stray quote inside an unquoted field kept as text. */
export const CSV_PARSE_OPTIONS = (delimiter: CsvDelimiter) => ({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as const;

/** Visits a record with the line it starts on; returning false stops the walk. */
type RecordVisitor = (record: string[], line: number) => boolean | void;

/**
 * Walks the records of a CSV without a single quote character whose line ends are all
 * LF or all CRLF: there, CSV is exactly "lines split at the separator", and splitting
 * is four times faster than csv-parse, which matters at 100,000 people (a property
 * test keeps the two in agreement). Anything else (quotes, mixed or bare-CR line
 * ends): false, and nothing visited.
 */
function walkPlain(text: string, delimiter: CsvDelimiter, visit: RecordVisitor): boolean {
  if (text.includes('"')) return false;
  const cr = countOf(text, "\r");
  let eol = "\n";
  if (cr > 0) {
    if (cr !== countOf(text, "\r\n") || cr !== countOf(text, "\n")) return false;
    eol = "\r\n";
  }
  let line = 1;
  // Each line is cut at the separators directly (a third faster than slicing the line and
  // splitting it); the next separator found past a line's end is kept for the lines to come,
  // so a file with few separators is still searched once.
  let next = text.indexOf(delimiter);
  for (let pos = 0; pos < text.length; line++) {
    let end = text.indexOf(eol, pos);
    if (end < 0) end = text.length;
    const cells: string[] = [];
    let at = pos;
    while (next >= 0 && next < end) {
      cells.push(text.slice(at, next));
      at = next + 1;
      next = text.indexOf(delimiter, at);
    }
    cells.push(text.slice(at, end));
    if (visit(cells, line) === false) break;
    pos = end + eol.length;
  }
  return true;
}

/** The records csv-parse gives for a quote-free file, or undefined where it would not apply (for the agreement test). */
export function splitPlainCsv(text: string, delimiter: CsvDelimiter): string[][] | undefined {
  const out: string[][] = [];
  return walkPlain(text, delimiter, (r) => void out.push(r)) ? out : undefined;
}

const countOf = (text: string, what: string): number => {
  let n = 0;
  for (let i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length)) n++;
  return n;
};

const countNewlines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
};

/** Thrown inside csv-parse's record callback to stop a walk early. */
const STOP = Symbol("stop");

/**
 * Walks a CSV's records with csv-parse (RFC 4180 quoting: a quoted field may hold the
 * separator, doubled quotes and line breaks), one at a time through its record
 * callback so none is kept. csv-parse says where a record ends, and only with its
 * slower `info` option; the start of each is counted here instead: one line per record
 * plus the line breaks inside its quoted fields.
 */
function walkQuoted(text: string, delimiter: CsvDelimiter, visit: RecordVisitor): void {
  let line = 1;
  try {
    parse(text, {
      ...CSV_PARSE_OPTIONS(delimiter),
      on_record: (record: string[]) => {
        const start = line;
        line += 1;
        for (const field of record) if (field.includes("\n")) line += countNewlines(field);
        if (visit(record, start) === false) throw STOP;
        return null;
      },
    });
  } catch (e) {
    if (e === STOP) return;
    if (e instanceof CsvError) {
      const where = (e as CsvError & { lines?: number }).lines ?? null;
      const reason =
        e.code === "CSV_QUOTE_NOT_CLOSED"
          ? 'a quoted field is never closed (a closing " is missing); the file ends inside it'
          : `not a readable CSV file (${e.message})`;
      throw fileRefused("import.format", reason, where);
    }
    throw e;
  }
}

function walkCsv(text: string, delimiter: CsvDelimiter, visit: RecordVisitor): void {
  if (!walkPlain(text, delimiter, visit)) walkQuoted(text, delimiter, visit);
}

/**
 * A CSV's text as a table. The header (the first non-blank record, titles above it
 * passed over: HeaderSearch) is found first; the rows are split only when visited
 * (table.ts). A stray quote inside an unquoted field (`O"Brien`) is kept as text; an
 * unclosed quoted field is refused with its line.
 */
export function parseCsv(text: string, delimiter: CsvDelimiter = detectDelimiter(text)): CsvTable {
  const breaks = refuseTooManyLines(text);
  const search = new HeaderSearch<{ readonly record: string[]; readonly line: number; readonly index: number }>();
  let index = 0;
  walkCsv(text, delimiter, (record, line) => {
    const i = index++;
    return isBlankRow(record) || !search.offer({ record, line, index: i }, record, false);
  });
  const head = search.header;
  const [header, headerLine, headerIndex] = head === undefined ? [undefined, 1, -1] : [head.record, head.line, head.index];
  return {
    header: header ?? [],
    headerLine,
    hasRows: search.hasRows,
    approxRows: Math.max(0, breaks - headerLine + 1),
    delimiter,
    forEachRow(visit) {
      if (headerIndex < 0) return { rows: 0, blankRows: 0 };
      let rows = 0;
      let blankRows = 0;
      let i = 0;
      walkCsv(text, delimiter, (record, line) => {
        if (i++ <= headerIndex) return;
        if (isBlankRow(record)) blankRows++;
        else {
          rows++;
          visit(record, line, undefined);
        }
      });
      return { rows, blankRows };
    },
  };
}
