import type { Db } from "./database.ts";
import { MIGRATIONS, type Migration } from "./migrations/index.ts";

export interface MigrateOptions {
  /** Defaults to every migration; tests pass a prefix to build an older file. */
  readonly migrations?: readonly Migration[];
  /** Stop after this version (default: the last migration given). */
  readonly upTo?: number;
}

export interface MigrateResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/** The schema version recorded in the file header. */
export function schemaVersionOf(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Migrations must be numbered 1, 2, 3, ... with no gap: a gap would skip a step on some files. */
export function assertMigrationSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration #${i} "${m.name}" has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/**
 * Applies the pending migrations, each in its own IMMEDIATE transaction together with
 * the `user_version` bump and a foreign-key check, so a crash or a failing migration
 * leaves the file at the last complete version. The caller refuses files that are too
 * new before calling this (see site-file-checks.ts); here it is a programming error.
 */
export function migrate(db: Db, options: MigrateOptions = {}): MigrateResult {
  const migrations = options.migrations ?? MIGRATIONS;
  assertMigrationSequence(migrations);
  const target = options.upTo ?? migrations.length;
  if (target > migrations.length) throw new Error(`no migration to version ${target}`);

  const from = schemaVersionOf(db);
  if (from > migrations.length) {
    throw new Error(`schema version ${from} is newer than the newest migration ${migrations.length}`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      const dangling = db.pragma("foreign_key_check") as unknown[];
      if (dangling.length > 0) {
        throw new Error(`migration ${m.version} "${m.name}" leaves ${dangling.length} broken foreign keys`);
      }
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return { from, to: schemaVersionOf(db), applied };
}
