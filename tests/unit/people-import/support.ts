import { crc32, deflateRawSync } from "node:zlib";
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

/**
 * A zip of the given entries, for files exceljs would not write: each stored, or
 * deflated where asked, with its CRC; a declared size may differ from the data's (a
 * zip bomb's directory), since the importer reads sizes from the directory first.
 */
export function zipOf(entries: readonly { readonly name: string; readonly data?: string | Uint8Array; readonly declaredSize?: number; readonly deflate?: boolean }[]): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.from(e.data ?? "");
    const packed = e.deflate === true ? deflateRawSync(data) : data;
    const method = e.deflate === true ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, packed);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(method, 10);
    dir.writeUInt32LE(crc32(data), 16);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(e.declaredSize ?? data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    offset += 30 + name.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}
