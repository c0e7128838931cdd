import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { AccessGroup, Tag, User } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";
import type { ColumnValue } from "../store/entities.ts";
import type { CsvDelimiter } from "./csv.ts";
import type { PeopleMapping } from "./mapping.ts";
import { type ImportProblem } from "./problems.ts";

/**
 * A commit on two threads (issue 5's budget): a worker reads the file again (a CSV's
 * text, or an XLSX the fast reader knows), checks it and makes each person's rows,
 * ids included (PersonRows, importIds), while this thread, inside the commit's one
 * transaction, writes the rows it has been sent so far. All-or-nothing still holds:
 * the worker reports every problem at the end, and any problem throws inside the
 * transaction, which rolls everything back.
 *
 * The commit is synchronous (it runs inside `store.act`), so this thread receives with
 * `receiveMessageOnPort` and sleeps on a shared counter (`Atomics.wait`) the worker
 * bumps after each message.
 *
 * This thread checks and writes on its own until the worker has caught up with it, then
 * takes the rest from the worker, so a worker that is slow to start costs nothing.
 *
 * Where the worker runs: from TypeScript sources (vitest, `lintel serve` and the CLI
 * under tsx) it is check-worker.ts loaded with tsx; from a bundle, a
 * `people-import-worker.js` next to the bundle, if the build made one. Where there is
 * none, or it cannot start, `startCheckJob` gives null and the commit checks on its
 * own thread. A worker that fails before the hand-over is dropped and this thread goes
 * on alone; one that fails after it throws, and the transaction rolls back. The worker is started once per process
 * and kept (see `shared`).
 */

/** Rows below which a worker's start-up costs more than it saves. */
export const PARALLEL_MIN_ROWS = 5000;
/** How long a silent worker is waited for before the commit gives up. */
const SILENCE_MS = 60_000;

/** The file as the worker reads it again: a CSV's decoded text, or the bytes of an XLSX the fast reader reads. */
export type WorkerSource =
  | { readonly kind: "csv"; readonly text: string; readonly delimiter: CsvDelimiter }
  | { readonly kind: "xlsx"; readonly bytes: Uint8Array; readonly sheet: string };

/** One commit's work for the worker. */
export interface WorkerJob {
  readonly source: WorkerSource;
  readonly mapping: PeopleMapping;
  readonly site: WorkerSite;
  /** Where the worker answers. */
  readonly port: MessagePort;
  /** [0]: bumped after each answer; [1]: set when the writer stops listening. */
  readonly flag: Int32Array;
}

/** The site as the worker checks against it: read inside the transaction, sent once. */
export interface WorkerSite {
  readonly at: string;
  /** The import's first id, from which every id is derived (importIds). */
  readonly firstId: string;
  readonly users: readonly User[];
  readonly tags: readonly Tag[];
  readonly groups: readonly AccessGroup[];
}

export type WorkerMessage =
  /**
   * `count` people as PersonRows encodes them (write.ts), their ids from
   * `importIds(site.firstId)`; `first`: how many good people of the file come before.
   */
  | { readonly kind: "people"; readonly first: number; readonly count: number; readonly values: readonly ColumnValue[]; readonly progress: number }
  | { readonly kind: "done"; readonly rows: number; readonly problems: readonly ImportProblem[]; readonly problemCount: number }
  | { readonly kind: "refused"; readonly code: string; readonly message: string; readonly details: unknown }
  | { readonly kind: "failed"; readonly message: string };

export interface CheckJob {
  /** The next message if there is one, without waiting. */
  poll(): WorkerMessage | undefined;
  /** The next message, waiting for it. */
  next(): WorkerMessage;
  /** Stops listening (the worker drops the job at its next chunk). */
  close(): void;
}

/**
 * The worker, started on first use and kept (unreferenced, so it never keeps the process
 * alive): its start-up (loading the checks and the domain's schemas) is paid once, not
 * per import. False once it could not be started.
 */
let shared: Worker | false | undefined;

function sharedWorker(): Worker | null {
  if (shared === undefined) {
    const script = workerScript();
    try {
      shared = script === null ? false : new Worker(script.source, { eval: script.eval });
    } catch {
      shared = false;
    }
    if (shared !== false) {
      shared.unref();
      // A failure is answered to each job; this only keeps an uncaught one from crashing the process.
      shared.on("error", () => undefined);
      shared.on("exit", () => (shared = undefined));
    }
  }
  return shared === false ? null : shared;
}

/** Gives the worker a file to check against `site`, or null where no worker can run. */
export function startCheckJob(source: WorkerSource, mapping: PeopleMapping, site: WorkerSite): CheckJob | null {
  const worker = sharedWorker();
  if (worker === null) return null;
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const job: WorkerJob = { source, mapping, site, port: port2, flag };
  worker.postMessage(job, [port2]);
  return {
    poll: () => receiveMessageOnPort(port1)?.message as WorkerMessage | undefined,
    next() {
      for (;;) {
        const seen = Atomics.load(flag, 0);
        const got = receiveMessageOnPort(port1);
        if (got !== undefined) return got.message as WorkerMessage;
        if (Atomics.wait(flag, 0, seen, SILENCE_MS) === "timed-out" && Atomics.load(flag, 0) === seen) {
          return { kind: "failed", message: `the check worker said nothing for ${SILENCE_MS / 1000} s` };
        }
      }
    },
    close() {
      Atomics.store(flag, 1, 1);
      port1.close();
    },
  };
}

/**
 * The worker's script, or null where there is none. From sources it is loaded through
 * a bootstrap that registers tsx's loader in the worker first (Node 20 does not pass
 * `--import tsx` on to a worker's module loader).
 */
function workerScript(): { readonly source: string | URL; readonly eval: boolean } | null {
  const here = import.meta.url;
  if (!here.startsWith("file:")) return null;
  // Names built at run time, so a bundler leaves them alone.
  if (!here.endsWith(".ts")) {
    const url = new URL(["./people-import-worker", "js"].join("."), here);
    return existsSync(fileURLToPath(url)) ? { source: url, eval: false } : null;
  }
  const url = new URL(["./check-worker", "ts"].join("."), here);
  let tsx: string;
  try {
    tsx = createRequire(here).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs");
  } catch {
    return null;
  }
  if (!existsSync(tsx) || !existsSync(fileURLToPath(url))) return null;
  const source = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return { source, eval: true };
}

export const refusalOf = (m: Extract<WorkerMessage, { kind: "refused" }>) => new AppError(m.code, m.message, m.details);
