/** The site store: one SQLite file per site. See site-store.ts for the entry point. */
export { SiteStore, NewSite, type SiteStoreDeps, type SiteCounts, type FileSettings } from "./site-store.ts";
export { ActionName, type ActionInfo, type StoreTx } from "./action.ts";
export { ENTITIES, ENTITY_NAMES, type EntityName, type EntityOf, type EntityInput, type NewEntity } from "./entities.ts";
export type { Page } from "./entity-rows.ts";
export type { FloorImage, FloorImageMime } from "./floor-images.ts";
export type { PlanSummary } from "./plan-rows.ts";
export { JOURNAL_OPS, JournalQuery, type JournalEntry, type JournalOp } from "./journal.ts";
export { UserSearchQuery, type UserSearchResult } from "./user-search.ts";
export { searchKey } from "./user-search-keys.ts";
export { RecentSites, RecentSiteEntry, RECENT_SITES_LIMIT } from "./recent-sites.ts";
export { LINTEL_APPLICATION_ID } from "./database.ts";
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations/index.ts";
export { inspectSiteFile } from "./site-file-checks.ts";
