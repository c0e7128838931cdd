import type { PodGuest, Tag, User } from "../domain/index.ts";
import type { StatementCache } from "./database.ts";

/**
 * "Whose tag is this?" — the reception desk asks it for every tag presented, within
 * the 50 ms between a reader's report and the owner on screen. One prepared
 * statement: the tag by its number through the UNIQUE index on `tags.number`
 * (migration 0003), its user by primary key, its pod guest through the UNIQUE index
 * on `pod_guests.tag_id` (0005). Never a scan, whatever the size of the site.
 */

export interface TagLookupRow {
  readonly tag: Tag;
  readonly user: User | null;
  readonly guest: PodGuest | null;
}

/**
 * `number` is tried first, then `alternate` (a spelling the same tag may have been
 * stored with before numbers were normalised, e.g. "12:345" for "012:00345").
 */
export const TAG_LOOKUP_SQL = `
  SELECT t.data AS tag, u.data AS user, g.data AS guest
  FROM tags t
  LEFT JOIN users u ON u.id = t.user_id
  LEFT JOIN pod_guests g ON g.tag_id = t.id
  WHERE t.number IN (@number, @alternate)
  ORDER BY t.number = @number DESC
  LIMIT 1`;

export function lookupTag(sql: StatementCache, number: string, alternate: string = number): TagLookupRow | undefined {
  const row = sql.get(TAG_LOOKUP_SQL).get({ number, alternate }) as { tag: string; user: string | null; guest: string | null } | undefined;
  if (!row) return undefined;
  return {
    tag: JSON.parse(row.tag) as Tag,
    user: row.user === null ? null : (JSON.parse(row.user) as User),
    guest: row.guest === null ? null : (JSON.parse(row.guest) as PodGuest),
  };
}
