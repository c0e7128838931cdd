import { onScopeDispose, ref, watch, type Ref } from "vue";
import type { Input, Output } from "../../../core/api/contract.ts";
import type { ProcedureName } from "../../../core/api/names.ts";
import { call, on } from "../api/client.ts";
import { useNoticesStore } from "../stores/notices.ts";
import { useSiteStore } from "../stores/site.ts";

/** Procedures whose only input is the open site's id. */
type SiteQuery = "floors.list" | "doors.list" | "tags.list";

/**
 * Data of the open site for one screen: loaded when the screen shows, reloaded when
 * another site opens or the core announces `site.changed` for this site.
 */
export function useSiteData<K extends SiteQuery & ProcedureName>(
  name: K,
  context: string,
): { data: Ref<Output<K> | null>; loading: Ref<boolean>; reload: () => Promise<void> } {
  const site = useSiteStore();
  const notices = useNoticesStore();
  const data = ref<Output<K> | null>(null) as Ref<Output<K> | null>;
  const loading = ref(false);
  let seq = 0;

  async function reload(): Promise<void> {
    const siteId = site.siteId;
    const mine = ++seq;
    if (!siteId) {
      data.value = null;
      return;
    }
    loading.value = true;
    try {
      const r = await notices.attempt(context, () => call(name, { siteId } as Input<K>));
      if (r !== undefined && mine === seq) data.value = r;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  watch(
    () => site.siteId,
    () => {
      data.value = null;
      void reload();
    },
    { immediate: true },
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  const off = on("site.changed", (p) => {
    if (p.siteId !== site.siteId) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 150);
  });
  onScopeDispose(() => {
    off();
    clearTimeout(timer);
  });

  return { data, loading, reload };
}
