import { defineStore } from "pinia";
import { computed, reactive, ref, watch } from "vue";
import type { Input, Output } from "../../../core/api/contract.ts";
import type { AsBuiltView, BleState, JobView, SimulatorView } from "../../../core/api/features/commissioning.contract.ts";
import { call, on } from "../api/client.ts";
import { refusalOf, stickersFor, type Refusal } from "../components/commission/commission-model.ts";
import { useNoticesStore } from "./notices.ts";
import { useSiteStore } from "./site.ts";

export type PlannedIq = Output<"commissioning.plannedIqs">[number];
export type IqRow = Output<"iqs.list">[number];
export type SharedWifi = Output<"commissioning.sharedWifi">[number];
export type WifiNetwork = Output<"commissioning.wifiScan">[number];
export type NetworkChoice = Input<"commissioning.setNetwork">["network"];

/** One IQ heard in the current (or last) scan; `known` once the scan's answer says so. */
export interface Heard {
  readonly peripheralId: string;
  readonly localName: string;
  readonly serial: string | null;
  readonly rssi: number;
  readonly known: Output<"ble.scan">[number]["known"];
}

/** Within attach and test: devices done so far, of how many (from commissioning.progress). */
export interface Progress {
  readonly done: number;
  readonly total: number;
}

const SCAN_MS = 4000;

/**
 * Refusals of the screen's own actions (scan, start, replace, delete, the wizard's
 * forms) are shown next to what caused them, not in the banner.
 *
 * The Commission screen's state: the radio (real or simulated), the scan, the planned
 * IQs and their jobs, the job the wizard shows, and each IQ's as-built tree. The
 * wizard drives a job one step at a time (`commissioning.step`), so it can stop before
 * the door tests and show each step's progress; failures come back inside the job.
 */
export const useCommissionStore = defineStore("commission", () => {
  const notices = useNoticesStore();
  const site = useSiteStore();

  const ble = ref<BleState | null>(null);
  const simulator = ref<SimulatorView | null>(null);
  const switching = ref(false);

  const heard = ref<Heard[]>([]);
  const scanning = ref(false);
  const scanStartedAt = ref(0);
  const scanned = ref(false);
  const scanRefusal = ref<Refusal | null>(null);
  /** Blink state per peripheral: when it blinks until, or why it could not. */
  const blinks = reactive(new Map<string, { readonly until: number } | { readonly refusal: Refusal }>());

  const planned = ref<PlannedIq[]>([]);
  const jobs = ref<JobView[]>([]);
  const iqs = ref<IqRow[]>([]);
  const sharedWifi = ref<SharedWifi[]>([]);
  const loaded = ref(false);

  const selectedJobId = ref<string | null>(null);
  /** Jobs with a step running right now. */
  const running = reactive(new Set<string>());
  const progress = reactive(new Map<string, Progress>());
  const asBuilt = reactive(new Map<string, AsBuiltView>());
  const wifiNetworks = reactive(new Map<string, WifiNetwork[]>());
  const wifiScanning = ref(false);
  const startRefusal = ref<Refusal | null>(null);
  /** Refusals of input forms inside the wizard (network, Device IDs), by form. */
  const formRefusal = reactive(new Map<string, Refusal>());
  const iqRefusal = reactive(new Map<string, Refusal>());

  const selected = computed(() => jobs.value.find((j) => j.job.id === selectedJobId.value) ?? null);
  /** IQs of the site placed but never commissioned (no serial, no job): a planned IQ may become one of them. */
  const unclaimedIqs = computed(() => iqs.value.filter((r) => r.job === null && r.iq.serial === null && r.attached === 0).map((r) => r.iq));
  const selectedIq = computed(() => iqs.value.find((r) => r.iq.id === selected.value?.job.iqId)?.iq ?? null);
  const labelFor = (serial: string | null) => simulator.value?.labels.find((l) => l.serial === serial) ?? null;

  let seq = 0;
  async function load(): Promise<void> {
    const siteId = site.siteId;
    const mine = ++seq;
    const radio = await notices.attempt("Reading the Bluetooth state", () => Promise.all([call("ble.state", {}), call("ble.simulator", {})]));
    if (radio) [ble.value, simulator.value] = radio;
    if (!siteId) return;
    const r = await notices.attempt("Loading the IQs to commission", () =>
      Promise.all([call("commissioning.plannedIqs", { siteId }), call("commissioning.list", { siteId }), call("iqs.list", { siteId }), call("commissioning.sharedWifi", { siteId })]),
    );
    if (!r || mine !== seq || site.siteId !== siteId) return;
    [planned.value, jobs.value, iqs.value, sharedWifi.value] = r;
    loaded.value = true;
    const job = selected.value;
    if (job && job.attached > 0) void loadAsBuilt(job.job.iqId);
  }

  function adopt(v: JobView): void {
    const i = jobs.value.findIndex((j) => j.job.id === v.job.id);
    if (i >= 0) jobs.value.splice(i, 1, v);
    else jobs.value.push(v);
  }

  async function refreshInfo(): Promise<void> {
    const info = await call("app.info", {}).catch(() => null);
    if (info) site.info = info;
  }

  async function setSimulated(onOff: boolean): Promise<void> {
    switching.value = true;
    try {
      const state = await notices.attempt(onOff ? "Switching on the simulated IQs" : "Switching back to real Bluetooth", () => call("ble.useSimulated", { on: onOff }));
      if (!state) return;
      ble.value = state;
      heard.value = [];
      scanned.value = false;
      blinks.clear();
      simulator.value = await call("ble.simulator", {}).catch(() => simulator.value);
      await refreshInfo();
    } finally {
      switching.value = false;
    }
  }

  async function scan(): Promise<void> {
    const siteId = site.siteId;
    if (!siteId || scanning.value) return;
    scanning.value = true;
    scanRefusal.value = null;
    scanStartedAt.value = Date.now();
    heard.value = [];
    try {
      const found = await call("ble.scan", { siteId, durationMs: SCAN_MS });
      heard.value = found;
      scanned.value = true;
    } catch (e) {
      scanRefusal.value = refusalOf(e);
    } finally {
      scanning.value = false;
    }
  }

  async function blink(peripheralId: string, activationCode: string): Promise<boolean> {
    const seconds = 10;
    try {
      await call("ble.blink", { peripheralId, activationCode, seconds });
      blinks.set(peripheralId, { until: Date.now() + seconds * 1000 });
      return true;
    } catch (e) {
      blinks.set(peripheralId, { refusal: refusalOf(e) });
      return false;
    }
  }

  async function blinkJob(jobId: string): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    await notices.attempt("Making the IQ blink", () => call("ble.blink", { siteId, jobId, seconds: 10 }));
  }

  /** Starts the planned IQ's job on a scanned IQ and runs it up to its first question. */
  async function start(plannedIq: string, peripheralId: string, activationCode: string, iqId: string | null = null): Promise<boolean> {
    const siteId = site.siteId;
    if (!siteId) return false;
    startRefusal.value = null;
    try {
      const v = await call("commissioning.start", { siteId, plannedIq, peripheralId, activationCode, ...(iqId ? { iqId } : {}) });
      adopt(v);
      selectedJobId.value = v.job.id;
      void load();
      void drive(v.job.id);
      return true;
    } catch (e) {
      startRefusal.value = refusalOf(e);
      return false;
    }
  }

  /**
   * Runs the job step by step until it needs the installer, fails, is done, or (unless
   * `test` is set) reaches the door tests, which someone near the doors starts.
   */
  async function drive(jobId: string, options: { activationCode?: string; peripheralId?: string; test?: boolean; acceptFailedTests?: boolean } = {}): Promise<void> {
    const siteId = site.siteId;
    if (!siteId || running.has(jobId)) return;
    running.add(jobId);
    progress.delete(jobId);
    let first = true;
    try {
      for (let guard = 0; guard < 16; guard++) {
        const v = await call("commissioning.step", {
          siteId,
          jobId,
          ...(first && options.activationCode ? { activationCode: options.activationCode } : {}),
          ...(first && options.peripheralId ? { peripheralId: options.peripheralId } : {}),
          acceptFailedTests: options.acceptFailedTests ?? false,
        });
        first = false;
        adopt(v);
        const j = v.job;
        if (j.step === "attach" || j.step === "test" || j.step === "done") void loadAsBuilt(j.iqId);
        if (j.status !== "ready" || j.step === "done") break;
        if (j.step === "test" && !options.test) break;
      }
    } catch (e) {
      notices.fail("Commissioning the IQ", e);
    } finally {
      running.delete(jobId);
      void load();
    }
  }

  async function rewind(jobId: string, step: JobView["job"]["step"]): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    const v = await notices.attempt("Going back a step", () => call("commissioning.rewind", { siteId, jobId, step }));
    if (v) adopt(v);
  }

  async function setNetwork(jobId: string, network: NetworkChoice): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    formRefusal.delete("network");
    try {
      adopt(await call("commissioning.setNetwork", { siteId, jobId, network }));
    } catch (e) {
      formRefusal.set("network", refusalOf(e));
      return;
    }
    await drive(jobId);
  }

  async function scanWifi(jobId: string): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    wifiScanning.value = true;
    try {
      const list = await notices.attempt("Asking the IQ which Wi-Fi networks it sees", () => call("commissioning.wifiScan", { siteId, jobId }));
      if (list) wifiNetworks.set(jobId, list);
    } finally {
      wifiScanning.value = false;
    }
  }

  async function setDeviceIds(jobId: string, devices: { ref: string; deviceId: string }[]): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    formRefusal.delete("devices");
    try {
      adopt(await call("commissioning.setDeviceIds", { siteId, jobId, devices }));
    } catch (e) {
      formRefusal.set("devices", refusalOf(e));
      return;
    }
    await drive(jobId);
  }

  /** The Device IDs printed on a simulated box, for the job's devices (demos and training). */
  function simulatedStickers(v: JobView): { ref: string; deviceId: string }[] {
    const label = labelFor(v.job.serial ?? v.iq.serial);
    return label ? stickersFor(v.job.devices, label) : [];
  }

  const asBuiltSeq = new Map<string, number>();
  async function loadAsBuilt(iqId: string): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    const mine = (asBuiltSeq.get(iqId) ?? 0) + 1;
    asBuiltSeq.set(iqId, mine);
    const v = await call("commissioning.asBuilt", { siteId, iqId }).catch(() => null);
    // Only the latest answer counts, and only for the site still open.
    if (v && asBuiltSeq.get(iqId) === mine && site.siteId === siteId) asBuilt.set(iqId, v);
  }

  async function replaceIq(oldIqId: string, newIqId: string): Promise<boolean> {
    const siteId = site.siteId;
    if (!siteId) return false;
    iqRefusal.delete(oldIqId);
    try {
      const r = await call("iqs.replace", { siteId, oldIqId, newIqId });
      if (r.newJob) adopt(r.newJob);
      await load();
      return true;
    } catch (e) {
      iqRefusal.set(oldIqId, refusalOf(e));
      return false;
    }
  }

  async function deleteIq(iqId: string): Promise<boolean> {
    const siteId = site.siteId;
    if (!siteId) return false;
    iqRefusal.delete(iqId);
    try {
      await call("iqs.delete", { siteId, iqId });
      if (selected.value?.job.iqId === iqId) selectedJobId.value = null;
      await load();
      return true;
    } catch (e) {
      iqRefusal.set(iqId, refusalOf(e));
      return false;
    }
  }

  function open(jobId: string | null): void {
    selectedJobId.value = jobId;
    const v = selected.value;
    if (v) void loadAsBuilt(v.job.iqId);
  }

  watch(
    () => site.siteId,
    () => {
      loaded.value = false;
      selectedJobId.value = null;
      planned.value = [];
      jobs.value = [];
      iqs.value = [];
      asBuilt.clear();
      progress.clear();
      heard.value = [];
      scanned.value = false;
      void load();
    },
  );

  on("ble.stateChanged", (s) => {
    ble.value = s;
    // The rail's "Bluetooth …" line comes from app.info: keep it in step (another window may have switched).
    void refreshInfo();
    void call("ble.simulator", {}).then((v) => (simulator.value = v), () => undefined);
  });
  on("ble.discovered", (d) => {
    if (!scanning.value) return;
    const i = heard.value.findIndex((h) => h.peripheralId === d.peripheralId);
    const row = { ...d, known: heard.value[i]?.known ?? null };
    if (i >= 0) heard.value.splice(i, 1, row);
    else heard.value.push(row);
  });

  // Progress of a running job: its step and state at once, its devices a little later (one read per burst).
  const refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();
  on("commissioning.progress", (p) => {
    if (p.siteId !== site.siteId) return;
    progress.set(p.jobId, { done: p.done, total: p.total });
    const v = jobs.value.find((j) => j.job.id === p.jobId);
    // While attaching, `done` is the devices on the IQ so far: the counts move with the progress bar, the rows follow.
    const attached = p.step === "attach" && p.total > 0 ? Math.max(v?.attached ?? 0, p.done) : (v?.attached ?? 0);
    if (v) adopt({ ...v, attached, job: { ...v.job, step: p.step, status: p.status, waitingFor: p.waitingFor, attempts: p.attempts, lastError: p.lastError } });
    if (refreshTimers.has(p.jobId)) return;
    refreshTimers.set(
      p.jobId,
      setTimeout(() => {
        refreshTimers.delete(p.jobId);
        const siteId = site.siteId;
        if (!siteId) return;
        void call("commissioning.get", { siteId, jobId: p.jobId })
          .then((fresh) => {
            if (running.has(p.jobId)) adopt(fresh);
            if (p.step === "attach" || p.step === "test") void loadAsBuilt(p.iqId);
          })
          .catch(() => undefined);
      }, 250),
    );
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== site.siteId || !loaded.value) return;
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 200);
  });

  return {
    ble,
    simulator,
    switching,
    heard,
    scanning,
    scanStartedAt,
    scanned,
    scanRefusal,
    blinks,
    planned,
    jobs,
    iqs,
    sharedWifi,
    loaded,
    selectedJobId,
    selected,
    selectedIq,
    unclaimedIqs,
    running,
    progress,
    asBuilt,
    wifiNetworks,
    wifiScanning,
    startRefusal,
    formRefusal,
    iqRefusal,
    SCAN_MS,
    labelFor,
    load,
    setSimulated,
    scan,
    blink,
    blinkJob,
    start,
    drive,
    rewind,
    setNetwork,
    scanWifi,
    setDeviceIds,
    simulatedStickers,
    loadAsBuilt,
    replaceIq,
    deleteIq,
    open,
  };
});
