import { defineStore } from "pinia";
import { ref } from "vue";

/**
 * A tiny hash router: the areas of the app are `#/sites`, `#/plan`, … so a reload
 * (or a link in a support e-mail) lands on the same area. No history tricks: the
 * browser's own back/forward move between hashes.
 */
export const AREAS = ["sites", "plan", "commission", "reception", "people", "pods", "sync"] as const;
export type Area = (typeof AREAS)[number];

export const AREA_LABELS: Readonly<Record<Area, string>> = {
  sites: "Sites",
  plan: "Plan",
  commission: "Commission",
  reception: "Reception",
  people: "People & Tags",
  pods: "Pods",
  sync: "Sync & Handover",
};

export const DEFAULT_AREA: Area = "sites";

export function hrefOf(area: Area): string {
  return `#/${area}`;
}

export function areaOf(hash: string): Area {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (AREAS as readonly string[]).includes(name) ? (name as Area) : DEFAULT_AREA;
}

export const useRouterStore = defineStore("router", () => {
  const area = ref<Area>(areaOf(window.location.hash));

  function sync(): void {
    area.value = areaOf(window.location.hash);
  }
  window.addEventListener("hashchange", sync);
  // Normalise an empty or unknown hash so the address bar says where we are.
  if (window.location.hash !== hrefOf(area.value)) window.history.replaceState(null, "", hrefOf(area.value));

  function go(to: Area): void {
    if (window.location.hash !== hrefOf(to)) window.location.hash = hrefOf(to);
    area.value = to;
  }

  return { area, go };
});
