import type { AccessGroup, Locker, LockerBank, Tag } from "../domain/index.ts";
import type { StatementCache } from "./database.ts";

/** What one user holds: their tags, access groups and lockers (with each locker's bank). */
export interface UserHoldings {
  readonly tags: Tag[];
  readonly accessGroups: AccessGroup[];
  readonly lockers: { readonly locker: Locker; readonly bank: LockerBank | undefined }[];
}

/**
 * A user's holdings through the indexes on tags.user_id, access_group_users.user_id,
 * locker_assignees.user_id and lockers.occupant_id: a user detail on a 100,000-user site
 * reads a handful of rows instead of every tag, group and locker.
 */
export function userHoldings(sql: StatementCache, userId: string): UserHoldings {
  const parse = <T>(rows: unknown[]): T[] => (rows as { data: string }[]).map((r) => JSON.parse(r.data) as T);
  const tags = parse<Tag>(sql.get(`SELECT data FROM tags WHERE user_id = ? ORDER BY id`).all(userId));
  const accessGroups = parse<AccessGroup>(
    sql.get(`SELECT g.data FROM access_group_users u JOIN access_groups g ON g.id = u.group_id WHERE u.user_id = ? ORDER BY g.id`).all(userId),
  );
  const lockers = parse<Locker>(
    sql
      .get(
        `SELECT l.data FROM lockers l WHERE l.id IN (
           SELECT locker_id FROM locker_assignees WHERE user_id = ?
           UNION SELECT id FROM lockers WHERE occupant_id = ?)
         ORDER BY l.id`,
      )
      .all(userId, userId),
  );
  const bankOf = sql.get(`SELECT data FROM locker_banks WHERE id = ?`);
  return {
    tags,
    accessGroups,
    lockers: lockers.map((locker) => {
      const row = bankOf.get(locker.bankId) as { data: string } | undefined;
      return { locker, bank: row === undefined ? undefined : (JSON.parse(row.data) as LockerBank) };
    }),
  };
}
