/** Words for what the sync sends and finds: kinds of entity, durations, and the fields two versions disagree on. */

/** One and many, per kind the sync knows (core/cloud/documents.ts), plus the site itself and IQ trees. */
const KINDS: Readonly<Record<string, readonly [string, string]>> = {
  site: ["Site details", "Site details"],
  floor: ["Floor", "Floors"],
  door: ["Door", "Doors"],
  lock: ["Lock", "Locks"],
  iq: ["IQ", "IQs"],
  repeater: ["Repeater", "Repeaters"],
  iqTree: ["IQ tree", "IQ trees"],
  user: ["User", "Users"],
  tag: ["Tag", "Tags"],
  schedule: ["Schedule", "Schedules"],
  accessGroup: ["Access group", "Access groups"],
  pod: ["Pod", "Pods"],
  podGuest: ["Pod guest", "Pod guests"],
};

/** The order a full sync sends kinds in (API.md §7.3), so the table reads like the push. */
const ORDER = ["site", "floor", "door", "lock", "iq", "repeater", "iqTree", "user", "schedule", "tag", "accessGroup", "pod", "podGuest"];

/** The core labels an entity by its name; one without (a pod guest) comes as its id: say the kind and a short id instead. */
export function entityLabel(entity: string, label: string, entityId: string): string {
  return label === entityId ? `${kindLabel(entity)} …${entityId.slice(-6)}` : label;
}

export function kindLabel(entity: string, many = false): string {
  const k = KINDS[entity];
  if (k) return many ? k[1] : k[0];
  const words = entity.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function kindOrder(a: string, b: string): number {
  const ia = ORDER.indexOf(a);
  const ib = ORDER.indexOf(b);
  return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib) || a.localeCompare(b);
}

export const OP_WORDS = { insert: "new", update: "changed", delete: "removed" } as const;

/** "about 40 s", "about 3 min", "under a second". */
export function duration(ms: number): string {
  if (ms < 1000) return "under a second";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m < 60) return rest === 0 || m >= 10 ? `${m} min` : `${m} min ${rest} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export interface FieldDiff {
  /** "assignedAt", "hardware.kind". */
  readonly path: string;
  readonly mine: string;
  readonly theirs: string;
}

/** Bookkeeping fields nobody chooses between. */
const IGNORED = new Set(["id", "version", "updatedAt", "updated_at", "createdAt"]);

function show(v: unknown): string {
  if (v === undefined) return "—";
  if (v === null) return "none";
  if (typeof v === "string") return v === "" ? "(empty)" : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "none" : v.map(show).join(", ");
  return JSON.stringify(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The fields where this copy's version and the cloud's differ, one level of nesting
 * deep (deeper values are shown whole). A deleted side shows as "deleted".
 */
export function diffDocs(mine: unknown, theirs: unknown): FieldDiff[] {
  if (mine === null || mine === undefined || theirs === null || theirs === undefined) {
    return [{ path: "(whole entity)", mine: mine == null ? "deleted" : "kept", theirs: theirs == null ? "deleted" : "kept" }];
  }
  if (!isPlainObject(mine) || !isPlainObject(theirs)) return show(mine) === show(theirs) ? [] : [{ path: "value", mine: show(mine), theirs: show(theirs) }];
  const out: FieldDiff[] = [];
  const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].filter((k) => !IGNORED.has(k));
  for (const k of keys) {
    const a = mine[k];
    const b = theirs[k];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const sub of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
        if (JSON.stringify(a[sub]) !== JSON.stringify(b[sub])) out.push({ path: `${k}.${sub}`, mine: show(a[sub]), theirs: show(b[sub]) });
      }
    } else {
      out.push({ path: k, mine: show(a), theirs: show(b) });
    }
  }
  return out;
}

/** "userId" → "User id", "hardware.kind" → "Hardware kind". */
export function fieldLabel(path: string): string {
  const words = path
    .replace(/\./g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
