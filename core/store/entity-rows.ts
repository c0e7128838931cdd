import type { StatementCache } from "./database.ts";
import { specOf, type EntityName, type EntityOf } from "./entities.ts";

/**
 * Rows of entity tables, without journaling: the store's action writer and readers sit
 * on top. Documents are validated on every write and trusted on read (JSON.parse
 * only), so listing 100,000 users does not run 100,000 schema checks.
 */

export interface Page {
  readonly limit?: number;
  readonly offset?: number;
}

export function readDocument(sql: StatementCache, entity: EntityName, id: string): string | undefined {
  const row = sql.get(`SELECT data FROM ${specOf(entity).table} WHERE id = ?`).get(id) as { data: string } | undefined;
  return row?.data;
}

export function getEntity<N extends EntityName>(sql: StatementCache, entity: N, id: string): EntityOf<N> | undefined {
  const data = readDocument(sql, entity, id);
  return data === undefined ? undefined : (JSON.parse(data) as EntityOf<N>);
}

/** All entities of a kind in id order, which for UUIDv7 ids is creation order. */
export function listEntities<N extends EntityName>(sql: StatementCache, entity: N, page: Page = {}): EntityOf<N>[] {
  const rows = sql
    .get(`SELECT data FROM ${specOf(entity).table} ORDER BY id LIMIT ? OFFSET ?`)
    .all(page.limit ?? -1, page.offset ?? 0) as { data: string }[];
  return rows.map((r) => JSON.parse(r.data) as EntityOf<N>);
}

export function countRows(sql: StatementCache, entity: EntityName): number {
  return (sql.get(`SELECT count(*) AS n FROM ${specOf(entity).table}`).get() as { n: number }).n;
}

/** Inserts or rewrites a row: the document, its extracted columns and its join rows. */
export function writeRow(
  sql: StatementCache,
  entity: EntityName,
  mode: "insert" | "update",
  doc: { readonly id: string },
  json: string,
): void {
  const spec = specOf(entity);
  const columns = spec.columns(doc);
  const names = Object.keys(columns);
  const values = { ...columns, id: doc.id, data: json };
  if (mode === "insert") {
    const cols = ["id", "data", ...names];
    sql.get(`INSERT INTO ${spec.table} (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})`).run(values);
  } else {
    const sets = ["data", ...names].map((c) => `${c} = @${c}`).join(", ");
    sql.get(`UPDATE ${spec.table} SET ${sets} WHERE id = @id`).run(values);
  }
  for (const link of spec.links) {
    if (mode === "update") sql.get(`DELETE FROM ${link.table} WHERE ${link.ownerColumn} = ?`).run(doc.id);
    const insert = sql.get(`INSERT INTO ${link.table} (${link.ownerColumn}, ${link.targetColumn}) VALUES (?, ?)`);
    for (const target of link.ids(doc)) insert.run(doc.id, target);
  }
}

export function deleteRow(sql: StatementCache, entity: EntityName, id: string): void {
  const spec = specOf(entity);
  for (const link of spec.links) sql.get(`DELETE FROM ${link.table} WHERE ${link.ownerColumn} = ?`).run(id);
  sql.get(`DELETE FROM ${spec.table} WHERE id = ?`).run(id);
}
