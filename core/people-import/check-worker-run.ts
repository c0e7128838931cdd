import { AppError } from "../errors/index.ts";
import type { EntityName } from "../store/index.ts";
import { checkPeople } from "./check.ts";
import { parseCsv } from "./csv.ts";
import { PERSON_VALUES, pushPerson, type WorkerJob, type WorkerMessage } from "./parallel.ts";
import { ProblemList } from "./problems.ts";
import { readSiteView, type SiteReader } from "./site-view.ts";
import { userJson } from "./write.ts";

/** People per message: few messages, and the writer is never far behind. */
const CHUNK = 2048;

/** Thrown out of the row walk when the writer no longer listens. */
const CANCELLED = Symbol("cancelled");

/**
 * The worker's part of a parallel commit: split the CSV, check every row against the
 * site the writing thread read inside its transaction, and send the good people in
 * chunks with their user JSON built (all but the id), each chunk saying how many good
 * people come before it; then the problems. Once a problem is found no more people are
 * sent, as nothing will be written.
 */
export function runCheckJob(job: WorkerJob): void {
  const { port, flag, site } = job;
  const post = (m: WorkerMessage) => {
    port.postMessage(m);
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  try {
    const table = parseCsv(job.text, job.delimiter);
    const lists: Record<string, readonly unknown[]> = { user: site.users, tag: site.tags, accessGroup: site.groups };
    const view = readSiteView({ list: (entity: EntityName) => lists[entity] ?? [] } as unknown as SiteReader);
    const problems = new ProblemList();
    const json = userJson(site.at);
    let values: (string | null)[] = [];
    let progress = 0;
    let first = 0;
    let next = 0;
    const counts = checkPeople(table, job.mapping, view, problems, {
      onProgress: (f) => (progress = f),
      onPerson: (p) => {
        next++;
        pushPerson(values, json, p);
        if (values.length >= CHUNK * PERSON_VALUES) {
          if (Atomics.load(flag, 1) !== 0) throw CANCELLED;
          post({ kind: "people", first, values, progress });
          values = [];
          first = next;
        }
      },
    });
    if (values.length > 0 && problems.total === 0) post({ kind: "people", first, values, progress });
    post({ kind: "done", rows: counts.rows, problems: problems.listed, problemCount: problems.total });
  } catch (e) {
    if (e === CANCELLED) return;
    if (e instanceof AppError) post({ kind: "refused", code: e.code, message: e.message, details: e.details });
    else post({ kind: "failed", message: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
  } finally {
    port.close();
  }
}
