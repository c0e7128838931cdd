import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";
import type { Table } from "../../../core/people-import/table.ts";

/** The AppError `f` throws (sync or async); fails the test if it throws none. */
export async function refusal(f: () => unknown): Promise<AppError> {
  try {
    await f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("expected a refusal");
}

/** The one problem of a file-level refusal: `{ line, column, reason }`. */
export const onlyProblem = (e: AppError) => (e.details as { rows: { line: number | null; column: string; reason: string }[] }).rows[0]!;

export const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** A fresh site file in a temp folder, with exact time and ids. */
export function tempSite(seed = 1): { readonly store: SiteStore; readonly dir: string; readonly clock: ManualClock; readonly ids: ReturnType<typeof uuidv7Source>; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), "lintel-people-import-"));
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const ids = uuidv7Source(clock, seededRandom(seed));
  const store = SiteStore.create(join(dir, "site.lintel"), { name: "Harbour offices" }, { clock, ids, actor: "dealer" });
  return {
    store,
    dir,
    clock,
    ids,
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row a table visits, with its line and cell issues, and the counts. */
export function rowsOf(table: Table): { rows: (readonly string[])[]; lines: number[]; issues: number; blankRows: number } {
  const rows: (readonly string[])[] = [];
  const lines: number[] = [];
  let issues = 0;
  const counts = table.forEachRow((cells, line, cellIssues) => {
    rows.push(cells);
    lines.push(line);
    issues += cellIssues?.size ?? 0;
  });
  return { rows, lines, issues, blankRows: counts.blankRows };
}
