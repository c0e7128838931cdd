import { defineStore } from "pinia";
import { computed, reactive, ref, shallowRef, watch } from "vue";
import type { DoorRow, Output, PlanView } from "../../../core/api/contract.ts";
import type { Floor, IqSite } from "../../../core/domain/index.ts";
import { AppError } from "../../../core/errors/index.ts";
import type { MeshPlan, SiteSurvey } from "../../../core/topology/format.ts";
import { call, on } from "../api/client.ts";
import {
  base64ToBytes,
  clonePlan,
  download,
  fileToBase64,
  humanise,
  imageSize,
  importRows,
  indexMesh,
  unservableDoors,
} from "../components/plan/plan-model.ts";
import { describeError } from "../errors/describe.ts";
import { useNoticesStore } from "./notices.ts";
import { useSiteStore } from "./site.ts";

export type Violation = PlanView["violations"][number];
export type Bom = Output<"plan.bom">;
export type PlanHistory = Output<"plan.history">;
export type ImportResult =
  | { readonly ok: true; readonly floors: number; readonly doors: number; readonly iqSites: number }
  | { readonly ok: false; readonly title: string; readonly rows: readonly { line: number | null; column: string; reason: string }[] };

export type Selection = { readonly type: "door" | "device" | "iqSite"; readonly id: string } | null;
export type Tool = "select" | "door" | "scale" | "iqSite";

export interface FloorImage {
  readonly imageId: string;
  readonly url: string;
  readonly width: number;
  readonly height: number;
}

export interface RunFailure {
  readonly title: string;
  readonly hint: string | null;
  readonly doors: readonly { door: string; name: string; reason: string }[];
}

/**
 * The Plan screen's state: the site as the planner sees it (survey, floors, doors,
 * IQ places), the stored plan and the draft being edited, live violations of the
 * draft (plan.check once per animation frame, at most one call in flight), the
 * planner's progress, and the bill of materials.
 */
export const usePlanStore = defineStore("plan", () => {
  const site = useSiteStore();
  const notices = useNoticesStore();

  const floors = ref<Floor[]>([]);
  const doorRows = ref<DoorRow[]>([]);
  const iqSites = ref<IqSite[]>([]);
  const survey = shallowRef<SiteSurvey | null>(null);
  const current = shallowRef<PlanView | null>(null);
  const draft = ref<MeshPlan | null>(null);
  const dirty = ref(false);
  const violations = shallowRef<Violation[]>([]);
  const checkMs = ref<number | null>(null);
  const loaded = ref(false);
  const running = ref(false);
  const progress = ref<{ phase: string; fraction: number } | null>(null);
  const runFailure = ref<RunFailure | null>(null);
  const saving = ref(false);
  const bom = shallowRef<Bom | null>(null);
  const history = shallowRef<PlanHistory>([]);
  const images = reactive(new Map<string, FloorImage>());
  const selection = ref<Selection>(null);
  const activeFloorId = ref<string | null>(null);
  const tool = ref<Tool>("select");
  const showRanges = ref(false);
  /** The last plan the screen showed came from a run or a save (so "what changed" is news). */
  const freshDiff = ref(false);
  /** The last import's outcome (kept here: the import panel moves once the site has floors). */
  const importResult = ref<ImportResult | null>(null);

  const siteId = computed(() => site.siteId);
  const floorsById = computed(() => new Map(floors.value.map((f) => [f.id, f])));
  const doorNames = computed(() => new Map(doorRows.value.map((r) => [r.door.id, r.door.name])));
  /** Every id a violation message may name, with the name a person knows. */
  const names = computed(() => {
    const m = new Map<string, string>(doorNames.value);
    for (const f of floors.value) m.set(f.id, f.name);
    for (const s of iqSites.value) m.set(s.id, s.name);
    return m;
  });
  const index = computed(() => indexMesh(survey.value, draft.value));
  const radio = computed(() => survey.value?.radio ?? { hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 });
  const badIds = computed(() => {
    const s = new Set<string>();
    for (const v of violations.value) for (const id of v.ids) s.add(id);
    return s;
  });
  const activeFloor = computed(() => floors.value.find((f) => f.id === activeFloorId.value) ?? floors.value[0] ?? null);

  function nameOf(id: string): string {
    return names.value.get(id) ?? id;
  }
  function say(v: Violation): string {
    return humanise(v.message, names.value);
  }

  // ── Loading ────────────────────────────────────────────────────────────────
  let loadSeq = 0;
  /** When this window last reloaded after its own change: the core's echo of it needs no second load. */
  let ownReloadAt = 0;
  async function load(): Promise<void> {
    const id = siteId.value;
    const mine = ++loadSeq;
    if (!id) {
      reset();
      return;
    }
    const r = await notices.attempt("Loading the plan", async () => {
      const [f, d, s, c] = await Promise.all([
        call("floors.list", { siteId: id }),
        call("doors.list", { siteId: id }),
        call("iqSites.list", { siteId: id }),
        call("plan.current", { siteId: id }),
      ]);
      const sv = f.length > 0 ? await call("plan.survey", { siteId: id }) : null;
      return { f, d, s, c, sv };
    });
    if (!r || mine !== loadSeq || id !== siteId.value) return;
    floors.value = r.f;
    doorRows.value = r.d;
    iqSites.value = r.s;
    survey.value = r.sv;
    if (!activeFloorId.value || !r.f.some((f) => f.id === activeFloorId.value)) activeFloorId.value = r.f[0]?.id ?? null;
    adoptView(r.c, { keepDraft: dirty.value });
    loaded.value = true;
    void loadImages();
    if (r.c) void loadBom();
    else bom.value = null;
    void loadHistory();
  }

  /** Reload after a change made here; the core's `site.changed` echo of it is then skipped. */
  function reloadOwn(): Promise<void> {
    ownReloadAt = performance.now();
    return load();
  }

  function reset(): void {
    floors.value = [];
    doorRows.value = [];
    iqSites.value = [];
    survey.value = null;
    current.value = null;
    draft.value = null;
    dirty.value = false;
    violations.value = [];
    checkMs.value = null;
    bom.value = null;
    history.value = [];
    selection.value = null;
    activeFloorId.value = null;
    runFailure.value = null;
    freshDiff.value = false;
    importResult.value = null;
    loaded.value = false;
    for (const img of images.values()) URL.revokeObjectURL(img.url);
    images.clear();
  }

  /** Show a stored plan; the draft follows it unless there are unsaved edits to keep. */
  function adoptView(view: PlanView | null, opts: { keepDraft?: boolean } = {}): void {
    current.value = view;
    if (opts.keepDraft && draft.value) {
      scheduleCheck();
      return;
    }
    draft.value = view ? clonePlan(view.stored.plan) : null;
    dirty.value = false;
    violations.value = view?.violations ?? [];
  }

  async function loadImages(): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    for (const f of floors.value) {
      const plan = f.plan;
      if (!plan) {
        const old = images.get(f.id);
        if (old) URL.revokeObjectURL(old.url);
        images.delete(f.id);
        continue;
      }
      if (images.get(f.id)?.imageId === plan.imageId) continue;
      const img = await notices.attempt(`Loading the drawing of ${f.name}`, () => call("floors.planImage", { siteId: id, floorId: f.id }));
      if (!img || id !== siteId.value) continue;
      const url = URL.createObjectURL(new Blob([base64ToBytes(img.dataBase64)], { type: img.mime }));
      const size = await imageSize(url).catch(() => null);
      if (!size) continue;
      const old = images.get(f.id);
      if (old) URL.revokeObjectURL(old.url);
      images.set(f.id, { imageId: plan.imageId, url, width: size.width, height: size.height });
    }
  }

  async function loadBom(): Promise<void> {
    const id = siteId.value;
    if (!id || !current.value) return;
    const b = await notices.attempt("Loading the bill of materials", () => call("plan.bom", { siteId: id }));
    if (b && id === siteId.value) bom.value = b;
  }

  async function loadHistory(): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    const h = await call("plan.history", { siteId: id }).catch(() => null);
    if (h && id === siteId.value) history.value = h;
  }

  watch(
    siteId,
    () => {
      reset();
      void load();
    },
    { immediate: true },
  );

  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== siteId.value || running.value) return;
    if (performance.now() - ownReloadAt < 1000) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void load(), 150);
  });

  on("plan.progress", (p) => {
    if (p.siteId !== siteId.value || !running.value) return;
    progress.value = { phase: p.phase, fraction: p.fraction };
  });

  // ── Import, floors, doors, IQ places ───────────────────────────────────────
  async function importDoors(format: "csv" | "json", text: string): Promise<ImportResult | null> {
    const id = siteId.value;
    if (!id) return null;
    let result: ImportResult;
    try {
      const r = await call("plan.import", { siteId: id, format, text });
      result = { ok: true, ...r };
    } catch (e) {
      if (e instanceof AppError && e.code === "import.invalid") {
        result = { ok: false, title: e.message, rows: importRows(e.details) };
      } else {
        const view = describeError(e);
        result = { ok: false, title: view.title, rows: view.issues.map((reason) => ({ line: null, column: "", reason })) };
      }
    }
    importResult.value = result;
    if (result.ok) await reloadOwn();
    return result;
  }

  async function createFloor(input: { name: string; level: number; widthM: number; depthM: number }): Promise<boolean> {
    const id = siteId.value;
    if (!id) return false;
    const f = await notices.attempt("Adding the floor", () => call("floors.create", { siteId: id, ...input }));
    if (!f) return false;
    activeFloorId.value = f.id;
    await reloadOwn();
    return true;
  }

  async function uploadImage(floorId: string, file: File): Promise<void> {
    const id = siteId.value;
    const floor = floorsById.value.get(floorId);
    if (!id || !floor) return;
    if (file.type !== "image/png" && file.type !== "image/jpeg") {
      notices.fail(`Adding a drawing to ${floor.name}`, new AppError("image.type", "A floor plan must be a PNG or JPEG image."));
      return;
    }
    await notices.attempt(`Adding a drawing to ${floor.name}`, async () => {
      const url = URL.createObjectURL(file);
      try {
        const size = await imageSize(url);
        const dataBase64 = await fileToBase64(file);
        // Until the scale is set, the drawing spans the floor's width.
        const metresPerPixel = floor.widthM / size.width;
        await call("floors.setPlanImage", { siteId: id, floorId, mime: file.type as "image/png" | "image/jpeg", dataBase64, metresPerPixel });
      } finally {
        URL.revokeObjectURL(url);
      }
    });
    await reloadOwn();
  }

  async function updateFloor(floorId: string, patch: { metresPerPixel?: number; widthM?: number; depthM?: number }, context: string): Promise<boolean> {
    const id = siteId.value;
    if (!id) return false;
    const f = await notices.attempt(context, () => call("floors.update", { siteId: id, floorId, ...patch }));
    if (!f) return false;
    await reloadOwn();
    return true;
  }

  async function placeDoor(floorId: string, name: string, x: number, y: number, lockKind: "cylinder" | "escutcheon" | "wall-reader"): Promise<boolean> {
    const id = siteId.value;
    if (!id) return false;
    const row = await notices.attempt("Placing the door", () => call("doors.create", { siteId: id, floorId, name, x: round2(x), y: round2(y), lockKind }));
    if (!row) return false;
    selection.value = { type: "door", id: row.door.id };
    await reloadOwn();
    return true;
  }

  /** Move a door: shown at once, stored in the site file, then the draft is checked again. */
  async function moveDoor(doorId: string, x: number, y: number): Promise<void> {
    const id = siteId.value;
    if (!id || !survey.value) return;
    const door = survey.value.doors.find((d) => d.id === doorId);
    const floor = door ? floorsById.value.get(door.floor) : undefined;
    const nx = round2(Math.min(Math.max(0, x), floor?.widthM ?? Infinity));
    const ny = round2(Math.min(Math.max(0, y), floor?.depthM ?? Infinity));
    survey.value = { ...survey.value, doors: survey.value.doors.map((d) => (d.id === doorId ? { ...d, x: nx, y: ny } : d)) };
    const ok = await notices.attempt("Moving the door", () => call("doors.move", { siteId: id, doorId, x: nx, y: ny }));
    if (!ok) await reloadOwn();
    else scheduleCheck();
  }

  /** Where a door is while it is being dragged (not yet stored). */
  function previewDoor(doorId: string, x: number, y: number): void {
    if (!survey.value) return;
    survey.value = { ...survey.value, doors: survey.value.doors.map((d) => (d.id === doorId ? { ...d, x, y } : d)) };
  }

  async function deleteDoor(doorId: string): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    const r = await notices.attempt("Removing the door", () => call("doors.delete", { siteId: id, doorId }));
    if (r) {
      selection.value = null;
      await reloadOwn();
    }
  }

  async function addIqSite(floorId: string, x: number, y: number): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    const name = `IQ place ${iqSites.value.length + 1}`;
    const s = await notices.attempt("Marking the IQ place", () => call("iqSites.create", { siteId: id, floorId, name, x: round2(x), y: round2(y) }));
    if (s) {
      selection.value = { type: "iqSite", id: s.id };
      await reloadOwn();
    }
  }

  async function deleteIqSite(iqSiteId: string): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    const r = await notices.attempt("Removing the IQ place", () => call("iqSites.delete", { siteId: id, iqSiteId }));
    if (r) {
      selection.value = null;
      await reloadOwn();
    }
  }

  // ── Planning ───────────────────────────────────────────────────────────────
  async function run(timeLimitS = 2): Promise<void> {
    const id = siteId.value;
    if (!id || running.value) return;
    running.value = true;
    runFailure.value = null;
    progress.value = { phase: "cover", fraction: 0 };
    try {
      const view = await call("plan.run", { siteId: id, timeLimitS });
      if (id !== siteId.value) return;
      progress.value = { phase: "done", fraction: 1 };
      adoptView(view);
      freshDiff.value = true;
      selection.value = null;
      void loadBom();
      void loadHistory();
    } catch (e) {
      const view = describeError(e);
      const doors = unservableDoors(view.details).map((d) => ({ door: d.door, reason: d.reason, name: d.name ?? nameOf(d.door) }));
      runFailure.value = {
        title: view.title,
        hint:
          view.code === "plan.unservable"
            ? "Move these doors closer to the others, add an IQ place near them, or check their floor and coordinates."
            : view.hint,
        doors,
      };
      progress.value = null;
    } finally {
      running.value = false;
    }
  }

  // ── Editing with live violations ───────────────────────────────────────────
  let frame = 0;
  let inFlight = false;
  let again = false;

  function scheduleCheck(): void {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      void check();
    });
  }

  async function check(): Promise<void> {
    const id = siteId.value;
    if (!id || !draft.value) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    again = false;
    const plan = clonePlan(draft.value);
    const t0 = performance.now();
    try {
      const v = await call("plan.check", { siteId: id, plan });
      checkMs.value = performance.now() - t0;
      if (id === siteId.value) violations.value = v;
    } catch (e) {
      notices.fail("Checking the plan", e);
    } finally {
      inFlight = false;
      if (again) scheduleCheck();
    }
  }

  function moveDevice(deviceId: string, x: number, y: number): void {
    const d = draft.value;
    if (!d) return;
    const target = d.iqs.find((i) => i.id === deviceId) ?? d.repeaters.find((r) => r.id === deviceId);
    if (!target) return;
    target.x = round2(x);
    target.y = round2(y);
    dirty.value = true;
    freshDiff.value = false;
    scheduleCheck();
  }

  /** Hang a lock (by door id) or a repeater on another IQ or repeater. */
  function setParent(childId: string, parentId: string): void {
    const d = draft.value;
    if (!d || childId === parentId) return;
    const lock = d.locks.find((l) => l.door === childId);
    const rep = lock ? undefined : d.repeaters.find((r) => r.id === childId);
    const target = lock ?? rep;
    if (target) {
      if (target.parent === parentId) return;
      target.parent = parentId;
    } else if (survey.value?.doors.some((x) => x.id === childId)) {
      // A door the plan does not have yet (placed after planning): give it its lock entry.
      d.locks.push({ door: childId, parent: parentId });
    } else return;
    dirty.value = true;
    freshDiff.value = false;
    scheduleCheck();
  }

  async function save(label = "Edited plan"): Promise<void> {
    const id = siteId.value;
    if (!id || !draft.value) return;
    saving.value = true;
    try {
      const plan = clonePlan(draft.value);
      const view = await notices.attempt("Saving the edited plan", () => call("plan.save", { siteId: id, plan, label }));
      if (view && id === siteId.value) {
        adoptView(view);
        freshDiff.value = true;
        void loadBom();
        void loadHistory();
      }
    } finally {
      saving.value = false;
    }
  }

  function discard(): void {
    adoptView(current.value);
    checkMs.value = null;
  }

  // ── Bill of materials ──────────────────────────────────────────────────────
  function fileBase(): string {
    const n = (site.name ?? "site").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "");
    return n || "site";
  }

  async function exportCsv(): Promise<void> {
    if (!bom.value) await loadBom();
    if (bom.value) download(`${fileBase()}-bill-of-materials.csv`, bom.value.csv, "text/csv;charset=utf-8");
  }

  async function exportPdf(): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    const pdf = await notices.attempt("Making the PDF", () => call("plan.bomPdf", { siteId: id }));
    if (pdf) download(pdf.fileName, base64ToBytes(pdf.dataBase64), "application/pdf");
  }

  return {
    floors,
    doorRows,
    iqSites,
    survey,
    current,
    draft,
    dirty,
    violations,
    checkMs,
    loaded,
    running,
    progress,
    runFailure,
    saving,
    bom,
    history,
    images,
    selection,
    activeFloorId,
    activeFloor,
    tool,
    showRanges,
    freshDiff,
    importResult,
    floorsById,
    doorNames,
    names,
    index,
    radio,
    badIds,
    nameOf,
    say,
    load,
    importDoors,
    createFloor,
    uploadImage,
    updateFloor,
    placeDoor,
    moveDoor,
    previewDoor,
    deleteDoor,
    addIqSite,
    deleteIqSite,
    run,
    moveDevice,
    setParent,
    save,
    discard,
    exportCsv,
    exportPdf,
  };
});

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
