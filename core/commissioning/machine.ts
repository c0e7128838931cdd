import { AppError, KsError, adviceFor, ksRow } from "../errors/index.ts";
import { COMMISSIONING_STEPS, type CommissioningJob, type CommissioningStep, type JobError, type WaitingFor } from "./records.ts";

/**
 * The flow as pure functions from one job document to the next: the runner performs
 * a step's I/O, then stores exactly one of these results in one action. Nothing here
 * reads a clock or a radio.
 */

export function stepIndex(step: CommissioningStep): number {
  return COMMISSIONING_STEPS.indexOf(step);
}

export function nextStep(step: CommissioningStep): CommissioningStep {
  return COMMISSIONING_STEPS[Math.min(stepIndex(step) + 1, COMMISSIONING_STEPS.length - 1)]!;
}

/** The step succeeded: on to the next one, with its attempts and error cleared. */
export function advance(job: CommissioningJob, at: string, patch: Partial<CommissioningJob> = {}): CommissioningJob {
  const step = nextStep(job.step);
  const done = step === "done";
  return {
    ...job,
    ...patch,
    step,
    status: done ? "done" : "ready",
    waitingFor: null,
    attempts: 0,
    lastError: null,
    completed: [...job.completed.filter((c) => c.step !== job.step), { step: job.step, at, attempts: job.attempts + 1 }],
    finishedAt: done ? at : null,
    updatedAt: at,
  };
}

/** The step failed: it stays current, one more failed attempt, and why. */
export function fail(job: CommissioningJob, error: JobError, patch: Partial<CommissioningJob> = {}): CommissioningJob {
  return { ...job, ...patch, status: "failed", waitingFor: null, attempts: job.attempts + 1, lastError: error, updatedAt: error.at };
}

/** The step cannot run until the installer gives something (a code, a network, Device IDs). */
export function waitFor(job: CommissioningJob, what: WaitingFor, at: string, patch: Partial<CommissioningJob> = {}): CommissioningJob {
  return { ...job, ...patch, status: "needs-input", waitingFor: what, updatedAt: at };
}

/** Input arrived (or the installer asked to retry): the current step may run again. */
export function ready(job: CommissioningJob, at: string, patch: Partial<CommissioningJob> = {}): CommissioningJob {
  if (job.step === "done") return { ...job, ...patch, updatedAt: at };
  return { ...job, ...patch, status: "ready", waitingFor: null, updatedAt: at };
}

/**
 * Back to an earlier step (a new Wi-Fi, re-test the doors): the steps from there on
 * count as not done; attached devices stay attached (the next attach reads the IQ's
 * tree and skips them), door tests from there on are forgotten.
 */
export function rewind(job: CommissioningJob, to: CommissioningStep, at: string): CommissioningJob {
  if (stepIndex(to) > stepIndex(job.step)) {
    throw new AppError("commissioning.rewind_forward", `The job is at "${job.step}"; it cannot skip ahead to "${to}".`, { step: job.step, to });
  }
  if (to === "done") return job;
  const from = stepIndex(to);
  return {
    ...job,
    step: to,
    status: "ready",
    waitingFor: null,
    attempts: 0,
    lastError: null,
    completed: job.completed.filter((c) => stepIndex(c.step) < from),
    devices: stepIndex("test") >= from ? job.devices.map((d) => ({ ...d, test: null })) : job.devices,
    finishedAt: null,
    updatedAt: at,
  };
}

/**
 * The error as the job keeps it: a KS error keeps its code and the advice of
 * core/errors; another AppError keeps its code and message; anything else is a bug
 * and says so.
 */
export function jobErrorOf(step: CommissioningStep, e: unknown, at: string, refs: readonly string[] = []): JobError {
  if (e instanceof KsError) {
    const row = ksRow(e.ksCode);
    return { step, code: e.code, ksCode: e.ksCode, message: e.message, advice: row ? adviceFor(row) : null, refs: [...refs], at };
  }
  if (e instanceof AppError) {
    return { step, code: e.code, ksCode: null, message: e.message, advice: adviceForAppError(e.code), refs: [...refs], at };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { step, code: "commissioning.unexpected", ksCode: null, message: `Unexpected failure: ${message}`, advice: "This is a bug in Lintel. Retry the step; if it fails again, send the site's diagnostics to support.", refs: [...refs], at };
}

/** What to do about the flow's own errors and the link's, in words. */
function adviceForAppError(code: string): string | null {
  if (code.startsWith("ble.")) return "Stay within a few metres of the IQ, check that it is powered, and retry the step.";
  switch (code) {
    case "commissioning.network_down":
      return "Check the cable, the Wi-Fi name and passphrase, or the SIM stick and its APN, then retry the network step.";
    case "commissioning.wrong_iq":
      return "Connect to the IQ this job started with (check the serial on its label), or start a new job for this one.";
    case "commissioning.serial_in_use":
      return "This IQ is already part of the site under another name. Continue that IQ's job instead.";
    case "commissioning.doors_not_opened":
      return "Check the lock's batteries and that it is within reach of its parent, then retry the test; or finish and accept the failures.";
    default:
      return null;
  }
}
