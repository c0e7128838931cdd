import { onScopeDispose, ref, shallowRef, watch, type Ref } from "vue";
import type { User } from "../../../../core/domain/index.ts";
import { call } from "../../api/client.ts";
import { useSiteStore } from "../../stores/site.ts";

/** How long typing pauses before the search runs. */
const DEBOUNCE_MS = 120;

/**
 * A small "find a person" search for pickers (assigning a tag, adding users to a group
 * or a locker): debounced, only the latest answer kept, and `settled()` to wait for the
 * answer to what is typed now (Enter pressed before the search came back).
 */
export function usePersonSearch(limit = 8): {
  query: Ref<string>;
  results: Ref<readonly User[]>;
  total: Ref<number>;
  pending: Ref<boolean>;
  settled: () => Promise<void>;
} {
  const site = useSiteStore();
  const query = ref("");
  const results = shallowRef<readonly User[]>([]);
  const total = ref(0);
  const pending = ref(false);
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  async function run(q: string, mine: number): Promise<void> {
    const siteId = site.siteId;
    if (!siteId || q === "") {
      if (mine === seq) {
        results.value = [];
        total.value = 0;
        pending.value = false;
      }
      return;
    }
    const r = await call("users.search", { siteId, query: q.slice(0, 120), limit }).catch(() => null);
    if (mine !== seq) return;
    results.value = r?.items ?? [];
    total.value = r?.total ?? 0;
    pending.value = false;
  }

  let release: () => void = () => undefined;

  watch(query, (q) => {
    const mine = ++seq;
    clearTimeout(timer);
    release(); // the superseded wait ends; settled() then waits for this one
    pending.value = true;
    running = new Promise<void>((done) => {
      release = done;
      timer = setTimeout(() => void run(q.trim(), mine).finally(done), q.trim() === "" ? 0 : DEBOUNCE_MS);
    });
  });
  onScopeDispose(() => {
    clearTimeout(timer);
    release();
  });

  /** Resolves once the search for the current text has answered. */
  async function settled(): Promise<void> {
    while (pending.value) await running;
  }

  return { query, results, total, pending, settled };
}

/** "Nadia Haddad" → first and last name, as a new person's form is prefilled from a search. */
export function splitName(text: string): { firstName: string; lastName: string } {
  const words = text.trim().split(/\s+/).filter((w) => w !== "" && !w.includes("@"));
  return { firstName: words[0] ?? "", lastName: words.slice(1).join(" ") };
}

/**
 * Names of people known only by id (group members, locker holders), fetched with
 * `users.get` the first time each is needed and kept for the screen's life.
 */
export function usePersonNames(): { nameOf: (userId: string) => string; want: (userIds: readonly string[]) => void } {
  const site = useSiteStore();
  const names = ref<ReadonlyMap<string, string>>(new Map());
  const asked = new Set<string>();

  function want(userIds: readonly string[]): void {
    const siteId = site.siteId;
    if (!siteId) return;
    for (const id of userIds) {
      if (asked.has(id)) continue;
      asked.add(id);
      void call("users.get", { siteId, userId: id })
        .then((d) => {
          names.value = new Map(names.value).set(id, `${d.user.firstName} ${d.user.lastName}`);
        })
        .catch(() => asked.delete(id));
    }
  }

  return { nameOf: (id) => names.value.get(id) ?? "…", want };
}
