import { treeProblems, type TreeItem } from "../commissioning/tree-limits.ts";
import type { Iq, Lock, Repeater } from "../domain/index.ts";
import { surveyOf } from "../plans/survey.ts";
import type { SiteStore } from "../store/index.ts";
import { CostParams, RadioParams, validatePlan, type MeshPlan, type SiteSurvey } from "../topology/index.ts";

/**
 * "No invalid tree" for the handover checklist. What counts is what is built: once any
 * lock or repeater hangs in an IQ's tree, the as-built trees of the site file are
 * checked (every rule of core/topology/validator.ts, hop lengths included when every
 * device has a place; the structural limits of the cloud's 2204 otherwise), and a lock
 * that hangs nowhere is reported too. Before anything is attached, the latest plan is
 * checked instead; with neither, there is nothing to hand over.
 */

export interface TreeViolation {
  readonly rule: string;
  readonly message: string;
  readonly ids: readonly string[];
}

export interface TreeCheck {
  readonly source: "as-built" | "plan" | "none";
  readonly planId: string | null;
  readonly violations: readonly TreeViolation[];
  /** As-built: whether hop lengths were checked (every IQ and repeater of a tree has a place). */
  readonly hopsChecked: boolean;
}

/** Rules about how a plan was made, not about what hangs where: meaningless for what is built. */
const PLAN_ONLY_RULES: ReadonlySet<string> = new Set(["cost", "iq-site"]);

type Reader = Pick<SiteStore, "list" | "latestPlan" | "site">;

export function checkTrees(store: Reader): TreeCheck {
  const locks = store.list("lock");
  const repeaters = store.list("repeater");
  const attachedLocks = locks.filter((l) => l.parent !== null);
  const attachedRepeaters = repeaters.filter((r) => r.parent !== null);
  if (attachedLocks.length > 0 || attachedRepeaters.length > 0) return asBuiltCheck(store, locks, repeaters);

  const latest = store.latestPlan();
  if (!latest) return { source: "none", planId: null, violations: [{ rule: "no-tree", message: "Nothing is attached to an IQ yet and the site has no plan.", ids: [] }], hopsChecked: false };
  let survey: SiteSurvey;
  try {
    survey = surveyOf(store as SiteStore);
  } catch (e) {
    return { source: "plan", planId: latest.id, violations: [{ rule: "no-floors", message: e instanceof Error ? e.message : String(e), ids: [] }], hopsChecked: false };
  }
  return { source: "plan", planId: latest.id, violations: validatePlan(survey, latest.plan), hopsChecked: true };
}

function asBuiltCheck(store: Reader, locks: readonly Lock[], repeaters: readonly Repeater[]): TreeCheck {
  const iqs = new Map(store.list("iq").map((q) => [q.id, q]));
  const reps = new Map(repeaters.map((r) => [r.id, r]));
  const out: TreeViolation[] = [];

  // The IQ each attached device hangs under, following parents (a broken chain has none).
  const rootOf = new Map<string, string | null>();
  const root = (dev: { readonly id: string; readonly parent: Lock["parent"] }): string | null => {
    const seen = new Set<string>();
    let cur: { readonly id: string; readonly parent: Lock["parent"] } | undefined = dev;
    while (cur && cur.parent) {
      const known = rootOf.get(cur.id);
      if (known !== undefined) return known;
      if (cur.parent.kind === "iq") return iqs.has(cur.parent.id) ? cur.parent.id : null;
      if (seen.has(cur.id)) return null;
      seen.add(cur.id);
      cur = reps.get(cur.parent.id);
    }
    return null;
  };
  const attached = [...repeaters.filter((r) => r.parent !== null), ...locks.filter((l) => l.parent !== null)];
  for (const d of attached) rootOf.set(d.id, root(d));

  const broken = attached.filter((d) => rootOf.get(d.id) === null);
  if (broken.length > 0) {
    out.push({ rule: "parent-missing", message: `${broken.length} device(s) hang on a parent that does not lead to an IQ of this site: ${names(broken)}.`, ids: broken.map((d) => d.id) });
  }
  const loose = locks.filter((l) => l.parent === null);
  if (loose.length > 0) out.push({ rule: "lock-unattached", message: `${loose.length} lock(s) hang in no IQ tree: ${names(loose)}.`, ids: loose.map((l) => l.id) });

  const treeIqs = [...new Set([...rootOf.values()].filter((v): v is string => v !== null))].map((id) => iqs.get(id)!);
  const placed = treeIqs.every((q) => q.position !== null) && attached.every((d) => rootOf.get(d.id) === null || !("position" in d) || d.position !== null);
  if (placed && treeIqs.length > 0) {
    out.push(...hopAndLimitCheck(store, treeIqs, attached, rootOf));
    return { source: "as-built", planId: null, violations: out, hopsChecked: true };
  }
  // Without places: the limits an IQ itself enforces, tree by tree.
  for (const q of treeIqs) {
    const items: TreeItem[] = attached
      .filter((d) => rootOf.get(d.id) === q.id)
      .map((d) => ({ ref: d.id, role: "doorId" in d ? "lock" : "repeater", parentRef: d.parent!.kind === "iq" ? null : d.parent!.id }));
    for (const p of treeProblems(items)) out.push({ rule: p.rule, message: `${q.name}: ${p.message}`, ids: [q.id, ...p.refs] });
  }
  return { source: "as-built", planId: null, violations: out, hopsChecked: false };
}

/** The as-built trees as a `lintel-plan/1`, through the planner's own validator. */
function hopAndLimitCheck(store: Reader, iqs: readonly Iq[], attached: readonly (Lock | Repeater)[], rootOf: ReadonlyMap<string, string | null>): TreeViolation[] {
  const inTree = attached.filter((d) => rootOf.get(d.id) !== null);
  const lockDoors = new Set(inTree.filter((d): d is Lock => "doorId" in d).map((l) => l.doorId));
  const floors = store.list("floor");
  const survey: SiteSurvey = {
    format: "lintel-site/1",
    name: store.site().name,
    radio: RadioParams.parse({}),
    cost: CostParams.parse({}),
    floors: floors.map((f) => ({ id: f.id, level: f.level, widthM: f.widthM, depthM: f.depthM })),
    doors: store
      .list("door")
      .filter((d) => lockDoors.has(d.id))
      .map((d) => ({ id: d.id, floor: d.floorId, x: d.x, y: d.y, kind: "escutcheon" as const })),
    iqSites: [],
  };
  const repeaters = inTree.filter((d): d is Repeater => !("doorId" in d));
  const plan: MeshPlan = {
    format: "lintel-plan/1",
    iqs: iqs.map((q) => ({ id: q.id, floor: q.position!.floorId, x: q.position!.x, y: q.position!.y })),
    repeaters: repeaters.map((r) => ({ id: r.id, floor: r.position!.floorId, x: r.position!.x, y: r.position!.y, parent: r.parent!.id })),
    locks: inTree.filter((d): d is Lock => "doorId" in d).map((l) => ({ door: l.doorId, parent: l.parent!.id })),
    cost: 0,
  };
  if (survey.floors.length === 0) return [{ rule: "no-floors", message: "The site has no floors to place its devices on.", ids: [] }];
  return validatePlan(survey, plan).filter((v) => !PLAN_ONLY_RULES.has(v.rule));
}

function names(list: readonly { readonly name: string }[]): string {
  const shown = list.slice(0, 5).map((d) => d.name);
  return list.length > 5 ? `${shown.join(", ")} and ${list.length - 5} more` : shown.join(", ");
}
