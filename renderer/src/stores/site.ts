import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { Output, RecentSite, SiteSummary } from "../../../core/api/contract.ts";
import { call, on } from "../api/client.ts";
import { useNoticesStore } from "./notices.ts";

export type Overview = Output<"site.overview">;
export type Backup = Output<"sites.backup"> & { readonly at: string };
export type AppInfo = Output<"app.info">;

/**
 * Which site is open, the recent-sites list and the open site's overview.
 * The core remembers recent files; on start we reopen the most recent one so that a
 * reload shows the same site, and on a first start we open the demo hotel.
 */
export const useSiteStore = defineStore("site", () => {
  const notices = useNoticesStore();

  const recent = ref<RecentSite[]>([]);
  const current = ref<SiteSummary | null>(null);
  const overview = ref<Overview | null>(null);
  const info = ref<AppInfo | null>(null);
  const lastBackup = ref<Backup | null>(null);
  /** True until the first decision (reopen / demo / nothing) has been made. */
  const starting = ref(true);
  /** What is running right now, for buttons to show progress ("opening", "creating", …). */
  const busy = ref<null | "opening" | "creating" | "demo" | "backup" | "closing">(null);

  const siteId = computed(() => current.value?.siteId ?? null);
  const name = computed(() => overview.value?.site.name ?? current.value?.name ?? null);
  const stage = computed(() => overview.value?.site.stage ?? current.value?.stage ?? null);
  const address = computed(() => overview.value?.site.address ?? current.value?.address ?? "");
  const counts = computed(() => overview.value?.counts ?? current.value?.counts ?? null);

  async function refreshRecent(): Promise<void> {
    const list = await notices.attempt("Loading recent sites", () => call("sites.list", {}));
    if (list) recent.value = list;
  }

  async function refreshOverview(): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    const o = await notices.attempt("Loading the site overview", () => call("site.overview", { siteId: id }));
    // Ignore a late answer for a site that is no longer the open one.
    if (o && siteId.value === id) overview.value = o;
  }

  async function adopt(summary: SiteSummary): Promise<void> {
    if (current.value?.siteId !== summary.siteId) {
      overview.value = null;
      lastBackup.value = null;
    }
    current.value = summary;
    await Promise.all([refreshOverview(), refreshRecent()]);
  }

  async function run(kind: NonNullable<typeof busy.value>, context: string, op: () => Promise<SiteSummary>): Promise<boolean> {
    busy.value = kind;
    try {
      const summary = await notices.attempt(context, op);
      if (!summary) return false;
      await adopt(summary);
      return true;
    } finally {
      busy.value = null;
    }
  }

  function open(path: string): Promise<boolean> {
    return run("opening", "Opening the site file", () => call("sites.open", { path }));
  }

  function openDemo(): Promise<boolean> {
    return run("demo", "Opening the demo hotel", () => call("sites.openDemo", {}));
  }

  function create(input: { name: string; address: string }): Promise<boolean> {
    const address = input.address.trim();
    return run("creating", "Creating the site", () =>
      call("sites.create", { name: input.name.trim(), ...(address ? { address } : {}) }),
    );
  }

  async function close(): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    busy.value = "closing";
    try {
      const r = await notices.attempt("Closing the site", () => call("sites.close", { siteId: id }));
      if (r) {
        current.value = null;
        overview.value = null;
        lastBackup.value = null;
        await refreshRecent();
      }
    } finally {
      busy.value = null;
    }
  }

  async function forget(path: string): Promise<void> {
    const r = await notices.attempt("Removing the site from the recent list", () => call("sites.forget", { path }));
    if (r) await refreshRecent();
  }

  async function backup(): Promise<void> {
    const id = siteId.value;
    if (!id) return;
    busy.value = "backup";
    try {
      const r = await notices.attempt("Backing up the site", () => call("sites.backup", { siteId: id }));
      if (r) lastBackup.value = { ...r, at: new Date().toISOString() };
    } finally {
      busy.value = null;
    }
  }

  /** On load: reopen the most recent site if its file is there; on a first start, the demo. */
  async function start(): Promise<void> {
    try {
      void notices.attempt("Reading what is running", () => call("app.info", {})).then((i) => {
        if (i) info.value = i;
      });
      await refreshRecent();
      const first = recent.value[0];
      if (first?.exists) await open(first.path);
      else if (recent.value.length === 0) await openDemo();
    } finally {
      starting.value = false;
    }
  }

  // Keep the store in step with changes made elsewhere (another window, the CLI, a mutation here).
  let overviewTimer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== siteId.value) return;
    clearTimeout(overviewTimer);
    overviewTimer = setTimeout(() => void refreshOverview(), 120);
  });
  let recentTimer: ReturnType<typeof setTimeout> | undefined;
  on("sites.changed", () => {
    clearTimeout(recentTimer);
    recentTimer = setTimeout(() => void refreshRecent(), 120);
  });

  return {
    recent,
    current,
    overview,
    info,
    lastBackup,
    starting,
    busy,
    siteId,
    name,
    stage,
    address,
    counts,
    start,
    open,
    openDemo,
    create,
    close,
    forget,
    backup,
    refreshRecent,
    refreshOverview,
  };
});
