import type { StoredPlan } from "../domain/index.ts";
import type { StatementCache } from "./database.ts";

/**
 * Plan lookups the generic entity readers cannot do cheaply: plans are large documents
 * (a 10,000-door plan is about a megabyte of JSON), so "the latest" and the history
 * list are answered from the `created_at` index and SQLite's JSON functions, without
 * parsing every plan. Newest means latest `created_at`, then highest (UUIDv7) id.
 */

export interface PlanSummary {
  readonly id: string;
  readonly createdAt: string;
  readonly label: string;
  readonly source: StoredPlan["source"];
  readonly cost: number;
  readonly iqs: number;
  readonly repeaters: number;
}

export function latestPlan(sql: StatementCache): StoredPlan | undefined {
  const row = sql.get(`SELECT data FROM plans ORDER BY created_at DESC, id DESC LIMIT 1`).get() as { data: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.data) as StoredPlan);
}

export function planSummaries(sql: StatementCache): PlanSummary[] {
  return sql
    .get(
      `SELECT id, created_at AS createdAt,
              json_extract(data, '$.label') AS label,
              json_extract(data, '$.source') AS source,
              json_extract(data, '$.plan.cost') AS cost,
              json_array_length(data, '$.plan.iqs') AS iqs,
              json_array_length(data, '$.plan.repeaters') AS repeaters
       FROM plans ORDER BY created_at DESC, id DESC`,
    )
    .all() as PlanSummary[];
}
