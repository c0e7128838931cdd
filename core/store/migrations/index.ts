import { migration0001 } from "./0001_meta_journal_site.ts";
import { migration0002 } from "./0002_hardware.ts";
import { migration0003 } from "./0003_people_access.ts";
import { migration0004 } from "./0004_plans.ts";
import { migration0005 } from "./0005_pods.ts";
import type { Migration } from "./migration.ts";

export type { Migration } from "./migration.ts";

/** Every migration, oldest first. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([migration0001, migration0002, migration0003, migration0004, migration0005]);

/** The schema version this build writes; a file with a higher `user_version` is refused. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length;
