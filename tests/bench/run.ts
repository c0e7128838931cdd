import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { toLine, type BenchArea, type Measurement } from "./result.ts";

/**
 * `npm run bench -- AREA [ARGS...]`: runs one benchmark area and prints its results as
 * JSON lines on stdout (shared/formats/bench.md). An area is any folder here with a
 * `bench.ts` exporting `run(ctx)`, so new areas register themselves by existing.
 * Stdout carries the JSON lines only: console output of the code under test is sent
 * to stderr with the progress.
 */

const here = dirname(fileURLToPath(import.meta.url));

export function listAreas(): string[] {
  return readdirSync(here, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(here, e.name, "bench.ts")))
    .map((e) => e.name)
    .sort();
}

async function main(argv: readonly string[]): Promise<number> {
  const areas = listAreas();
  const [area, ...args] = argv;
  if (area === undefined || !areas.includes(area)) {
    process.stderr.write(`${area === undefined ? "bench: name an area" : `bench: unknown area '${area}'`}\nusage: npm run bench -- AREA [ARGS...]\nareas: ${areas.join(", ")}\n`);
    return 2;
  }
  const out = process.stdout.write.bind(process.stdout);
  const toStderr = (...parts: unknown[]) => void process.stderr.write(`${parts.map(String).join(" ")}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  const mod = (await import(pathToFileURL(join(here, area, "bench.ts")).href)) as Partial<BenchArea>;
  if (typeof mod.run !== "function") {
    process.stderr.write(`bench: ${area}/bench.ts does not export run(ctx)\n`);
    return 2;
  }
  const started = performance.now();
  await mod.run({
    emit: (m: Measurement) => void out(`${JSON.stringify(toLine(area, m))}\n`),
    log: (message: string) => void process.stderr.write(`[${area}] ${message}\n`),
    args,
  });
  process.stderr.write(`[${area}] done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
