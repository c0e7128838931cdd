import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * The shape every bench area writes (shared/formats/bench.md): one JSON object per line
 * on stdout, with all seven keys in a fixed order so that other tools can diff runs.
 */

export interface BenchLine {
  readonly area: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly instance: string | null;
  readonly baseline: number | null;
  readonly ratio: number | null;
}

export interface Measurement {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly instance?: string;
  /** The baseline's value measured in the same run; `ratio` is then value / baseline. */
  readonly baseline?: number;
}

export interface BenchContext {
  /** Writes one line to stdout (the only thing an area may write there). */
  emit(m: Measurement): void;
  /** Progress for a person: goes to stderr. */
  log(message: string): void;
  /** Arguments after the area name (e.g. instance names to run only those). */
  readonly args: readonly string[];
}

/** What `tests/bench/AREA/bench.ts` exports so that `npm run bench -- AREA` finds it. */
export interface BenchArea {
  run(ctx: BenchContext): Promise<void>;
}

export function toLine(area: string, m: Measurement): BenchLine {
  const baseline = m.baseline ?? null;
  const ratio = baseline === null || baseline === 0 || !Number.isFinite(m.value) ? null : m.value / baseline;
  return { area, metric: m.metric, value: m.value, unit: m.unit, instance: m.instance ?? null, baseline, ratio };
}

/** Median of the values (timings are medians of several runs, per the bench format). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * A full garbage collection now, so that one timed run does not pay for the garbage of
 * the one before (V8's collector runs on helper threads that compete for the same
 * cores). Node hides `gc` unless started with --expose-gc; the flag can be set at run
 * time, and a fresh context then has the function.
 */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
