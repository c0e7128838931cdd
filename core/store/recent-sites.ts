import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { Id, Instant } from "../domain/index.ts";
import type { Clock } from "../ports/clock.ts";

export const RecentSiteEntry = z.object({
  path: z.string().min(1),
  siteId: Id,
  name: z.string(),
  openedAt: Instant,
});
export type RecentSiteEntry = z.infer<typeof RecentSiteEntry>;

const RecentSitesFile = z.object({ version: z.literal(1), sites: z.array(RecentSiteEntry) });

export const RECENT_SITES_LIMIT = 20;

/**
 * The list of recently opened site files, kept in a small JSON file outside any site
 * (the app's data folder). Most recent first, one entry per path, capped. The file is
 * a convenience: a missing or broken one reads as an empty list, and every write
 * replaces it atomically (temp file, fsync, rename), so a crash never leaves half a list.
 */
export class RecentSites {
  constructor(
    private readonly filePath: string,
    private readonly clock: Clock,
    private readonly limit: number = RECENT_SITES_LIMIT,
  ) {}

  list(): RecentSiteEntry[] {
    let text: string;
    try {
      text = readFileSync(this.filePath, "utf8");
    } catch {
      return [];
    }
    try {
      const parsed = RecentSitesFile.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.sites.slice(0, this.limit) : [];
    } catch {
      return [];
    }
  }

  /** Records that a site was opened now: moves (or adds) it to the top. */
  touch(site: { readonly path: string; readonly siteId: string; readonly name: string }): RecentSiteEntry[] {
    const path = resolve(site.path);
    const entry = RecentSiteEntry.parse({ ...site, path, openedAt: new Date(this.clock.now()).toISOString() });
    const sites = [entry, ...this.list().filter((s) => s.path !== path)].slice(0, this.limit);
    this.write(sites);
    return sites;
  }

  /** Drops a path from the list (the file itself stays); says whether it was there. */
  forget(path: string): boolean {
    const full = resolve(path);
    const sites = this.list();
    const kept = sites.filter((s) => s.path !== full);
    if (kept.length === sites.length) return false;
    this.write(kept);
    return true;
  }

  private write(sites: readonly RecentSiteEntry[]): void {
    mkdirSync(dirname(this.filePath), { recursive: true });
    const temp = `${this.filePath}.${process.pid}.tmp`;
    try {
      const fd = openSync(temp, "w");
      try {
        writeSync(fd, `${JSON.stringify({ version: 1, sites }, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.filePath);
    } finally {
      rmSync(temp, { force: true });
    }
  }
}
