import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import type { Output } from "../../../core/api/contract.ts";
import type { z } from "zod";
import type { cloudEvents, ConflictOut, SetAsideOut } from "../../../core/api/features/cloud.contract.ts";
import { call, on } from "../api/client.ts";
import { describeCloudError, ksAdvice, ksLineOf, type CloudProblem } from "../components/cloud/cloud-errors.ts";
import { useCloudStore } from "./cloud.ts";
import { useSiteStore } from "./site.ts";

export type SyncStatus = Output<"sync.status">;
export type DryRun = Output<"sync.dryRun">;
export type SyncReport = Output<"sync.start">;
export type Subscription = Output<"cloud.subscriptions">[number];
export type SyncProgress = Omit<z.infer<(typeof cloudEvents)["sync.progress"]>, "siteId" | "outcome" | "error">;

/** A sync that ended badly, as the card shows it: the KS code and what to do. */
export function problemOfReport(r: Pick<SyncReport, "error">): CloudProblem | null {
  const e = r.error;
  if (!e) return null;
  return {
    headline: e.message,
    ksLine: e.ksCode === null ? null : ksLineOf(e.ksCode),
    ksCode: e.ksCode,
    advice: e.advice || (e.ksCode === null ? "Retry." : (ksAdvice(e.ksCode) ?? "Retry.")),
    code: e.code,
  };
}

const SAMPLE = 8;

/**
 * The open site's sync with the KS cloud: where it stands, what a sync would send (the
 * dry run), the run itself with its progress events, and what needs the person —
 * conflicts to resolve and changes the cloud refused.
 */
export const useSyncStore = defineStore("sync", () => {
  const site = useSiteStore();
  const cloud = useCloudStore();

  const status = ref<SyncStatus | null>(null);
  const dry = ref<DryRun | null>(null);
  const conflicts = ref<ConflictOut[]>([]);
  const setAside = ref<SetAsideOut[]>([]);
  const subscriptions = ref<Subscription[] | null>(null);
  /** The subscription to put on the site with the next sync (first sync only). */
  const chosenSubscription = ref<string | null>(null);
  /** The live progress of the run this window started or watches. */
  const progress = ref<SyncProgress | null>(null);
  /** The last run's report (this window's, else the core's). */
  const report = ref<SyncReport | null>(null);
  const running = ref(false);
  /** This window started the running sync (else it only watches one started elsewhere). */
  let startedHere = false;
  const cancelling = ref(false);
  const loading = ref(false);
  const problem = ref<CloudProblem | null>(null);
  /** Conflicts and set-aside rows with a request on its way. */
  const working = ref<ReadonlySet<number>>(new Set());
  /** After a retry of a set-aside change: what the cloud said, per row id. */
  const retried = ref<ReadonlyMap<number, boolean>>(new Map());

  const siteSubscription = computed(() => subscriptions.value?.find((s) => s.siteId === site.siteId) ?? null);
  const freeSubscriptions = computed(() => (subscriptions.value ?? []).filter((s) => s.siteId === null && Date.parse(s.validUntil) > Date.now()));
  const waiting = computed(() => dry.value?.changes ?? status.value?.pendingEntries ?? 0);
  /** Everything is in the cloud: synced once, nothing waiting, nothing refused, nothing to resolve. */
  const clean = computed(
    () =>
      status.value !== null &&
      !running.value &&
      status.value.lastSyncedAt !== null &&
      !status.value.inflight &&
      waiting.value === 0 &&
      conflicts.value.length === 0 &&
      setAside.value.length === 0,
  );
  const lastOutcomeProblem = computed(() => (report.value ? problemOfReport(report.value) : null));

  function fail(e: unknown): void {
    problem.value = describeCloudError(e, cloud.cloudUrl);
  }

  async function load(): Promise<void> {
    const id = site.siteId;
    if (!id) return;
    loading.value = true;
    try {
      const [st, d, cs, sa] = await Promise.all([
        call("sync.status", { siteId: id }),
        call("sync.dryRun", { siteId: id, sample: SAMPLE }),
        call("sync.conflicts", { siteId: id }),
        call("sync.setAside", { siteId: id, action: "list" }),
      ]);
      if (site.siteId !== id) return;
      status.value = st;
      dry.value = d;
      conflicts.value = cs;
      setAside.value = sa.items;
      if (!report.value && st.last) report.value = st.last;
      if (st.running && !running.value) running.value = true;
    } catch (e) {
      fail(e);
    } finally {
      loading.value = false;
    }
  }

  async function loadSubscriptions(): Promise<void> {
    if (!cloud.signedIn) {
      subscriptions.value = null;
      return;
    }
    try {
      const list = await call("cloud.subscriptions", {});
      subscriptions.value = list;
      const onSite = list.find((s) => s.siteId === site.siteId);
      if (onSite) chosenSubscription.value = null;
      else if (!chosenSubscription.value || !list.some((s) => s.id === chosenSubscription.value && s.siteId === null)) {
        chosenSubscription.value = list.find((s) => s.siteId === null && Date.parse(s.validUntil) > Date.now())?.id ?? null;
      }
    } catch (e) {
      subscriptions.value = null;
      fail(e);
    }
  }

  async function start(): Promise<void> {
    const id = site.siteId;
    if (!id || running.value) return;
    running.value = true;
    startedHere = true;
    cancelling.value = false;
    problem.value = null;
    retried.value = new Map();
    progress.value = { phase: "starting", totalEntries: dry.value?.entries ?? 0, doneEntries: 0, changesSent: 0, setAside: 0, conflicts: 0, pulled: 0, requests: 0, retries: 0, elapsedMs: 0, etaMs: null, waitMs: null };
    try {
      const subscriptionId = siteSubscription.value ? undefined : (chosenSubscription.value ?? undefined);
      const r = await call("sync.start", { siteId: id, ...(subscriptionId ? { subscriptionId } : {}) });
      if (site.siteId !== id) return;
      report.value = r;
      progress.value = null;
      const p = problemOfReport(r);
      if (p?.ksCode === 1500) cloud.sessionEnded(p);
    } catch (e) {
      progress.value = null;
      fail(e);
    } finally {
      running.value = false;
      startedHere = false;
      cancelling.value = false;
    }
    await Promise.all([load(), loadSubscriptions()]);
  }

  async function cancel(): Promise<void> {
    const id = site.siteId;
    if (!id) return;
    cancelling.value = true;
    try {
      await call("sync.cancel", { siteId: id });
    } catch (e) {
      cancelling.value = false;
      fail(e);
    }
  }

  async function busyWith(rowId: number, run: () => Promise<void>): Promise<void> {
    working.value = new Set([...working.value, rowId]);
    problem.value = null;
    try {
      await run();
    } catch (e) {
      fail(e);
    } finally {
      const next = new Set(working.value);
      next.delete(rowId);
      working.value = next;
    }
  }

  function resolve(conflictId: number, choice: "mine" | "theirs"): Promise<void> {
    const id = site.siteId;
    if (!id) return Promise.resolve();
    return busyWith(conflictId, async () => {
      await call("sync.resolve", { siteId: id, conflictId, choice });
      await load();
    });
  }

  function retry(rowId: number): Promise<void> {
    const id = site.siteId;
    if (!id) return Promise.resolve();
    return busyWith(rowId, async () => {
      const r = await call("sync.setAside", { siteId: id, action: "retry", id: rowId });
      retried.value = new Map([...retried.value, [rowId, r.accepted === true]]);
      await load();
    });
  }

  function discard(rowId: number): Promise<void> {
    const id = site.siteId;
    if (!id) return Promise.resolve();
    return busyWith(rowId, async () => {
      await call("sync.setAside", { siteId: id, action: "discard", id: rowId });
      await load();
    });
  }

  function reset(): void {
    status.value = null;
    dry.value = null;
    conflicts.value = [];
    setAside.value = [];
    progress.value = null;
    report.value = null;
    running.value = false;
    problem.value = null;
    retried.value = new Map();
  }

  watch(
    () => site.siteId,
    () => {
      reset();
      void load();
      void loadSubscriptions();
    },
    { immediate: true },
  );
  watch(
    () => cloud.signedIn,
    () => void loadSubscriptions(),
  );

  on("sync.progress", (p) => {
    if (p.siteId !== site.siteId) return;
    const { siteId: _siteId, outcome, error, ...rest } = p;
    if (!outcome) {
      progress.value = rest;
      running.value = true;
      return;
    }
    // This window's run reports through sync.start's answer; a run started elsewhere ends here.
    if (startedHere) return;
    running.value = false;
    progress.value = null;
    report.value = { ...rest, outcome, error: error ?? null, checkpointSeq: report.value?.checkpointSeq ?? 0 };
    void load();
  });

  // Edits elsewhere change what the next sync sends: recount (the dry run only reads the site file).
  let timer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== site.siteId || running.value) return;
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 300);
  });

  return {
    status,
    dry,
    conflicts,
    setAside,
    subscriptions,
    chosenSubscription,
    siteSubscription,
    freeSubscriptions,
    progress,
    report,
    running,
    cancelling,
    loading,
    problem,
    working,
    retried,
    waiting,
    clean,
    lastOutcomeProblem,
    load,
    loadSubscriptions,
    start,
    cancel,
    resolve,
    retry,
    discard,
  };
});
