import type { StatementCache } from "./database.ts";

/** Keys of the `meta` table. */
export const META = {
  siteId: "site_id",
  /** Identifies this copy's line of edits, for merging two laptops' work later. */
  replicaId: "replica_id",
  /** The Lamport clock: the highest clock value any action in this file has used. */
  clock: "clock",
  /** The schema version the file was created with (user_version says the current one). */
  createdWithSchema: "created_with_schema",
} as const;

export function readMeta(sql: StatementCache, key: string): string | undefined {
  const row = sql.get(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeMeta(sql: StatementCache, key: string, value: string): void {
  sql.get(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
}
