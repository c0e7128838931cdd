import { onScopeDispose, ref, type Ref } from "vue";
import { on } from "../../api/client.ts";
import { useNoticesStore } from "../../stores/notices.ts";
import { refusalOf, type Refusal } from "../../stores/pods.ts";
import { useSiteStore } from "../../stores/site.ts";

/** How long a burst of `site.changed` events (one per write of a bulk change) settles before one reload. */
const SETTLE_MS = 150;

/**
 * A people panel's changes to the open site: `reload` again when the core announces
 * `site.changed` for it (a change made here, at Reception or by a sync), and `run` for a
 * change of its own: busy while it runs, reloaded after it, and refused with the refusal
 * kept for showing next to what it concerns (the error banner shows it too).
 */
export function useSiteAction(reload: () => Promise<void>): {
  busy: Ref<boolean>;
  refusal: Ref<Refusal | null>;
  run: (context: string, op: (siteId: string) => Promise<unknown>) => Promise<boolean>;
} {
  const site = useSiteStore();
  const notices = useNoticesStore();
  const busy = ref(false);
  const refusal = ref<Refusal | null>(null);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const off = on("site.changed", (p) => {
    if (p.siteId !== site.siteId) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), SETTLE_MS);
  });
  onScopeDispose(() => {
    off();
    clearTimeout(timer);
  });

  async function run(context: string, op: (siteId: string) => Promise<unknown>): Promise<boolean> {
    const siteId = site.siteId;
    if (!siteId) return false;
    busy.value = true;
    refusal.value = null;
    try {
      await op(siteId);
      await reload();
      return true;
    } catch (e) {
      notices.fail(context, e);
      refusal.value = refusalOf(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, refusal, run };
}
