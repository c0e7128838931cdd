import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import type { Role, Tag, User } from "../../../core/domain/index.ts";
import { call, on } from "../api/client.ts";
import { useNoticesStore } from "./notices.ts";
import { useSiteStore } from "./site.ts";

export const PAGE_SIZE = 25;
/** The most users fetched to put names on tags; beyond that a tag shows "a user". */
const NAME_LOOKUP_LIMIT = 5000;

/** Users (searched and paged by the core) and tags of the open site. */
export const usePeopleStore = defineStore("people", () => {
  const notices = useNoticesStore();
  const site = useSiteStore();

  const query = ref("");
  const offset = ref(0);
  const total = ref(0);
  const users = ref<User[]>([]);
  const loadingUsers = ref(false);
  const usersLoaded = ref(false);

  const tags = ref<Tag[]>([]);
  const loadingTags = ref(false);
  const tagsLoaded = ref(false);
  /** Names of users who hold tags, by user id. */
  const holderNames = ref<ReadonlyMap<string, string>>(new Map());

  const creating = ref(false);

  const page = computed(() => Math.floor(offset.value / PAGE_SIZE) + 1);
  const pages = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)));

  let usersSeq = 0;
  async function loadUsers(): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    const seq = ++usersSeq;
    loadingUsers.value = true;
    try {
      const r = await notices.attempt("Searching users", () =>
        call("users.search", { siteId, query: query.value.trim(), limit: PAGE_SIZE, offset: offset.value }),
      );
      if (!r || seq !== usersSeq) return; // a newer search has been sent meanwhile
      // The page we were on may have emptied (users removed elsewhere): step back.
      if (r.items.length === 0 && offset.value > 0 && r.total > 0) {
        offset.value = Math.max(0, (Math.ceil(r.total / PAGE_SIZE) - 1) * PAGE_SIZE);
        return loadUsers();
      }
      users.value = r.items;
      total.value = r.total;
      usersLoaded.value = true;
    } finally {
      if (seq === usersSeq) loadingUsers.value = false;
    }
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  /** The search box: wait for a pause in typing, then search from the first page. */
  function setQuery(q: string): void {
    query.value = q;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      offset.value = 0;
      void loadUsers();
    }, 250);
  }

  function goToPage(n: number): void {
    const clamped = Math.min(Math.max(1, n), pages.value);
    offset.value = (clamped - 1) * PAGE_SIZE;
    void loadUsers();
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
      if (user) await loadUsers();
      return user;
    } finally {
      creating.value = false;
    }
  }

  function reset(): void {
    users.value = [];
    tags.value = [];
    total.value = 0;
    offset.value = 0;
    usersLoaded.value = false;
    tagsLoaded.value = false;
    holderNames.value = new Map();
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
      if (usersLoaded.value) void loadUsers();
      if (tagsLoaded.value) void loadTags();
    }, 150);
  });

  return {
    query,
    offset,
    total,
    users,
    loadingUsers,
    usersLoaded,
    tags,
    loadingTags,
    tagsLoaded,
    holderNames,
    creating,
    page,
    pages,
    setQuery,
    goToPage,
    loadUsers,
    loadTags,
    createUser,
  };
});
