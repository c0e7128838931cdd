import type { Db } from "../database.ts";

/**
 * One step of the site file's schema. Forward-only: a file is never migrated down, so
 * a migration never needs an inverse; a mistake is fixed by the next migration.
 * `up` runs inside a transaction that also bumps `user_version` to `version`, so a
 * crash leaves the file at the previous version, never in between.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Db): void;
}
