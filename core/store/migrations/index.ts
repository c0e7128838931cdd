import { migration0001 } from "./0001_meta_journal_site.ts";
import { migration0002 } from "./0002_hardware.ts";
import { migration0003 } from "./0003_people_access.ts";
import { migration0004 } from "./0004_plans.ts";
import { migration0005 } from "./0005_pods.ts";
import { migration0006 } from "./0006_reception.ts";
import { migration0007 } from "./0007_commissioning.ts";
import { migration0008 } from "./0008_sync.ts";
import { migration0009 } from "./0009_handover.ts";
import type { Migration } from "./migration.ts";

export type { Migration } from "./migration.ts";

/** Every migration, oldest first. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009]);

/** The schema version this build writes; a file with a higher `user_version` is refused. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length;
