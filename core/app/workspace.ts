import { existsSync, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { AppError } from "../errors/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { IdSource } from "../ports/ids.ts";
import { RecentSites } from "../store/recent-sites.ts";
import { SiteStore } from "../store/site-store.ts";
import { seedDemoHotel, DEMO_SITE_FILE } from "../demo/demo-hotel.ts";

export interface WorkspaceDeps {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Passed to better-sqlite3 when the shell needs a binary of its own (Electron). */
  readonly nativeBinding?: string | undefined;
}

/**
 * The sites this process has open, and the recent list. A site is a file: open
 * stores are keyed by the site's id, and the same file is never opened twice.
 */
export class Workspace {
  private readonly open = new Map<string, SiteStore>();
  readonly recent: RecentSites;
  readonly sitesDir: string;

  constructor(private readonly deps: WorkspaceDeps) {
    mkdirSync(deps.dataDir, { recursive: true });
    this.sitesDir = join(deps.dataDir, "sites");
    mkdirSync(this.sitesDir, { recursive: true });
    this.recent = new RecentSites(join(deps.dataDir, "recent-sites.json"), deps.clock);
  }

  get dataDir(): string {
    return this.deps.dataDir;
  }

  private storeDeps(actor: string) {
    return { clock: this.deps.clock, ids: this.deps.ids, actor, nativeBinding: this.deps.nativeBinding };
  }

  /** A new site file in the data folder, named after the site. */
  create(input: { name: string; address?: string | undefined; timezone?: string | undefined }, actor: string): SiteStore {
    const path = this.freePathFor(input.name);
    const store = SiteStore.create(path, input, this.storeDeps(actor));
    return this.remember(store);
  }

  openFile(path: string, actor: string): SiteStore {
    const full = resolve(path);
    for (const s of this.open.values()) if (s.path === full) return this.remember(s);
    const store = SiteStore.open(full, this.storeDeps(actor));
    const already = this.open.get(store.siteId);
    if (already) {
      // The same site from another file (a copy): keep one open, say which.
      store.close();
      throw new AppError("site.already_open", `A copy of this site is already open from ${already.path}. Close it first.`, { path: full, openPath: already.path });
    }
    return this.remember(store);
  }

  /** The demo hotel: created and seeded on first use, opened afterwards. */
  openDemo(actor: string): SiteStore {
    const path = join(this.sitesDir, DEMO_SITE_FILE);
    if (existsSync(path)) return this.openFile(path, actor);
    const store = SiteStore.create(path, { name: "Hotel Aurora (demo)", address: "Harbour Road 12, Ghent", timezone: "Europe/Brussels" }, this.storeDeps(actor));
    seedDemoHotel(store, { actor, clock: this.deps.clock, ids: this.deps.ids });
    return this.remember(store);
  }

  get(siteId: string): SiteStore {
    const s = this.open.get(siteId);
    if (!s) throw new AppError("site.not_open", "This site is not open. Open it from Sites first.", { siteId });
    return s;
  }

  isOpen(path: string): boolean {
    for (const s of this.open.values()) if (s.path === path) return true;
    return false;
  }

  close(siteId: string): boolean {
    const s = this.open.get(siteId);
    if (!s) return false;
    s.close();
    this.open.delete(siteId);
    return true;
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }

  backupPathFor(store: SiteStore): string {
    const dir = join(this.deps.dataDir, "backups");
    mkdirSync(dir, { recursive: true });
    const stamp = new Date(this.deps.clock.now()).toISOString().replace(/[:.]/g, "-");
    return join(dir, `${slug(store.site().name)}-${stamp}.lintel`);
  }

  fileSize(path: string): number {
    return statSync(path).size;
  }

  private remember(store: SiteStore): SiteStore {
    this.open.set(store.siteId, store);
    this.recent.touch({ path: store.path, siteId: store.siteId, name: store.site().name });
    return store;
  }

  private freePathFor(name: string): string {
    const base = slug(name) || "site";
    for (let i = 1; ; i++) {
      const p = join(this.sitesDir, i === 1 ? `${base}.lintel` : `${base}-${i}.lintel`);
      if (!existsSync(p)) return p;
    }
  }
}

/** A file-name-safe form of a site name: `Hotel Aurora (demo)` → `hotel-aurora-demo`. */
export function slug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "-")
    .slice(0, 60);
}
