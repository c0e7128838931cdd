import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlanResult } from "../../../core/topology/api.ts";
import type { MeshPlan, SiteSurvey } from "../../../core/topology/format.ts";
import { planMesh } from "../../../core/topology/planner.ts";
import { validatePlan } from "../../../core/topology/validator.ts";
import { median, type BenchContext } from "../result.ts";
import { liveCheckMs } from "./live-check.ts";
import { generateSite, NAMED_INSTANCES } from "./generator.ts";
import { solveMilp, type MilpOptions, type MilpResult } from "./milp.ts";
import { naivePlan } from "./naive.ts";

/**
 * `npm run bench -- topology [INSTANCE...]`: the planner on the named instances.
 * Per instance: plan.seconds (median of 5 after a warm-up), plan.cost against the naive
 * baseline, plan.valid, the plan's size, and for ≤ 40 doors the gap to the exact MILP
 * optimum; check.agrees proves that `lintel check` says what the validator says, on
 * the planner's plan and on two broken copies of it.
 *
 * Two MILPs per small instance (milp.ts), both exact over their candidate positions:
 * - `milp.*`: the candidate grid ∪ every IQ/repeater position of the planner's plan. That
 *   plan is then one of the MILP's solutions, so `plan.milp_gap` ≥ 0 by construction; a
 *   MILP dearer than the planner (or a bound above it) is a modelling bug, logged loudly
 *   and reported as `milp.consistent` 0. The planner's cost is HiGHS's cutoff.
 * - `milp.grid_*`: the grid alone (with the naive baseline's positions), as in runs
 *   before the union existed; `plan.milp_grid_gap` may be negative (the planner stood a
 *   repeater where the grid has none).
 * A solve that reaches its time limit proves no optimum: it reports `*best` (cheapest
 * plan known), `*bound` (HiGHS's dual bound) and `*mip_gap` instead of `*optimum`, and the
 * gap is measured against the bound, so it is an upper bound on the true gap.
 */

const RUNS = 5;
const MILP_MAX_DOORS = 40;
/** Per solve, two solves per small instance: keeps the whole bench within ~5 minutes. */
const MILP_TIME_LIMIT_S = 40;
/** Cost comparisons between the planner and the MILPs. */
const COST_EPS = 1e-6;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function run(ctx: BenchContext): Promise<void> {
  const wanted = ctx.args.length > 0 ? new Set(ctx.args) : null;
  const unknown = [...(wanted ?? [])].filter((n) => !NAMED_INSTANCES.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown topology instance(s) ${unknown.join(", ")}; have ${NAMED_INSTANCES.map((s) => s.name).join(", ")}`);
  const tmp = mkdtempSync(join(tmpdir(), "lintel-bench-"));
  try {
    for (const spec of NAMED_INSTANCES) {
      if (wanted && !wanted.has(spec.name)) continue;
      await instance(ctx, spec.name, generateSite(spec), tmp);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function instance(ctx: BenchContext, name: string, site: SiteSurvey, tmp: string): Promise<void> {
  const emit = (metric: string, value: number, unit: string, baseline?: number) =>
    ctx.emit({ metric, value, unit, instance: name, ...(baseline === undefined ? {} : { baseline }) });
  ctx.log(`${name}: ${site.doors.length} doors, ${site.floors.length} floors, ${site.iqSites.length} IQ sites`);

  const naive = naivePlan(site);
  const naiveViolations = validatePlan(site, naive);
  if (naiveViolations.length > 0) ctx.log(`${name}: the naive baseline is INVALID (${naiveViolations[0]!.message}); no baseline`);
  const baseline = naiveViolations.length === 0 ? naive.cost : undefined;

  planMesh(site); // warm-up
  const times: number[] = [];
  let result: PlanResult | undefined;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    result = planMesh(site);
    times.push((performance.now() - t) / 1000);
  }
  if (!result) throw new Error("no planning run");
  emit("plan.seconds", round(median(times), 4), "s");
  if (!result.ok) {
    ctx.log(`${name}: planner found ${result.unservable.length} unservable doors on a feasible instance`);
    emit("plan.valid", 0, "bool");
    return;
  }
  const plan = result.plan;
  const violations = validatePlan(site, plan);
  if (violations.length > 0) ctx.log(`${name}: planner plan INVALID: ${violations.slice(0, 3).map((v) => v.message).join(" | ")}`);
  emit("plan.cost", plan.cost, "cost", baseline);
  emit("plan.valid", violations.length === 0 ? 1 : 0, "bool");
  emit("plan.iqs", plan.iqs.length, "count");
  emit("plan.repeaters", plan.repeaters.length, "count");
  emit("plan.doors", site.doors.length, "count");

  if (site.doors.length <= MILP_MAX_DOORS) await milpFigures(ctx, name, site, plan, violations.length === 0, naive);

  const agrees = await checkAgrees(site, plan, name, tmp);
  if (!agrees) ctx.log(`${name}: lintel check DISAGREES with validatePlan`);
  emit("check.agrees", agrees ? 1 : 0, "bool");

  if (site.doors.length >= 400 && site.doors.length <= 600) {
    // The Plan screen's live re-check on a drag (budget 50 ms for ~500 doors).
    const live = await liveCheckMs(site);
    emit("plan.live_check_ms", round(live.apiMs, 3), "ms", round(live.validatorMs, 3));
  }
}

/**
 * The two MILP references of a small instance (see the module comment) and their
 * consistency with the planner's plan and with each other.
 */
async function milpFigures(ctx: BenchContext, name: string, site: SiteSurvey, plan: MeshPlan, planValid: boolean, naive: MeshPlan): Promise<void> {
  const emit = (metric: string, value: number, unit: string, baseline?: number) =>
    ctx.emit({ metric, value, unit, instance: name, ...(baseline === undefined ? {} : { baseline }) });
  let consistent = true;
  const bug = (message: string) => {
    consistent = false;
    ctx.log(`${name}: !!! MILP MODELLING BUG: ${message}`);
  };
  const solve = async (label: string, options: MilpOptions): Promise<MilpResult | undefined> => {
    try {
      const r = await solveMilp(site, { timeLimitSeconds: MILP_TIME_LIMIT_S, ...options });
      const s = r.stats;
      ctx.log(
        `${name}: MILP ${label}: ${r.optimal ? `optimum ${r.cost}` : `NOT proven optimal (${r.status} after ${MILP_TIME_LIMIT_S} s): best ${r.cost}${r.keptIncumbent ? " (the planner's)" : ""}, bound ${r.dualBound}, mip_gap ${r.mipGap}`} ` +
          `in ${r.seconds.toFixed(1)} s; ${s.candidates}/${s.candidatesBeforePruning} candidates, ${s.slots} IQ slots, ${s.columns} columns, ${s.rows} rows`,
      );
      if (s.missingReferences > 0) ctx.log(`${name}: MILP ${label}: ${s.missingReferences} reference positions lie off every floor; those plans are no MILP solutions`);
      const invalid = validatePlan(site, r.plan);
      if (invalid.length > 0) bug(`the ${label} MILP's plan is invalid: ${invalid[0]!.message}`);
      return r;
    } catch (error) {
      bug(`the ${label} MILP failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const figures = (r: MilpResult, prefix: "milp." | "milp.grid_", gapMetric: string) => {
    if (r.optimal) emit(`${prefix}optimum`, r.cost, "cost");
    else {
      emit(`${prefix}best`, r.cost, "cost");
      if (Number.isFinite(r.dualBound)) emit(`${prefix}bound`, round(r.dualBound), "cost");
    }
    emit(`${prefix}optimal`, r.optimal ? 1 : 0, "bool");
    if (Number.isFinite(r.mipGap)) emit(`${prefix}mip_gap`, round(r.mipGap), "ratio");
    emit(`${prefix}seconds`, round(r.seconds, 3), "s");
    // Not proven optimal: against HiGHS's bound, so the figure bounds the true gap from above.
    const against = r.optimal ? r.cost : r.dualBound;
    if (Number.isFinite(against) && against > 0) emit(gapMetric, round(plan.cost / against - 1), "ratio", round(against));
  };

  // The grid alone, with the naive baseline's positions and IQ bound: comparable with earlier runs.
  const grid = await solve("grid", {});
  if (grid) figures(grid, "milp.grid_", "plan.milp_grid_gap");

  if (!planValid) {
    ctx.log(`${name}: the planner's plan is invalid, so it is no MILP solution: no MILP over the union`);
  } else {
    const union = await solve("grid ∪ planner", { references: [naive, plan], incumbent: plan });
    if (union) {
      figures(union, "milp.", "plan.milp_gap");
      const lower = union.optimal ? union.cost : union.dualBound;
      if (union.cost > plan.cost + COST_EPS) bug(`the MILP over grid ∪ planner found ${union.cost}, dearer than the planner's plan (${plan.cost}), which is one of its solutions`);
      if (lower > plan.cost + COST_EPS) bug(`the MILP over grid ∪ planner proves ${lower}, above the planner's plan (${plan.cost}), which is one of its solutions`);
      if (grid && lower > grid.cost + COST_EPS) bug(`the MILP over grid ∪ planner proves ${lower}, above the grid MILP's plan (${grid.cost}) on a subset of its candidates`);
      if (consistent && plan.cost < (grid?.cost ?? Number.POSITIVE_INFINITY) - COST_EPS) {
        const verdict = !union.optimal ? `bounds the optimum at ${union.dualBound}` : union.cost >= plan.cost - COST_EPS ? "proves it optimal" : `finds ${union.cost}`;
        ctx.log(`${name}: the planner (${plan.cost}) beats the grid MILP (${grid?.cost}); the MILP over grid ∪ planner ${verdict}`);
      }
    }
  }
  emit("milp.consistent", consistent ? 1 : 0, "bool");
}

/**
 * `lintel check` (the real CLI, spawned) must exit 0 exactly when validatePlan finds
 * nothing: on the plan itself, on it with one lock missing, and with one node moved
 * two ranges away (which may or may not break a hop — agreement is what counts).
 */
async function checkAgrees(site: SiteSurvey, plan: MeshPlan, name: string, tmp: string): Promise<boolean> {
  const sitePath = join(tmp, `${name}.site.json`);
  writeFileSync(sitePath, JSON.stringify(site));
  const variants: [string, MeshPlan][] = [
    ["plan", plan],
    ["missing-lock", { ...plan, locks: plan.locks.slice(0, -1) }],
    ["moved-node", moveOne(site, plan)],
  ];
  const outcomes = await Promise.all(
    variants.map(async ([label, p]) => {
      const planPath = join(tmp, `${name}.${label}.json`);
      writeFileSync(planPath, JSON.stringify(p));
      const code = await exitCode(process.execPath, [join(repo, "bin/lintel.js"), "check", sitePath, planPath]);
      return (code === 0) === (validatePlan(site, p).length === 0);
    }),
  );
  return outcomes.every(Boolean);
}

function moveOne(site: SiteSurvey, plan: MeshPlan): MeshPlan {
  const shift = 2 * site.radio.hopRangeM;
  const floorWidth = (id: string) => site.floors.find((f) => f.id === id)?.widthM ?? 0;
  const move = <T extends { floor: string; x: number }>(n: T): T => ({ ...n, x: n.x + shift <= floorWidth(n.floor) ? n.x + shift : Math.max(0, n.x - shift) });
  if (plan.repeaters.length > 0) return { ...plan, repeaters: [move(plan.repeaters[0]!), ...plan.repeaters.slice(1)] };
  if (plan.iqs.length > 0 && site.iqSites.length === 0) return { ...plan, iqs: [move(plan.iqs[0]!), ...plan.iqs.slice(1)] };
  return { ...plan, cost: plan.cost + 1 };
}

function exitCode(cmd: string, args: readonly string[]): Promise<number> {
  return new Promise((resolvePromise) => {
    execFile(cmd, args, { cwd: repo, maxBuffer: 64 * 1024 * 1024 }, (error) => {
      if (!error) return resolvePromise(0);
      const code = (error as { code?: unknown }).code;
      resolvePromise(typeof code === "number" ? code : -1);
    });
  });
}
