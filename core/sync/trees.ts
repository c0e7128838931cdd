import { createHash } from "node:crypto";
import type { Db } from "../store/database.ts";

/**
 * IQ trees as the cloud takes them (tests/cloud/API.md §5): one document per IQ,
 * written whole. Here a tree is not an entity of its own but the `parent` of every lock
 * and repeater, so the sync builds each tree document from the site's rows and writes
 * the trees whose devices changed, after the devices themselves are in the cloud.
 */

export interface TreeItem {
  readonly id: string;
  readonly parent_id: string;
  readonly hardware_type: "lock" | "repeater";
}

export interface TreeDoc {
  readonly items: readonly TreeItem[];
}

/** Deeper than any valid tree (3 repeaters): stops a cycle in a broken file from looping. */
const MAX_DEPTH = 8;

/**
 * The tree of one IQ from the site's rows: repeaters first, level by level, then the
 * locks, each group in id (creation) order, so that a flat tree's order, which fixes
 * the lock numbers the IQ uses, stays the same from one sync to the next.
 */
export function treeOf(db: Db, iqId: string): TreeDoc {
  const repeaters = db
    .prepare(
      `WITH RECURSIVE reps (id, parent, depth) AS (
         SELECT id, parent_iq_id, 1 FROM repeaters WHERE parent_iq_id = ?
         UNION ALL
         SELECT r.id, r.parent_repeater_id, reps.depth + 1 FROM repeaters r JOIN reps ON r.parent_repeater_id = reps.id WHERE reps.depth < ${MAX_DEPTH}
       )
       SELECT id, parent FROM reps ORDER BY depth, id`,
    )
    .all(iqId) as { id: string; parent: string }[];
  const parents = [iqId, ...repeaters.map((r) => r.id)];
  const locks: { id: string; parent: string }[] = [];
  const byParent = db.prepare(`SELECT id, coalesce(parent_iq_id, parent_repeater_id) AS parent FROM locks WHERE parent_iq_id = ? OR parent_repeater_id = ? ORDER BY id`);
  for (const p of parents) locks.push(...(byParent.all(p, p) as { id: string; parent: string }[]));
  locks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    items: [
      ...repeaters.map((r): TreeItem => ({ id: r.id, parent_id: r.parent, hardware_type: "repeater" })),
      ...locks.map((l): TreeItem => ({ id: l.id, parent_id: l.parent, hardware_type: "lock" })),
    ],
  };
}

/** The IQ at the top of a repeater's chain now, or undefined (the repeater is gone or hangs nowhere). */
function rootOfRepeater(db: Db, repeaterId: string): string | undefined {
  const row = db
    .prepare(
      `WITH RECURSIVE up (id, piq, prep, n) AS (
         SELECT id, parent_iq_id, parent_repeater_id, 0 FROM repeaters WHERE id = ?
         UNION ALL
         SELECT r.id, r.parent_iq_id, r.parent_repeater_id, up.n + 1 FROM repeaters r JOIN up ON r.id = up.prep WHERE up.n < ${MAX_DEPTH}
       )
       SELECT piq FROM up WHERE piq IS NOT NULL LIMIT 1`,
    )
    .get(repeaterId) as { piq: string } | undefined;
  return row?.piq;
}

/** Every IQ of the site, in id order. */
function allIqs(db: Db): string[] {
  return (db.prepare(`SELECT id FROM iqs ORDER BY id`).all() as { id: string }[]).map((r) => r.id);
}

/**
 * The IQs whose tree may differ from the cloud's after the journal entries in
 * `(fromSeq, toSeq]`: every IQ a changed lock or repeater hung under, before or after.
 * Read straight from the journal's rows with SQLite's JSON functions (only the parents,
 * not whole documents); a bulk row (store/bulk-insert.ts) names its entities' ids, whose
 * parents are then read from their rows. A parent repeater that no longer exists hides
 * its IQ, so then every IQ is written (a PUT of an unchanged tree changes nothing).
 */
export function treesTouched(db: Db, fromSeq: number, toSeq: number, ownActions: readonly string[]): string[] {
  const marks = ownActions.map(() => "?").join(", ");
  const rows = db
    .prepare(
      `SELECT entity, entity_id AS entityId,
              json_extract(before, '$.parent.kind') AS bk, json_extract(before, '$.parent.id') AS bid,
              json_extract(after, '$.parent.kind') AS ak, json_extract(after, '$.parent.id') AS aid,
              CASE WHEN entity_id = '*' THEN after END AS bulk
       FROM journal
       WHERE seq > ? AND seq <= ? AND entity IN ('lock', 'repeater') AND action NOT IN (${marks})`,
    )
    .all(fromSeq, toSeq, ...ownActions) as { entity: string; entityId: string; bk: string | null; bid: string | null; ak: string | null; aid: string | null; bulk: string | null }[];
  const parents: { kind: string; id: string }[] = [];
  for (const r of rows) {
    if (r.bulk !== null) {
      const table = r.entity === "lock" ? "locks" : "repeaters";
      const current = db.prepare(`SELECT parent_iq_id AS iq, parent_repeater_id AS rep FROM ${table} WHERE id = ?`);
      for (const id of JSON.parse(r.bulk) as string[]) {
        const p = current.get(id) as { iq: string | null; rep: string | null } | undefined;
        if (p?.iq) parents.push({ kind: "iq", id: p.iq });
        if (p?.rep) parents.push({ kind: "repeater", id: p.rep });
      }
      continue;
    }
    if (r.bk !== null && r.bid !== null) parents.push({ kind: r.bk, id: r.bid });
    if (r.ak !== null && r.aid !== null) parents.push({ kind: r.ak, id: r.aid });
  }
  if (parents.length === 0) return [];
  const iqs = new Set<string>();
  let unknown = false;
  const roots = new Map<string, string | undefined>();
  for (const p of parents) {
    if (p.kind === "iq") iqs.add(p.id);
    else {
      if (!roots.has(p.id)) roots.set(p.id, rootOfRepeater(db, p.id));
      const root = roots.get(p.id);
      if (root === undefined) unknown = true;
      else iqs.add(root);
    }
  }
  const existing = new Set(allIqs(db));
  const out = unknown ? [...existing] : [...iqs].filter((id) => existing.has(id));
  return out.sort();
}

/** A short digest of a tree document, part of its idempotency key: the same tree, the same key. */
export function treeDigest(doc: TreeDoc): string {
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex").slice(0, 16);
}
