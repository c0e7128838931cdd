import { spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface KillPlan {
  /** The child script (TypeScript, run with tsx from the repository root) and its arguments. */
  readonly script: string;
  readonly args: readonly string[];
  /** The stdout line prefix that marks progress ("commit ", "push "). */
  readonly marker: string;
  /** SIGKILL `delayMs` after the child has printed this many marker lines (never, if it ends first). */
  readonly after: number;
  readonly delayMs: number;
  /** Fails the run if the child has not ended by then (killed or not). */
  readonly watchdogMs: number;
}

export interface ChildRun {
  /** The child's non-empty stdout lines. */
  readonly lines: readonly string[];
  /** How many of them start with the marker. */
  readonly marked: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs a child until it has reported `after` units of progress, waits `delayMs`, then
 * SIGKILLs it: the crash-safety tests' harness. The caller judges how the child ended.
 */
export function runAndKill(plan: KillPlan): Promise<ChildRun> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", plan.script, ...plan.args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killing = false;
    const lines = () => out.split("\n").filter((l) => l.length > 0);
    const marked = () => lines().filter((l) => l.startsWith(plan.marker)).length;
    const watchdog = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`child made no progress: ${err}`));
    }, plan.watchdogMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (!killing && marked() >= plan.after) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), plan.delayMs);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      ok({ lines: lines(), marked: marked(), code, signal, stderr: err });
    });
  });
}
