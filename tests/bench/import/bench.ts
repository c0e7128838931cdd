import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Output } from "../../../core/api/contract.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import { commitPeople, readPeopleFile } from "../../../core/people-import/index.ts";
import { systemClock } from "../../../core/ports/clock.ts";
import { uuidv7Source } from "../../../core/ports/ids.ts";
import { BLOCK_ROWS } from "../../../core/store/bulk-insert.ts";
import { openReadWrite } from "../../../core/store/database.ts";
import { collectGarbage, median, type BenchContext } from "../result.ts";
import { peopleCsv, peopleXlsx } from "./generator.ts";

/**
 * `npm run bench -- import [PEOPLE]`: bulk import of people with one tag each, against
 * a raw better-sqlite3 insert of the same rows in the same run (issue 5: budget 1.5×).
 *
 * - Baseline: the user and tag rows an import wrote (documents, search keys, tag
 *   numbers) inserted into an identical fresh site file with two prepared statements
 *   in one transaction, on a connection with the store's own settings (WAL,
 *   synchronous=NORMAL, foreign keys): no parsing, no checks, no journal.
 * - Import: `import.commit` through the router with a path, as the CLI and Electron
 *   call it: read, decode, parse, map, check every row against the site, write and
 *   journal, in one action.
 * - Commit only: the same, from a file already read and decoded (its rows are split
 *   as they are checked, so this is split + check + write; `import.read_ms` is the rest).
 * - Batched: the baseline's rows in statements of BLOCK_ROWS rows, as the store's bulk
 *   insert writes them (`import.raw_batched_ms`, its baseline the per-row insert), so
 *   the note can say how much of the import's margin comes from batching.
 * Timed in adjacent pairs (raw insert, import), the order alternating between pairs
 * so drift hits both alike; each pair's ratio is import / raw, and the figure is the
 * median of PAIRS such ratios, with the lowest and highest beside it (the spread says
 * how far one run can be trusted on this machine). Before each timed run the heap is
 * collected, and each run's site file is deleted after it, so no run pays for the
 * garbage or the unwritten pages of the one before; each import starts after the app
 * has been idle for a moment, as a person's does. CPU time (user + system) is
 * reported besides wall time; it counts the check worker's thread too.
 * - XLSX: the same people as a workbook (exceljs writes it), imported the same way,
 *   in PAIRS pairs with the raw insert: read by the fast reader (xlsx-fast.ts) and
 *   checked on the worker as a CSV is.
 *
 * The app is made as the CLI makes it (its own clock, ids and randomness).
 */

/** Timed pairs of (raw insert, import) of 100,000 people. */
const PAIRS = 7;
/** Runs of the commit-only measurement. */
const RUNS = 3;
const DEFAULT_PEOPLE = 100_000;
/** Idle time before each timed import. */
const IDLE_BEFORE_IMPORT_MS = 1500;
const BUDGET = 1.5;

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

async function timed(f: () => unknown): Promise<Timing> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const t = performance.now();
  await f();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

type RawRow = unknown[];

export async function run(ctx: BenchContext): Promise<void> {
  const people = Number(ctx.args[0] ?? DEFAULT_PEOPLE);
  if (!Number.isInteger(people) || people < 1) throw new Error(`import bench: "${ctx.args[0]}" is not a number of people`);
  const instance = `csv-${people}`;
  const tmp = mkdtempSync(join(tmpdir(), "lintel-bench-import-"));
  const app = createLintelApp({ dataDir: tmp, transport: "cli", tagReaders: { usb: "off", simulated: false } });
  const cli = { transport: "cli", actor: "bench" } as const;
  const call = <T>(name: string, input: unknown) => app.router.call(name, input, cli) as Promise<T>;
  const newSite = async (name: string) => (await call<Output<"sites.create">>("sites.create", { name })).siteId;
  try {
    const csvPath = join(tmp, "people.csv");
    writeFileSync(csvPath, peopleCsv(people));
    const xlsxPath = join(tmp, "people.xlsx");
    writeFileSync(xlsxPath, await peopleXlsx(people));
    ctx.log(`${people} people: CSV of ${(peopleCsv(people).length / 1e6).toFixed(1)} MB; XLSX of the same people`);

    // The rows the baseline inserts: exactly those an import writes.
    const refSite = await newSite("Reference");
    await call("import.commit", { siteId: refSite, source: { kind: "path", path: csvPath }, mapping: {} });
    const { users, tags } = rowsOf(app, refSite);
    await call("sites.close", { siteId: refSite });

    // Warm-up: both paths once, small.
    const warm = join(tmp, "warm.csv");
    writeFileSync(warm, peopleCsv(Math.min(people, 10_000)));
    await call("import.commit", { siteId: await newSite("Warm-up"), source: { kind: "path", path: warm }, mapping: {} });
    await rawInsert(app, await newSite("Warm-up raw"), users.slice(0, 10_000), tags.slice(0, 10_000), call);

    // One site per run, its file (and WAL) deleted once it is timed.
    const deleteFile = (path: string) => {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
    };
    const closeAndDelete = async (siteId: string) => {
      const { path } = app.workspace.get(siteId);
      await call("sites.close", { siteId });
      deleteFile(path);
    };
    const runRaw = async (i: number, block = 1) => {
      const siteId = await newSite(`Raw ${i}`);
      const { path } = app.workspace.get(siteId);
      const t = await rawInsert(app, siteId, users, tags, call, block); // closes the site itself
      deleteFile(path);
      return t;
    };
    const runImport = async (i: number, path = csvPath) => {
      const siteId = await newSite(`Import ${i}`);
      // As a person imports: after the app has been idle (an import right after another
      // ran 4-6 % faster, its check worker still warm).
      await new Promise((resolve) => setTimeout(resolve, IDLE_BEFORE_IMPORT_MS));
      const t = await timed(() => call("import.commit", { siteId, source: { kind: "path", path }, mapping: {} }));
      await closeAndDelete(siteId);
      return t;
    };
    const raw: Timing[] = [];
    const full: Timing[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        raw.push(await runRaw(i));
        full.push(await runImport(i));
      } else {
        full.push(await runImport(i));
        raw.push(await runRaw(i));
      }
      ratios.push(full[i]!.ms / raw[i]!.ms);
      ctx.log(`pair ${i + 1}: raw ${raw[i]!.ms.toFixed(0)} ms, import ${full[i]!.ms.toFixed(0)} ms: ${ratios[i]!.toFixed(2)}x`);
    }

    // The import's parts: reading the file, then split + check + write from the file read.
    const ids = uuidv7Source(systemClock, () => randomBytes(16));
    const commitOnly: Timing[] = [];
    const read: Timing[] = [];
    for (let i = 0; i < RUNS; i++) {
      const siteId = await newSite(`Commit ${i}`);
      const store = app.workspace.get(siteId);
      let file: Awaited<ReturnType<typeof readPeopleFile>> | undefined;
      read.push(await timed(async () => (file = await readPeopleFile({ source: { kind: "path", path: csvPath } }))));
      commitOnly.push(await timed(() => commitPeople(store, file!, { ids })));
      await closeAndDelete(siteId);
    }
    // The import writes by blocks of BLOCK_ROWS rows per statement, not one row per
    // statement as the baseline does: how much of the margin that is, in pairs.
    const perRow: Timing[] = [];
    const batched: Timing[] = [];
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        perRow.push(await runRaw(200 + i));
        batched.push(await runRaw(200 + i, BLOCK_ROWS));
      } else {
        batched.push(await runRaw(200 + i, BLOCK_ROWS));
        perRow.push(await runRaw(200 + i));
      }
    }
    const med = (ts: readonly Timing[], k: keyof Timing) => Math.round(median(ts.map((t) => t[k])));
    const rawMs = med(raw, "ms");
    const fullMs = med(full, "ms");
    const ratio = median(ratios);
    ctx.log(`import / raw per pair: median ${ratio.toFixed(2)}x, from ${Math.min(...ratios).toFixed(2)}x to ${Math.max(...ratios).toFixed(2)}x over ${PAIRS} pairs`);
    ctx.emit({ metric: "import.users_seconds", value: fullMs / 1000, unit: "s", instance, baseline: rawMs / 1000 });
    ctx.emit({ metric: "import.users_100k_ms", value: fullMs, unit: "ms", instance, baseline: rawMs });
    ctx.emit({ metric: "import.raw_insert_ms", value: rawMs, unit: "ms", instance });
    ctx.emit({ metric: "import.ratio", value: round(ratio), unit: "x", instance });
    ctx.emit({ metric: "import.ratio_min", value: round(Math.min(...ratios)), unit: "x", instance });
    ctx.emit({ metric: "import.ratio_max", value: round(Math.max(...ratios)), unit: "x", instance });
    ctx.emit({ metric: "import.pairs_within_budget", value: ratios.filter((r) => r <= BUDGET).length, unit: "count", instance, baseline: PAIRS });
    ctx.emit({ metric: "import.within_budget", value: ratio <= BUDGET ? 1 : 0, unit: "bool", instance });
    ctx.emit({ metric: "import.read_ms", value: med(read, "ms"), unit: "ms", instance });
    ctx.emit({ metric: "import.check_write_ms", value: med(commitOnly, "ms"), unit: "ms", instance, baseline: rawMs });
    ctx.emit({ metric: "import.cpu_ms", value: med(full, "cpuMs"), unit: "ms", instance, baseline: med(raw, "cpuMs") });
    ctx.emit({ metric: "import.raw_batched_ms", value: med(batched, "ms"), unit: "ms", instance, baseline: med(perRow, "ms") });
    ctx.log(`raw insert by blocks of ${BLOCK_ROWS} rows: ${med(batched, "ms")} ms against ${med(perRow, "ms")} ms one row per statement; the import against it: ${(fullMs / med(batched, "ms")).toFixed(2)}x`);

    // XLSX: the same people as a workbook, through the router, in pairs with the raw insert.
    const xRatios: number[] = [];
    const xFull: Timing[] = [];
    for (let i = 0; i < PAIRS; i++) {
      let r: Timing;
      if (i % 2 === 0) {
        r = await runRaw(100 + i);
        xFull.push(await runImport(100 + i, xlsxPath));
      } else {
        xFull.push(await runImport(100 + i, xlsxPath));
        r = await runRaw(100 + i);
      }
      xRatios.push(xFull[i]!.ms / r.ms);
      ctx.log(`xlsx pair ${i + 1}: raw ${r.ms.toFixed(0)} ms, import ${xFull[i]!.ms.toFixed(0)} ms: ${xRatios[i]!.toFixed(2)}x`);
    }
    const xInstance = `xlsx-${people}`;
    ctx.emit({ metric: "import.xlsx_users_seconds", value: med(xFull, "ms") / 1000, unit: "s", instance: xInstance });
    ctx.emit({ metric: "import.xlsx_ratio", value: round(median(xRatios)), unit: "x", instance: xInstance });
    ctx.emit({ metric: "import.xlsx_ratio_min", value: round(Math.min(...xRatios)), unit: "x", instance: xInstance });
    ctx.emit({ metric: "import.xlsx_ratio_max", value: round(Math.max(...xRatios)), unit: "x", instance: xInstance });
    ctx.emit({ metric: "import.xlsx_pairs_within_budget", value: xRatios.filter((x) => x <= BUDGET).length, unit: "count", instance: xInstance, baseline: PAIRS });
  } finally {
    app.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** The user and tag rows of a site, column by column, as the baseline inserts them. */
function rowsOf(app: LintelApp, siteId: string): { users: RawRow[]; tags: RawRow[] } {
  const db = openReadWrite(app.workspace.get(siteId).path, { mustExist: true });
  try {
    return {
      users: db.prepare("SELECT id, data, first_key, last_key, email_key FROM users ORDER BY id").raw().all() as RawRow[],
      tags: db.prepare("SELECT id, data, number, user_id FROM tags ORDER BY id").raw().all() as RawRow[],
    };
  } finally {
    db.close();
  }
}

/**
 * The baseline: a fresh site file (closed by the app), two prepared statements, one
 * transaction, one row per statement — or, with `block`, that many rows per statement
 * (as the store's bulk insert writes them), the rest one by one.
 */
async function rawInsert(
  app: LintelApp,
  siteId: string,
  users: readonly RawRow[],
  tags: readonly RawRow[],
  call: (name: string, input: unknown) => Promise<unknown>,
  block = 1,
): Promise<Timing> {
  const path = app.workspace.get(siteId).path;
  await call("sites.close", { siteId });
  const db = openReadWrite(path, { mustExist: true });
  try {
    const statement = (table: string, cols: string, rows: number) => db.prepare(`INSERT INTO ${table} (${cols}) VALUES ${Array.from({ length: rows }, () => `(${cols.replace(/\w+/g, "?")})`).join(", ")}`);
    // Blocks' values are laid out before the clock starts: the baseline times SQLite alone.
    const blocksOf = (rows: readonly RawRow[]) => (block > 1 ? Array.from({ length: Math.floor(rows.length / block) }, (_, b) => rows.slice(b * block, (b + 1) * block).flat()) : []);
    const work = { users: blocksOf(users), tags: blocksOf(tags) };
    const insertAll = (table: string, cols: string, rows: readonly RawRow[], blocks: readonly unknown[][]) => {
      const one = statement(table, cols, 1);
      if (blocks.length > 0) {
        const many = statement(table, cols, block);
        for (const b of blocks) many.run(b);
      }
      for (let r = blocks.length * block; r < rows.length; r++) one.run(rows[r]);
    };
    return await timed(() =>
      db
        .transaction(() => {
          insertAll("users", "id, data, first_key, last_key, email_key", users, work.users);
          insertAll("tags", "id, data, number, user_id", tags, work.tags);
        })
        .immediate(),
    );
  } finally {
    db.close();
  }
}
