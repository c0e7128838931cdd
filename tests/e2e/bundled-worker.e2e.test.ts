import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { guessMapping } from "../../core/people-import/mapping.ts";
import { type WorkerJob, type WorkerMessage, type WorkerSource } from "../../core/people-import/parallel.ts";
import { HEADER, peopleCsv, peopleXlsx } from "../bench/import/generator.ts";

/**
 * The desktop app's bundle (out/main, from `npm run build`) carries the people import's
 * check worker as its own entry, found next to the bundle at run time: run it as the
 * app would and check a CSV with it.
 */
describe("the bundled check worker of the people import", () => {
  /** Runs one job on the bundled worker; gives the people it sent and its last message. */
  async function runJob(source: WorkerSource, header: readonly string[]): Promise<{ people: number; last: WorkerMessage }> {
    const script = resolve("out/main/people-import-worker.js");
    expect(existsSync(script)).toBe(true);
    const worker = new Worker(script);
    try {
      const flag = new Int32Array(new SharedArrayBuffer(8));
      const { port1, port2 } = new MessageChannel();
      const job: WorkerJob = { source, mapping: guessMapping(header), site: { at: "2026-01-01T00:00:00.000Z", firstId: "019ac1a0-0000-7000-8000-000000000000", users: [], tags: [], groups: [] }, port: port2, flag };
      worker.postMessage(job, [port2]);
      let people = 0;
      let last: WorkerMessage | undefined;
      while (last === undefined || last.kind === "people") {
        const seen = Atomics.load(flag, 0);
        const m = receiveMessageOnPort(port1)?.message as WorkerMessage | undefined;
        if (m === undefined) {
          expect(Atomics.wait(flag, 0, seen, 20_000)).not.toBe("timed-out");
          continue;
        }
        if (m.kind === "people") {
          people += m.count;
          // Each person's row starts with its id, the import's ids counting up from firstId.
          if (m.first === 0) expect(m.values.slice(0, 2)).toEqual(["019ac1a0-0000-7000-8000-000000000000", expect.stringContaining('"id":"019ac1a0-0000-7000-8000-000000000000"')]);
        }
        last = m;
      }
      return { people, last };
    } finally {
      await worker.terminate();
    }
  }

  it("is built next to the main bundle and checks every row of a CSV", async () => {
    const text = peopleCsv(300);
    const { people, last } = await runJob({ kind: "csv", text, delimiter: "," }, text.split("\r\n")[0]!.split(","));
    expect(last).toMatchObject({ kind: "done", rows: 300, problemCount: 0 });
    expect(people).toBe(300);
  });

  it("reads an XLSX with the fast reader and checks every row", async () => {
    const bytes = new Uint8Array(await peopleXlsx(300));
    const { people, last } = await runJob({ kind: "xlsx", bytes, sheet: "People" }, HEADER);
    expect(last).toMatchObject({ kind: "done", rows: 300, problemCount: 0 });
    expect(people).toBe(300);
  });
});
