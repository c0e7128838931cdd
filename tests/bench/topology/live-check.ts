import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLintelApp } from "../../../core/app/lintel-app.ts";
import type { Output } from "../../../core/api/contract.ts";
import type { MeshPlan, SiteSurvey } from "../../../core/topology/format.ts";
import { validatePlan } from "../../../core/topology/validator.ts";
import { median } from "../result.ts";

const RUNS = 31;

/**
 * The Plan screen re-checks the plan on every drag (budget: 50 ms for a 500-door
 * site). This times that call as the UI makes it — `plan.check` through the router,
 * reading the site file's survey and validating — against the validator alone on
 * the same plan, in the same run.
 */
export async function liveCheckMs(site: SiteSurvey): Promise<{ apiMs: number; validatorMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "lintel-live-check-"));
  const app = createLintelApp({ dataDir: dir, transport: "cli" });
  const ctx = { transport: "cli", actor: "bench" } as const;
  try {
    const created = (await app.router.call("sites.create", { name: "Live check bench" }, ctx)) as Output<"sites.create">;
    const siteId = created.siteId;
    await app.router.call("plan.import", { siteId, format: "json", text: JSON.stringify(site) }, ctx);
    const view = (await app.router.call("plan.run", { siteId, timeLimitS: 5 }, ctx)) as Output<"plan.run">;
    const survey = (await app.router.call("plan.survey", { siteId }, ctx)) as SiteSurvey;
    // What a drag sends: the plan with one device moved 20 m.
    const edited: MeshPlan = structuredClone(view.stored.plan);
    const moved = edited.repeaters[0] ?? edited.iqs[0];
    if (moved) moved.x = Math.max(0, moved.x - 20);

    const time = async (f: () => unknown | Promise<unknown>) => {
      await f(); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await f();
        samples.push(performance.now() - t);
      }
      return median(samples);
    };
    const apiMs = await time(() => app.router.call("plan.check", { siteId, plan: edited }, ctx));
    const validatorMs = await time(() => validatePlan(survey, edited));
    return { apiMs, validatorMs };
  } finally {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
