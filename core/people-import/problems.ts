import { AppError } from "../errors/index.ts";
import type { ImportProblem } from "../plans/import.ts";
import { MAX_LISTED_PROBLEMS } from "./limits.ts";

export type { ImportProblem } from "../plans/import.ts";

/**
 * The problems of one file: the first {@link MAX_LISTED_PROBLEMS} kept in full, the
 * rest only counted, so a file where every one of 100,000 rows is wrong does not build
 * 100,000 objects for a screen that shows a few.
 */
export class ProblemList {
  readonly listed: ImportProblem[] = [];
  total = 0;

  add(line: number | null, column: string, reason: string): void {
    this.total++;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push({ line, column, reason });
  }
}

/** How many problems the error message itself names. */
const PROBLEMS_IN_MESSAGE = 5;

/**
 * Nothing was imported: the refusal names the first few problems in its message and
 * carries the first {@link MAX_LISTED_PROBLEMS} with the total in its details.
 */
export function importRefused(problems: ProblemList, code = "import.invalid"): AppError {
  const shown = problems.listed
    .slice(0, PROBLEMS_IN_MESSAGE)
    .map((p) => `${p.line === null ? "" : `line ${p.line}, `}${p.column || "file"}: ${p.reason}`)
    .join("; ");
  const more = problems.total > PROBLEMS_IN_MESSAGE ? `; and ${problems.total - PROBLEMS_IN_MESSAGE} more` : "";
  const what = problems.total === 1 ? "1 problem" : `${problems.total} problems`;
  return new AppError(code, `Nothing was imported: the file has ${what} (${shown}${more}).`, { rows: problems.listed, total: problems.total });
}

/** A refusal of the whole file (its size, encoding or format), in the same shape as row problems. */
export function fileRefused(code: string, reason: string, line: number | null = null, column = ""): AppError {
  const list = new ProblemList();
  list.add(line, column, reason);
  return importRefused(list, code);
}
