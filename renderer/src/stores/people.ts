import { defineStore } from "pinia";
import { ref, shallowRef, watch } from "vue";
import type { Role, Tag, User } from "../../../core/domain/index.ts";
import { call, on } from "../api/client.ts";
import { useNoticesStore } from "./notices.ts";
import { useSiteStore } from "./site.ts";

/** Users fetched per `users.search` call as the list scrolls. */
export const PAGE_SIZE = 100;
/** Pages kept in memory; scrolling far away drops the oldest (100,000 users need not all sit here). */
const MAX_PAGES = 60;
/** The most users fetched to put names on tags; beyond that a tag shows "a user". */
const NAME_LOOKUP_LIMIT = 5000;

export type PeopleTab = "people" | "tags" | "import" | "groups" | "lockers";

/**
 * Users of the open site as one long virtual list (searched and paged by the core:
 * only the pages the list shows are fetched), the person whose page is open, and the
 * site's tags.
 */
export const usePeopleStore = defineStore("people", () => {
  const notices = useNoticesStore();
  const site = useSiteStore();

  const tab = ref<PeopleTab>("people");
  const query = ref("");
  const total = ref(0);
  const usersLoaded = ref(false);
  const loadingUsers = ref(false);
  /**
   * Pages of users by page number, with the generation they were fetched in (an older
   * one is shown until its fresh copy arrives); replaced, never mutated, so the list re-renders.
   */
  const pages = shallowRef<ReadonlyMap<number, { readonly gen: number; readonly items: readonly User[] }>>(new Map());
  /** Bumped when every page is stale (a search, a change to the site): the list asks again. */
  const generation = ref(0);
  const selectedUserId = ref<string | null>(null);

  const tags = ref<Tag[]>([]);
  const loadingTags = ref(false);
  const tagsLoaded = ref(false);
  /** Names of users who hold tags, by user id. */
  const holderNames = ref<ReadonlyMap<string, string>>(new Map());

  const creating = ref(false);

  const inFlight = new Set<string>();
  const lastUsed = new Map<number, number>();
  let useClock = 0;

  function userAt(index: number): User | undefined {
    return pages.value.get(Math.floor(index / PAGE_SIZE))?.items[index % PAGE_SIZE];
  }

  async function fetchPage(page: number, gen: number): Promise<void> {
    const siteId = site.siteId;
    const key = `${gen}:${page}`;
    if (!siteId || inFlight.has(key)) return;
    inFlight.add(key);
    loadingUsers.value = true;
    try {
      const r = await notices.attempt("Searching users", () =>
        call("users.search", { siteId, query: query.value.trim(), limit: PAGE_SIZE, offset: page * PAGE_SIZE }),
      );
      if (!r || gen !== generation.value || site.siteId !== siteId) return;
      const next = new Map(pages.value);
      next.set(page, { gen, items: r.items });
      lastUsed.set(page, ++useClock);
      // Keep memory bounded: drop the pages looked at longest ago.
      if (next.size > MAX_PAGES) {
        const oldest = [...next.keys()].sort((a, b) => (lastUsed.get(a) ?? 0) - (lastUsed.get(b) ?? 0));
        for (const p of oldest.slice(0, next.size - MAX_PAGES)) {
          next.delete(p);
          lastUsed.delete(p);
        }
      }
      pages.value = next;
      total.value = r.total;
      usersLoaded.value = true;
    } finally {
      inFlight.delete(key);
      loadingUsers.value = inFlight.size > 0;
    }
  }

  /** The list shows rows `from`..`to` (inclusive): fetch the pages among them not here yet. */
  function ensureRange(from: number, to: number): void {
    const gen = generation.value;
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    const last = Math.max(first, Math.floor(Math.max(0, to) / PAGE_SIZE));
    for (let p = first; p <= last; p++) {
      const have = pages.value.get(p);
      if (have) lastUsed.set(p, ++useClock);
      if (have?.gen === gen) continue;
      if (p === 0 || p * PAGE_SIZE < total.value) void fetchPage(p, gen);
    }
  }

  /** Everything fetched is stale: keep showing it until the new pages arrive. */
  function invalidate(): void {
    generation.value++;
    inFlight.clear();
    void fetchPage(0, generation.value);
  }

  function loadUsers(): void {
    invalidate();
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  /** The search box: wait for a pause in typing, then search from the top. */
  function setQuery(q: string): void {
    if (q === query.value) return;
    query.value = q;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      pages.value = new Map();
      lastUsed.clear();
      invalidate();
    }, 200);
  }

  function showUser(userId: string | null): void {
    selectedUserId.value = userId;
    if (userId !== null) tab.value = "people";
  }

  let tagsSeq = 0;
  async function loadTags(): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    const seq = ++tagsSeq;
    loadingTags.value = true;
    try {
      const r = await notices.attempt("Loading tags", () => call("tags.list", { siteId }));
      if (!r || seq !== tagsSeq) return;
      tags.value = r;
      tagsLoaded.value = true;
      await loadHolderNames(siteId, r);
    } finally {
      if (seq === tagsSeq) loadingTags.value = false;
    }
  }

  /** Put names on assigned tags: page through the site's users until every holder is found. */
  async function loadHolderNames(siteId: string, list: readonly Tag[]): Promise<void> {
    const wanted = new Set(list.map((t) => t.userId).filter((id): id is string => id !== null));
    const names = new Map<string, string>();
    let from = 0;
    while (wanted.size > 0 && from < NAME_LOOKUP_LIMIT) {
      const r = await call("users.search", { siteId, query: "", limit: 500, offset: from }).catch(() => null);
      if (!r || r.items.length === 0) break;
      for (const u of r.items) {
        if (wanted.delete(u.id)) names.set(u.id, `${u.firstName} ${u.lastName}`);
      }
      from += r.items.length;
      if (from >= r.total) break;
    }
    if (site.siteId === siteId) holderNames.value = names;
  }

  async function createUser(input: { firstName: string; lastName: string; email: string; role: Role }): Promise<User | undefined> {
    const siteId = site.siteId;
    if (!siteId) return undefined;
    creating.value = true;
    try {
      const email = input.email.trim();
      const user = await notices.attempt("Adding the user", () =>
        call("users.create", {
          siteId,
          firstName: input.firstName.trim(),
          lastName: input.lastName.trim(),
          email: email === "" ? null : email,
          role: input.role,
        }),
      );
      if (user) invalidate();
      return user;
    } finally {
      creating.value = false;
    }
  }

  function reset(): void {
    pages.value = new Map();
    lastUsed.clear();
    generation.value++;
    tags.value = [];
    total.value = 0;
    usersLoaded.value = false;
    tagsLoaded.value = false;
    holderNames.value = new Map();
    selectedUserId.value = null;
  }

  // A different site: start over.
  watch(
    () => site.siteId,
    () => reset(),
  );

  let changedTimer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== site.siteId) return;
    clearTimeout(changedTimer);
    changedTimer = setTimeout(() => {
      if (usersLoaded.value) invalidate();
      if (tagsLoaded.value) void loadTags();
    }, 150);
  });

  return {
    tab,
    query,
    total,
    usersLoaded,
    loadingUsers,
    pages,
    generation,
    selectedUserId,
    tags,
    loadingTags,
    tagsLoaded,
    holderNames,
    creating,
    userAt,
    ensureRange,
    setQuery,
    loadUsers,
    showUser,
    loadTags,
    createUser,
  };
});
