import { z } from "zod";
import type { User } from "../domain/index.ts";
import type { StatementCache } from "./database.ts";
import { searchKey } from "./user-search-keys.ts";

export const UserSearchQuery = z.object({
  /** Words; each must be the start of the first name, last name or e-mail. Empty lists everyone. */
  query: z.string().max(200).default(""),
  limit: z.number().int().min(1).max(500).default(50),
  offset: z.number().int().min(0).default(0),
});
export type UserSearchQuery = z.input<typeof UserSearchQuery>;

export interface UserSearchResult {
  readonly total: number;
  readonly items: User[];
}

/** More words than this only narrow a search further; the first ones are enough. */
const MAX_WORDS = 4;

/** Above every character a key can hold: `prefix + TOP` bounds the keys starting with prefix. */
const TOP = "\u{10FFFF}";

/**
 * Prefix search over the indexed search keys (migration 0003). Each word becomes three
 * index range scans (first name, last name, e-mail) that SQLite unions with its
 * OR-optimisation, so the cost follows the number of matches, not of users.
 * Results are ordered by last name, first name, then id, for a stable paging.
 */
export function searchUsers(sql: StatementCache, input: UserSearchQuery): UserSearchResult {
  const { query, limit, offset } = UserSearchQuery.parse(input);
  const words = searchKey(query).split(/\s+/).filter((w) => w.length > 0).slice(0, MAX_WORDS);
  const where = words.length === 0 ? "" : `WHERE ${words.map((_, i) => wordCondition(i)).join(" AND ")}`;
  const params: Record<string, string> = {};
  words.forEach((w, i) => {
    params[`lo${i}`] = w;
    params[`hi${i}`] = w + TOP;
  });
  const total = (sql.get(`SELECT count(*) AS n FROM users ${where}`).get(params) as { n: number }).n;
  const rows = sql
    .get(`SELECT data FROM users ${where} ORDER BY last_key, first_key, id LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit, offset }) as { data: string }[];
  return { total, items: rows.map((r) => JSON.parse(r.data) as User) };
}

function wordCondition(i: number): string {
  return `((first_key >= @lo${i} AND first_key < @hi${i}) OR (last_key >= @lo${i} AND last_key < @hi${i}) OR (email_key >= @lo${i} AND email_key < @hi${i}))`;
}
