import { AppError } from "../errors/index.ts";
import type { ColumnValue } from "../store/entities.ts";
import type { EntityName } from "../store/index.ts";
import { checkPeople } from "./check.ts";
import { parseCsv } from "./csv.ts";
import { importIds } from "./ids.ts";
import { type WorkerJob, type WorkerMessage } from "./parallel.ts";
import { ProblemList } from "./problems.ts";
import { readSiteView, type SiteReader } from "./site-view.ts";
import { PersonRows } from "./write.ts";
import { fastXlsxTable } from "./xlsx-fast.ts";

/**
 * People per message. Small enough that a message's rows die young on both threads:
 * with 2,048, a message's values lived through young collections and were promoted,
 * and the worker's old generation then needed full collections whose helper threads
 * took the writer's CPU (XLSX of 100,000 people after an idle moment: 1.39-1.41x the
 * raw insert; with 256: 1.31-1.34x; 128 and 512 were no better than 256).
 */
const CHUNK = 256;

/** Thrown out of the row walk when the writer no longer listens. */
const CANCELLED = Symbol("cancelled");

/**
 * The worker's part of a parallel commit: read the file, check every row against the
 * site the writing thread read inside its transaction, and send the good people in
 * chunks as the rows they become (PersonRows, with the ids the writing thread would
 * give them), each chunk saying how many good people come before it; then the
 * problems. Once a problem is found no more people are sent, as nothing will be
 * written.
 */
export function runCheckJob(job: WorkerJob): void {
  const { port, flag, site } = job;
  const post = (m: WorkerMessage) => {
    port.postMessage(m);
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  try {
    const { source } = job;
    const table = source.kind === "csv" ? parseCsv(source.text, source.delimiter) : fastXlsxTable(source.bytes, source.sheet);
    if (table === null) throw new Error("the fast XLSX reader could not read the workbook the writing thread read with it");
    const lists: Record<string, readonly unknown[]> = { user: site.users, tag: site.tags, accessGroup: site.groups };
    const view = readSiteView({ list: (entity: EntityName) => lists[entity] ?? [] } as unknown as SiteReader);
    const problems = new ProblemList();
    const rows = new PersonRows(site.at, view, importIds(site.firstId));
    let values: ColumnValue[] = [];
    let progress = 0;
    let first = 0;
    let next = 0;
    const counts = checkPeople(table, job.mapping, view, problems, {
      onProgress: (f) => (progress = f),
      onPerson: (p) => {
        next++;
        rows.encode(values, p);
        if (next - first === CHUNK) {
          if (Atomics.load(flag, 1) !== 0) throw CANCELLED;
          post({ kind: "people", first, count: CHUNK, values, progress });
          values = [];
          first = next;
        }
      },
    });
    if (next > first && problems.total === 0) post({ kind: "people", first, count: next - first, values, progress });
    post({ kind: "done", rows: counts.rows, problems: problems.listed, problemCount: problems.total });
  } catch (e) {
    if (e === CANCELLED) return;
    if (e instanceof AppError) post({ kind: "refused", code: e.code, message: e.message, details: e.details });
    else post({ kind: "failed", message: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
  } finally {
    port.close();
  }
}
