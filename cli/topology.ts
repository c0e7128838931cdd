import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { z } from "zod";
import { AppError } from "../core/errors/index.ts";
import type { Violation } from "../core/topology/api.ts";
import { MeshPlan, SiteSurvey } from "../core/topology/format.ts";
import { planMesh } from "../core/topology/planner.ts";
import { validatePlan } from "../core/topology/validator.ts";

/**
 * `lintel check` and `lintel plan` (shared/formats/topology.md). Exit codes are part of
 * the format: 0 valid / planned, 1 invalid plan, 2 unreadable input or bad usage,
 * 3 doors that no plan can serve. Reports go to stdout (one line each, so they can be
 * piped); what went wrong with the command itself goes to stderr.
 */

export const TOPOLOGY_USAGE = `  lintel check SITE.json PLAN.json          check a mesh plan against its site survey
  lintel plan SITE.json --out PLAN.json [--time-limit SECONDS]
                                            plan the mesh: IQs, repeaters and a parent for every lock`;

/** Input that cannot be used as given (a missing file, not JSON, not the format): exit 2. */
class InputError extends Error {}

/** Bad arguments to `check` or `plan`: exit 2, with the usage of both. */
class TopologyUsageError extends Error {}

/** A zod issue path as a JSON path: `doors[3].floor`, or `(root)`. */
function jsonPath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const key of path) s += typeof key === "number" ? `[${key}]` : `${s === "" ? "" : "."}${String(key)}`;
  return s === "" ? "(root)" : s;
}

function readJsonFile<T extends z.ZodType>(file: string, schema: T, format: string): z.output<T> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new InputError(`cannot read ${file}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${file}: ${jsonPath(i.path)}: ${i.message}`);
    throw new InputError(`${file} is not a valid ${format} file:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

const violationLines = (violations: readonly Violation[]): string => violations.map((v) => `${v.rule}: ${v.message}\n`).join("");

/** Writes next to the target, then renames: a reader never sees half a plan. */
function writeAtomically(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, text, { encoding: "utf8", flag: "wx" });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new AppError("topology.write_failed", `cannot write ${file}: ${(e as Error).message}`);
  }
}

function runTopology(body: () => Promise<number>): Promise<number> {
  return body().catch((e: unknown) => {
    if (e instanceof InputError) {
      process.stderr.write(`lintel: ${e.message}\n`);
      return 2;
    }
    if (e instanceof TopologyUsageError) {
      process.stderr.write(`lintel: ${e.message}\n\nUsage:\n${TOPOLOGY_USAGE}\n`);
      return 2;
    }
    throw e;
  });
}

/** `lintel check SITE.json PLAN.json`: 0 valid, 1 with every violation listed, 2 unreadable. */
export function checkCommand(args: string[]): Promise<number> {
  return runTopology(async () => {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length !== 2) throw new TopologyUsageError("lintel check needs a site file and a plan file");
    const [siteFile, planFile] = positionals as [string, string];
    const site = readJsonFile(siteFile, SiteSurvey, "lintel-site/1");
    const plan = readJsonFile(planFile, MeshPlan, "lintel-plan/1");
    const violations = validatePlan(site, plan);
    if (violations.length > 0) {
      process.stdout.write(violationLines(violations));
      process.stderr.write(`lintel: ${planFile} is invalid (KS 2204, Iq tree is invalid): ${violations.length} violation${violations.length === 1 ? "" : "s"}\n`);
      return 1;
    }
    process.stdout.write(`valid: ${site.doors.length} doors, ${plan.iqs.length} IQs, ${plan.repeaters.length} repeaters, cost ${plan.cost}\n`);
    return 0;
  });
}

/** `lintel plan SITE.json --out PLAN.json [--time-limit S]`: 0 written, 1 planner bug, 2 bad input, 3 unservable. */
export function planCommand(args: string[]): Promise<number> {
  return runTopology(async () => {
    const { values, positionals } = parseArgs({
      args,
      options: { out: { type: "string" }, "time-limit": { type: "string" } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new TopologyUsageError("lintel plan needs exactly one site file");
    const out = values.out;
    if (out === undefined || out === "") throw new TopologyUsageError("lintel plan needs --out PLAN.json");
    let timeLimitMs: number | undefined;
    if (values["time-limit"] !== undefined) {
      const raw = values["time-limit"];
      const seconds = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new TopologyUsageError(`--time-limit must be a positive number of seconds, not "${raw}"`);
      timeLimitMs = seconds * 1000;
    }
    const siteFile = positionals[0]!;
    const site = readJsonFile(siteFile, SiteSurvey, "lintel-site/1");

    const started = performance.now();
    const result = planMesh(site, timeLimitMs === undefined ? {} : { timeLimitMs });
    const seconds = (performance.now() - started) / 1000;

    if (!result.ok) {
      for (const u of result.unservable) process.stdout.write(`${u.door}: ${u.reason}\n`);
      const n = result.unservable.length;
      process.stderr.write(`lintel: ${n} door${n === 1 ? "" : "s"} cannot be served by any IQ; no plan written\n`);
      return 3;
    }

    // A planner bug must never reach a file: the plan is checked as `lintel check` would.
    const parsed = MeshPlan.safeParse(result.plan);
    const problems = parsed.success
      ? violationLines(validatePlan(site, parsed.data))
      : parsed.error.issues.map((i) => `format: ${jsonPath(i.path)}: ${i.message}\n`).join("");
    if (!parsed.success || problems !== "") {
      process.stdout.write(problems);
      process.stderr.write(`lintel: the planner produced an invalid plan (a bug in Lintel); nothing was written\n`);
      return 1;
    }
    const plan = parsed.data;
    writeAtomically(out, JSON.stringify(plan, null, 2) + "\n");
    process.stdout.write(
      `planned: ${site.doors.length} doors, ${plan.iqs.length} IQs, ${plan.repeaters.length} repeaters, cost ${plan.cost}, in ${seconds.toFixed(2)} s → ${out}\n`,
    );
    return 0;
  });
}
