import { slug, type Workspace } from "../../app/workspace.ts";
import type { StoredPlan } from "../../domain/index.ts";
import { AppError } from "../../errors/index.ts";
import type { Clock } from "../../ports/clock.ts";
import type { IdSource } from "../../ports/ids.ts";
import { bomCsv, bomRows } from "../../plans/bom.ts";
import { bomPdf } from "../../plans/bom-pdf.ts";
import { diffPlans } from "../../plans/diff.ts";
import { applyImport, draftFromCsv, draftFromSurveyJson } from "../../plans/import.ts";
import { surveyOf } from "../../plans/survey.ts";
import type { SiteStore } from "../../store/index.ts";
import { planMeshAsync, validatePlan, type MeshPlan, type PlanProgress, type SiteSurvey, type Violation } from "../../topology/index.ts";
import type { PlanView } from "../contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

/** Progress events are for a progress bar: a step this small is not worth an IPC message. */
const PROGRESS_STEP = 0.02;

const violationsOut = (vs: readonly Violation[]) => vs.map((v) => ({ rule: v.rule, message: v.message, ids: [...v.ids] }));

function viewOf(survey: SiteSurvey, stored: StoredPlan, previous: StoredPlan | undefined): PlanView {
  return { stored, violations: violationsOut(validatePlan(survey, stored.plan)), diff: previous ? diffPlans(previous, stored.plan) : null };
}

function planById(store: SiteStore, planId: string | undefined): StoredPlan {
  const plan = planId === undefined ? store.latestPlan() : store.get("plan", planId);
  if (!plan) {
    throw planId === undefined
      ? new AppError("plan.none", "This site has no plan yet. Run the planner first.")
      : new AppError("plan.not_found", "That plan is not part of this site.", { planId });
  }
  return plan;
}

/**
 * Mesh planning over the site file: import doors, plan (with progress events), keep
 * every plan with the journal and say what changed, check edits live, and the bill
 * of materials as CSV and PDF.
 */
export function planHandlers(ws: Workspace, hub: EventHub, deps: { clock: Clock; ids: IdSource }): HandlerModule {
  /** Saves a plan as the site's latest, linked to the one it replaces, in one action. */
  const save = (store: SiteStore, actor: string, action: string, plan: MeshPlan, fields: Pick<StoredPlan, "label" | "source">) =>
    store.act({ name: action, actor }, (tx) => {
      const previous = tx.latestPlan();
      const stored = tx.insert("plan", { id: deps.ids.next(), ...fields, plan, previousId: previous?.id ?? null });
      return { stored, previous };
    });

  return {
    "plan.import": ({ siteId, format, text }, ctx) => {
      const store = ws.get(siteId);
      const draft = format === "csv" ? draftFromCsv(text, store.list("floor")) : draftFromSurveyJson(text);
      const counts = store.act({ name: "plan.import", actor: ctx.actor }, (tx) => applyImport(tx, draft, deps.ids));
      hub.emit("site.changed", { siteId, action: "plan.import" });
      return counts;
    },

    "plan.survey": ({ siteId }) => surveyOf(ws.get(siteId)),

    "plan.run": async ({ siteId, timeLimitS }, ctx) => {
      const survey = surveyOf(ws.get(siteId));
      let last: PlanProgress | undefined;
      const onProgress = (p: PlanProgress) => {
        if (last && last.phase === p.phase && p.phase !== "done" && p.fraction - last.fraction < PROGRESS_STEP) return;
        last = p;
        hub.emit("plan.progress", { siteId, phase: p.phase, fraction: Math.min(1, Math.max(0, p.fraction)) });
      };
      // Asynchronous so progress events reach the screen while the planner runs.
      const result = await planMeshAsync(survey, { timeLimitMs: timeLimitS * 1000, onProgress, now: () => deps.clock.now() });
      const store = ws.get(siteId); // still open? (it may have been closed meanwhile)
      if (!result.ok) {
        const names = new Map(store.list("door").map((d) => [d.id, d.name]));
        const unservable = result.unservable.map((u) => ({ doorId: u.door, name: names.get(u.door) ?? u.door, reason: u.reason }));
        const listed = unservable.slice(0, 10).map((u) => u.name).join(", ");
        const more = unservable.length > 10 ? ` and ${unservable.length - 10} more` : "";
        throw new AppError(
          "plan.unservable",
          `No plan can serve ${unservable.length === 1 ? "this door" : `these ${unservable.length} doors`}: ${listed}${more}. Add IQ places nearer to them, or move them.`,
          { unservable },
        );
      }
      const { stored, previous } = save(store, ctx.actor, "plan.run", result.plan, { label: "Automatic plan", source: "planner" });
      hub.emit("site.changed", { siteId, action: "plan.run" });
      return viewOf(survey, stored, previous);
    },

    "plan.current": ({ siteId }) => {
      const store = ws.get(siteId);
      const latest = store.latestPlan();
      if (!latest) return null;
      const previous = latest.previousId === null ? undefined : store.get("plan", latest.previousId);
      return viewOf(surveyOf(store), latest, previous);
    },

    "plan.check": ({ siteId, plan }) => violationsOut(validatePlan(surveyOf(ws.get(siteId)), plan)),

    // An edited plan is saved even with violations: the installer may fix it later, and the view says what is wrong.
    "plan.save": ({ siteId, plan, label }, ctx) => {
      const store = ws.get(siteId);
      const survey = surveyOf(store);
      const { stored, previous } = save(store, ctx.actor, "plan.save", plan, { label, source: "edited" });
      hub.emit("site.changed", { siteId, action: "plan.save" });
      return viewOf(survey, stored, previous);
    },

    "plan.history": ({ siteId }) => ws.get(siteId).planHistory(),

    "plan.bom": ({ siteId, planId }) => {
      const store = ws.get(siteId);
      const stored = planById(store, planId);
      const kinds = new Map(surveyOf(store).doors.map((d) => [d.id, d.kind]));
      const rows = bomRows(stored.plan, kinds);
      return { rows, csv: bomCsv(rows) };
    },

    "plan.bomPdf": async ({ siteId, planId }) => {
      const store = ws.get(siteId);
      const stored = planById(store, planId);
      const survey = surveyOf(store);
      const site = store.site();
      const bytes = await bomPdf({
        siteName: site.name,
        address: site.address,
        timezone: site.timezone,
        at: deps.clock.now(),
        planLabel: stored.label,
        planCreatedAt: stored.createdAt,
        cost: stored.plan.cost,
        rows: bomRows(stored.plan, new Map(survey.doors.map((d) => [d.id, d.kind]))),
        violations: validatePlan(survey, stored.plan).length,
      });
      return { fileName: `${slug(site.name) || "site"}-bom.pdf`, dataBase64: Buffer.from(bytes).toString("base64") };
    },
  };
}
