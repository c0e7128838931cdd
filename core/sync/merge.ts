import { canonicalJson } from "../store/canonical-json.ts";

/**
 * The three-way, field-level rule for an entity changed both here and in the cloud.
 *
 * `base` is the document as the cloud had it when this copy changed it, `local` this
 * copy's document, `remote` the cloud's current one. Per top-level field (nested
 * objects and arrays compared whole, by canonical JSON): a field changed on one side
 * only takes that side's value; changed on both sides to the same value, that value;
 * changed on both sides to different values, it is a conflict. Whole-value comparison
 * made a change to `stage` here and one to `releasedAt` there a conflict; they are not.
 */
export type ThreeWay =
  /** No field clashes: `doc` holds both sides' changes. */
  | { readonly kind: "merged"; readonly doc: Record<string, unknown> }
  /**
   * `fields` changed on both sides to different values. `doc` is this copy's document
   * with the cloud's other changes taken in (this side's values on `fields`): against
   * the cloud's document it differs only where this copy changed something.
   */
  | { readonly kind: "conflict"; readonly fields: readonly string[]; readonly doc: Record<string, unknown> };

type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/**
 * Fields that only mean something together, merged as one: a tag's holder and state
 * (blocked here while handed to someone else in the cloud is a conflict, not a blocked
 * tag of the new holder).
 */
export const COUPLED_FIELDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  tag: [["state", "userId", "guestId", "podId", "assignedAt"]],
};

/**
 * Merges field by field; null when the three are not all documents (a creation or a
 * deletion on either side is never merged: the person decides). `groups` are sets of
 * fields compared and taken as one; a clash in a group names its fields whose values
 * differ between the two sides.
 */
export function threeWayMerge(base: unknown, local: unknown, remote: unknown, groups: readonly (readonly string[])[] = []): ThreeWay | null {
  if (!isDoc(base) || !isDoc(local) || !isDoc(remote)) return null;
  const doc: Doc = {};
  const fields: string[] = [];
  const keys = [...new Set([...Object.keys(base), ...Object.keys(local), ...Object.keys(remote)])].sort();
  const grouped = new Set(groups.flat());
  const units = [...groups.map((g) => g.filter((k) => keys.includes(k))).filter((g) => g.length > 0), ...keys.filter((k) => !grouped.has(k)).map((k) => [k])];
  const part = (d: Doc, unit: readonly string[]) => Object.fromEntries(unit.map((k) => [k, d[k] ?? null]));
  for (const unit of units) {
    const b = part(base, unit);
    const l = part(local, unit);
    const r = part(remote, unit);
    const localChanged = !same(b, l);
    const remoteChanged = !same(b, r);
    if (localChanged && remoteChanged && !same(l, r)) fields.push(...unit.filter((k) => !same(local[k], remote[k])));
    const from = localChanged ? local : remote;
    for (const k of unit) if (from[k] !== undefined) doc[k] = from[k];
  }
  fields.sort();
  return fields.length === 0 ? { kind: "merged", doc } : { kind: "conflict", fields, doc };
}

/**
 * The idempotency key of a change re-sent after a merge: the original change's key and
 * the cloud version it is now made on. Deterministic, so a lost answer re-sends the
 * same key; a different version (the cloud moved again) gets a new one.
 */
export function mergeKey(originalKey: string, remoteVersion: number): string {
  return `${originalKey}~v${remoteVersion}`;
}
