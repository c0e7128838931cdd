import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import type { Input, Output, PodDetail } from "../../../core/api/contract.ts";
import type { ProcedureName } from "../../../core/api/names.ts";
import type { Tag, Timeframe, User } from "../../../core/domain/index.ts";
import { KsError, ksRow } from "../../../core/errors/index.ts";
import { call, on } from "../api/client.ts";
import { describeError } from "../errors/describe.ts";
import { useNoticesStore } from "./notices.ts";
import { useSiteStore } from "./site.ts";

export interface LockOption {
  readonly id: string;
  readonly name: string;
  readonly floor: string;
}

/** A refusal in words, with its KS code, for showing next to what it concerns. */
export interface Refusal {
  /** "KS 2221 · Can not add all guests. Max guest amount reached for pod." (or the app's code and message). */
  readonly headline: string;
  /** The core's own words about this case, when they add something. */
  readonly detail: string | null;
  readonly issues: readonly string[];
  readonly ksCode: number | null;
  readonly details: unknown;
}

export function refusalOf(e: unknown): Refusal {
  const view = describeError(e);
  if (e instanceof KsError) {
    const row = ksRow(e.ksCode);
    const vendor = row?.message ?? e.message;
    return {
      headline: `KS ${e.ksCode} · ${vendor}`,
      detail: e.message !== vendor ? e.message : null,
      issues: view.issues,
      ksCode: e.ksCode,
      details: e.details,
    };
  }
  return { headline: view.title, detail: view.detail, issues: view.issues, ksCode: null, details: view.details };
}

export type View = { readonly kind: "list" } | { readonly kind: "wizard" } | { readonly kind: "pod"; readonly podId: string };

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function defaultTimeframe(): Timeframe {
  return {
    monday: true,
    tuesday: true,
    wednesday: true,
    thursday: true,
    friday: true,
    saturday: false,
    sunday: false,
    startTime: "08:00:00",
    endTime: "18:00:00",
    startDate: null,
    endDate: null,
  };
}

/** "Mon–Fri 08:00–18:00", "every day 00:00–23:59, 26 Nov 15:00 → 28 Nov 11:00". */
export function describeTimeframe(t: Timeframe): string {
  const on = WEEKDAYS.filter((d) => t[d]);
  const short = (d: Weekday) => d.slice(0, 1).toUpperCase() + d.slice(1, 3);
  let days: string;
  if (on.length === 7) days = "Every day";
  else if (on.join() === WEEKDAYS.slice(0, 5).join()) days = "Mon–Fri";
  else days = on.map(short).join(", ");
  const time = `${t.startTime.slice(0, 5)}–${t.endTime.slice(0, 5)}`;
  const date = (d: string | null) => (d ? d.replace("T", " ").slice(0, 16) : null);
  const from = date(t.startDate);
  const to = date(t.endDate);
  const range = from || to ? `, ${from ?? "now"} → ${to ?? "open-ended"}` : "";
  return `${days} ${time}${range}`;
}

const stayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

/** A guest's stay as a person reads it: "26 Nov, 15:00 → 28 Nov, 11:00", plus days and hours when limited. */
export function describeStay(t: Timeframe): string {
  const at = (d: string | null) => (d ? (d.length > 10 ? stayFormat.format(new Date(d)) : d) : null);
  const from = at(t.startDate);
  const to = at(t.endDate);
  const everyHour = t.startTime === "00:00:00" && t.endTime >= "23:59:00";
  const everyDay = WEEKDAYS.every((d) => t[d]);
  const stay = from || to ? `${from ?? "Now"} → ${to ?? "open-ended"}` : "No check-out date";
  if (everyDay && everyHour) return stay;
  return `${stay} · ${describeTimeframe({ ...t, startDate: null, endDate: null })}`;
}

/** Pods of the open site, with what the pod screens pick from: users, tags and locks. */
export const usePodsStore = defineStore("pods", () => {
  const notices = useNoticesStore();
  const site = useSiteStore();

  const view = ref<View>({ kind: "list" });
  const details = ref<PodDetail[]>([]);
  const loaded = ref(false);
  const users = ref<User[]>([]);
  const tags = ref<Tag[]>([]);
  const locks = ref<LockOption[]>([]);
  const busy = ref(false);

  const userById = computed(() => new Map(users.value.map((u) => [u.id, u])));
  const tagById = computed(() => new Map(tags.value.map((t) => [t.id, t])));
  const lockById = computed(() => new Map(locks.value.map((l) => [l.id, l])));
  const current = computed(() => {
    const v = view.value;
    return v.kind === "pod" ? (details.value.find((d) => d.pod.id === v.podId) ?? null) : null;
  });
  /** Site tags no one holds and no pod has: what a pod or a member may be given. */
  const freeTags = computed(() => tags.value.filter((t) => t.state === "unassigned" && t.podId === null));

  function userName(id: string): string {
    const u = userById.value.get(id);
    return u ? `${u.firstName} ${u.lastName}` : "A former user";
  }
  function tagNumber(id: string | null): string {
    if (!id) return "—";
    return tagById.value.get(id)?.number ?? "A tag";
  }
  function lockName(id: string): string {
    return lockById.value.get(id)?.name ?? "A lock";
  }
  /** "All 20 locks of the site", "Room 101, Room 102", "Room 101, Room 102, Room 103 and 4 more". */
  function lockSummary(ids: readonly string[]): string {
    if (ids.length === 0) return "No locks";
    if (locks.value.length > 0 && ids.length === locks.value.length && locks.value.every((l) => ids.includes(l.id))) return `All ${ids.length} locks of the site`;
    const names = ids.map(lockName);
    return names.length <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
  }

  let seq = 0;
  async function load(): Promise<void> {
    const siteId = site.siteId;
    const mine = ++seq;
    if (!siteId) return;
    const r = await notices.attempt("Loading pods", async () => {
      const [pods, tagList, doors] = await Promise.all([call("pods.list", { siteId }), call("tags.list", { siteId }), call("doors.list", { siteId })]);
      const all: User[] = [];
      for (let offset = 0; offset < 5000; ) {
        const page = await call("users.search", { siteId, query: "", limit: 500, offset });
        all.push(...page.items);
        offset += page.items.length;
        if (page.items.length === 0 || offset >= page.total) break;
      }
      const detail = await Promise.all(pods.map((p) => call("pods.get", { siteId, podId: p.id })));
      return { detail, tagList, doors, all };
    });
    if (!r || mine !== seq || site.siteId !== siteId) return;
    details.value = r.detail;
    tags.value = r.tagList;
    users.value = r.all.sort((a, b) => `${a.firstName} ${a.lastName}`.localeCompare(`${b.firstName} ${b.lastName}`));
    locks.value = r.doors.filter((d) => d.lock !== null).map((d) => ({ id: d.lock!.id, name: d.lock!.name, floor: d.floorName }));
    loaded.value = true;
  }

  function adopt(d: PodDetail): void {
    const i = details.value.findIndex((x) => x.pod.id === d.pod.id);
    if (i >= 0) details.value.splice(i, 1, d);
    else details.value.push(d);
  }

  /**
   * Run a pod mutation. On success the detail is kept and the rest reloaded; on a
   * refusal the banner shows it and the refusal is returned for the form that caused it.
   */
  async function mutate<K extends ProcedureName>(
    name: K,
    input: Input<K>,
    context: string,
  ): Promise<{ ok: true; output: Output<K> } | { ok: false; refusal: Refusal }> {
    busy.value = true;
    try {
      const output = await call(name, input);
      const d = output as unknown as PodDetail | { detail: PodDetail };
      if ("detail" in d) adopt(d.detail);
      else if ("pod" in d) adopt(d);
      void load();
      return { ok: true, output };
    } catch (e) {
      notices.fail(context, e);
      return { ok: false, refusal: refusalOf(e) };
    } finally {
      busy.value = false;
    }
  }

  function open(podId: string): void {
    view.value = { kind: "pod", podId };
  }

  watch(
    () => site.siteId,
    () => {
      view.value = { kind: "list" };
      details.value = [];
      loaded.value = false;
      void load();
    },
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== site.siteId || !loaded.value) return;
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 150);
  });

  return { view, details, loaded, users, tags, locks, busy, current, freeTags, userById, tagById, lockById, userName, tagNumber, lockName, lockSummary, load, mutate, open };
});
