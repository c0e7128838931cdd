import { parentPort } from "node:worker_threads";
import type { WorkerJob } from "./parallel.ts";

/**
 * The check worker's entry (see parallel.ts): one job per message, for as long as the
 * process lives. Its only static import is Node's, so a module that fails to load is
 * answered to each job as a failure rather than a silent death.
 */
const failed = (job: WorkerJob, e: unknown) => {
  job.port.postMessage({ kind: "failed", message: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
  Atomics.add(job.flag, 0, 1);
  Atomics.notify(job.flag, 0);
};
const loaded = import("./check-worker-run.ts");
parentPort?.on("message", (job: WorkerJob) => {
  loaded.then(({ runCheckJob }) => runCheckJob(job)).catch((e: unknown) => failed(job, e));
});
