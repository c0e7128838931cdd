import type { MeshPlan, RadioParams, SiteSurvey } from "../../../../core/topology/format.ts";
import { radioDistance, RANGE_EPSILON_M } from "../../../../core/topology/radio.ts";
import { IQ_LIMITS } from "../../../../core/domain/index.ts";

/**
 * Pure helpers of the Plan screen: the mesh as a tree with hop distances, the words
 * for each 2204 rule, the colours of lock kinds. No Vue, no calls: easy to test.
 */

export type LockKind = SiteSurvey["doors"][number]["kind"];
export type DeviceKind = "iq" | "repeater";

export const KIND_COLOURS: Readonly<Record<LockKind, string>> = {
  escutcheon: "#3550c8",
  cylinder: "#0f8a7e",
  "wall-reader": "#8a3fc8",
  locker: "#a86b00",
};

export const IQ_COLOUR = "#1f2a44";
export const REPEATER_COLOUR = "#e8590c";

/** Each rule of the IQ-tree validator, said as a person would (all are KS 2204). */
export const RULE_TITLES: Readonly<Record<string, string>> = {
  "duplicate-id": "The same id is used twice",
  "unknown-door": "A lock for a door the site does not have",
  "door-unplanned": "A door has no lock in the plan",
  "door-twice": "A door is planned twice",
  "parent-missing": "A parent that does not exist",
  "repeater-parent": "A repeater hangs on something that is not an IQ or a repeater",
  cycle: "A loop in the tree (never reaches an IQ)",
  "iq-locks": `More than ${IQ_LIMITS.locksPerIq} locks on one IQ`,
  "iq-repeaters": `More than ${IQ_LIMITS.repeatersPerIq} repeaters on one IQ`,
  "chain-depth": `More than ${IQ_LIMITS.repeaterChainDepth} repeaters in a chain`,
  "repeater-children": `More than ${IQ_LIMITS.childRepeatersPerRepeater} repeaters on one repeater`,
  "lock-on-iq-with-repeaters": "A lock directly on an IQ that has repeaters",
  "hop-range": "Out of radio range",
  "unknown-floor": "On a floor the site does not have",
  "off-floor": "Outside its floor",
  "iq-site": "An IQ away from its IQ place",
  cost: "The cost does not match the hardware",
};

export const PHASE_LABELS: Readonly<Record<string, string>> = {
  cover: "Choosing where IQs and repeaters go",
  trees: "Building the IQ trees",
  improve: "Looking for cheaper hardware",
  done: "Planned",
};

export interface Point {
  readonly floor: string;
  readonly x: number;
  readonly y: number;
}

/** Everything the map and the tree need to find things by id. */
export interface MeshIndex {
  readonly levelOf: ReadonlyMap<string, number>;
  readonly doors: ReadonlyMap<string, SiteSurvey["doors"][number]>;
  readonly devices: ReadonlyMap<string, { kind: DeviceKind; id: string; floor: string; x: number; y: number; parent: string | null }>;
  /** Children of each IQ / repeater, repeaters first. */
  readonly repeaterChildren: ReadonlyMap<string, readonly string[]>;
  readonly lockChildren: ReadonlyMap<string, readonly string[]>;
  /** Door id → its parent device id. */
  readonly parentOfDoor: ReadonlyMap<string, string>;
}

export function indexMesh(survey: SiteSurvey | null, plan: MeshPlan | null): MeshIndex {
  const levelOf = new Map((survey?.floors ?? []).map((f) => [f.id, f.level] as const));
  const doors = new Map((survey?.doors ?? []).map((d) => [d.id, d] as const));
  const devices = new Map<string, { kind: DeviceKind; id: string; floor: string; x: number; y: number; parent: string | null }>();
  const repeaterChildren = new Map<string, string[]>();
  const lockChildren = new Map<string, string[]>();
  const parentOfDoor = new Map<string, string>();
  for (const iq of plan?.iqs ?? []) devices.set(iq.id, { kind: "iq", id: iq.id, floor: iq.floor, x: iq.x, y: iq.y, parent: null });
  for (const r of plan?.repeaters ?? []) {
    devices.set(r.id, { kind: "repeater", id: r.id, floor: r.floor, x: r.x, y: r.y, parent: r.parent });
    push(repeaterChildren, r.parent, r.id);
  }
  for (const l of plan?.locks ?? []) {
    push(lockChildren, l.parent, l.door);
    parentOfDoor.set(l.door, l.parent);
  }
  return { levelOf, doors, devices, repeaterChildren, lockChildren, parentOfDoor };
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Radio distance between two points of the site, or null when a floor is unknown. */
export function hopDistance(a: Point, b: Point, levelOf: ReadonlyMap<string, number>, radio: RadioParams): number | null {
  const la = levelOf.get(a.floor);
  const lb = levelOf.get(b.floor);
  if (la === undefined || lb === undefined) return null;
  return radioDistance({ level: la, x: a.x, y: a.y }, { level: lb, x: b.x, y: b.y }, radio);
}

export function outOfRange(d: number | null, radio: RadioParams): boolean {
  return d !== null && d > radio.hopRangeM + RANGE_EPSILON_M;
}

/** One row of the tree: a repeater with its own children, or a lock. */
export type TreeNode =
  | { readonly type: "repeater"; readonly id: string; readonly depth: number; readonly hopM: number | null; readonly children: readonly TreeNode[] }
  | { readonly type: "lock"; readonly id: string; readonly depth: number; readonly hopM: number | null };

export interface IqTree {
  readonly id: string;
  readonly floor: string;
  readonly locks: number;
  readonly repeaters: number;
  readonly children: readonly TreeNode[];
}

/** IQ → repeaters → locks, with the radio distance of every hop. Cycles are cut. */
export function buildTrees(index: MeshIndex, plan: MeshPlan | null, radio: RadioParams): IqTree[] {
  const out: IqTree[] = [];
  for (const iq of plan?.iqs ?? []) {
    let locks = 0;
    let repeaters = 0;
    const seen = new Set<string>([iq.id]);
    const walk = (deviceId: string, depth: number): TreeNode[] => {
      const device = index.devices.get(deviceId);
      const nodes: TreeNode[] = [];
      for (const rid of index.repeaterChildren.get(deviceId) ?? []) {
        if (seen.has(rid)) continue;
        seen.add(rid);
        repeaters++;
        const r = index.devices.get(rid);
        const hopM = r && device ? hopDistance(r, device, index.levelOf, radio) : null;
        nodes.push({ type: "repeater", id: rid, depth, hopM, children: walk(rid, depth + 1) });
      }
      for (const did of index.lockChildren.get(deviceId) ?? []) {
        locks++;
        const door = index.doors.get(did);
        const hopM = door && device ? hopDistance(door, device, index.levelOf, radio) : null;
        nodes.push({ type: "lock", id: did, depth, hopM });
      }
      return nodes;
    };
    const children = walk(iq.id, 1);
    out.push({ id: iq.id, floor: iq.floor, locks, repeaters, children });
  }
  return out;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The validator names doors and floors by UUID; a person knows them by name. */
export function humanise(message: string, names: ReadonlyMap<string, string>): string {
  return message.replace(UUID, (id) => names.get(id) ?? `${id.slice(0, 8)}…`);
}

/** "7.4 m" */
export function metres(m: number | null, digits = 1): string {
  return m === null || !Number.isFinite(m) ? "—" : `${m.toFixed(digits)} m`;
}

export function clonePlan(p: MeshPlan): MeshPlan {
  return {
    format: p.format,
    iqs: p.iqs.map((i) => ({ ...i })),
    repeaters: p.repeaters.map((r) => ({ ...r })),
    locks: p.locks.map((l) => ({ ...l })),
    cost: p.cost,
  };
}

/** The ids of a `plan.unservable` error's doors, whatever shape its details take. */
export function unservableDoors(details: unknown): { door: string; name: string | null; reason: string }[] {
  const candidates: unknown[] = [];
  if (Array.isArray(details)) candidates.push(...details);
  else if (details && typeof details === "object") {
    for (const key of ["unservable", "doors", "rows"]) {
      const v = (details as Record<string, unknown>)[key];
      if (Array.isArray(v)) candidates.push(...v);
    }
  }
  const out: { door: string; name: string | null; reason: string }[] = [];
  const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  for (const c of candidates) {
    if (typeof c === "string") out.push({ door: c, name: null, reason: "" });
    else if (c && typeof c === "object") {
      const o = c as Record<string, unknown>;
      const door = text(o.doorId) ?? text(o.door) ?? text(o.id);
      if (door) out.push({ door, name: text(o.name), reason: text(o.reason) ?? "" });
    }
  }
  return out;
}

/** Rows of an `import.invalid` error: line, column, reason. */
export function importRows(details: unknown): { line: number | null; column: string; reason: string }[] {
  if (!details || typeof details !== "object") return [];
  const rows = (details as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  return rows
    .filter((r): r is Record<string, unknown> => !!r && typeof r === "object")
    .map((r) => ({
      line: typeof r.line === "number" ? r.line : null,
      column: r.column === undefined || r.column === null ? "" : String(r.column),
      reason: typeof r.reason === "string" ? r.reason : typeof r.message === "string" ? r.message : "",
    }));
}

/** Download text or bytes as a file, the browser way (also works in Electron). */
export function download(fileName: string, data: BlobPart, mime: string): void {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A file as base64 (no data: prefix). */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      ok(s.slice(s.indexOf(",") + 1));
    };
    r.onerror = () => fail(r.error ?? new Error("The file could not be read."));
    r.readAsDataURL(file);
  });
}

export function fileToText(file: Blob): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(String(r.result));
    r.onerror = () => fail(r.error ?? new Error("The file could not be read."));
    r.readAsText(file);
  });
}

/** Natural size of an image given as a URL. */
export function imageSize(url: string): Promise<{ width: number; height: number }> {
  return new Promise((ok, fail) => {
    const img = new Image();
    img.onload = () => ok({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => fail(new Error("The image could not be read (is it a PNG or JPEG?)."));
    img.src = url;
  });
}
