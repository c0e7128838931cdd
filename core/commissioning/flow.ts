import type { BleAdapterState, BleCentral, GattLink, IqClient, IqIdentity, IqStatus } from "../devices/ble/port.ts";
import type { NetworkConfig, Uplink, WifiNetwork } from "../devices/ble/commands.ts";
import { Position, type Iq, type IqNetwork, type Parent } from "../domain/index.ts";
import { AppError, KsError } from "../errors/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { IdSource } from "../ports/ids.ts";
import type { SecretVault } from "../ports/secret-vault.ts";
import type { SiteStore, StoreTx } from "../store/index.ts";
import { advance, fail, jobErrorOf, ready, rewind, stepIndex, waitFor } from "./machine.ts";
import { slot, slotsFromPlan } from "./plan-tree.ts";
import type { CommissioningJob, CommissioningStep, DeviceSlot, TestOutcome, UnknownNode, WaitingFor } from "./records.ts";
import { sharedWifiOf, vaultKeys } from "./secrets.ts";
import { attachOrder, treeProblems } from "./tree-limits.ts";

/** Opens the authenticated session of PROTOCOL.md §4 on a connected link (1501 on a wrong code). */
export type OpenIqSession = (link: GattLink, activationCode: string) => Promise<IqClient>;

export interface CommissioningTiming {
  readonly connectTimeoutMs: number;
  /** How often the IQ's status is read, at most, while waiting for its uplink or the cloud. */
  readonly statusPolls: number;
  readonly pollIntervalMs: number;
}

export const DEFAULT_TIMING: CommissioningTiming = { connectTimeoutMs: 15_000, statusPolls: 15, pollIntervalMs: 2_000 };

export interface CommissioningDeps {
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly central?: BleCentral | undefined;
  readonly openSession?: OpenIqSession | undefined;
  readonly vault?: SecretVault | undefined;
  /** Waits between status reads: the scheduler's virtual time in tests and simulations. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly timing?: Partial<CommissioningTiming>;
}

/** Where a job stands, after every change it stores (for a progress bar). */
export interface CommissioningProgress {
  readonly siteId: string;
  readonly job: CommissioningJob;
  /** Within attach and test: devices done so far, of how many. */
  readonly done: number;
  readonly total: number;
}

export interface RunOptions {
  /** The code from the IQ's label; kept in the vault (or this process's memory) while the job needs it. */
  readonly activationCode?: string | undefined;
  /** A new adapter handle for the same IQ (e.g. after the laptop slept). */
  readonly peripheralId?: string | undefined;
  /** Finish even when some doors did not open (their results stay recorded). */
  readonly acceptFailedTests?: boolean | undefined;
  /** Run at most this many steps (1 for "next step"); until done or stopped by default. */
  readonly maxSteps?: number | undefined;
  readonly onProgress?: ((p: CommissioningProgress) => void) | undefined;
}

export interface StartInput {
  /** The plan's IQ id ("IQ1"): its tree is what this job attaches. */
  readonly plannedIq?: string | undefined;
  /** A stored plan other than the latest. */
  readonly planId?: string | undefined;
  /** An IQ already in the site; without it the job makes one. */
  readonly iqId?: string | undefined;
  readonly name?: string | undefined;
  readonly peripheralId?: string | undefined;
  readonly activationCode?: string | undefined;
}

/** The network the installer chose; secrets go to the vault, the site file keeps only their keys. */
export type NetworkChoice =
  | { readonly kind: "ethernet-dhcp" }
  | { readonly kind: "ethernet-static"; readonly address: string; readonly prefixLength: number; readonly gateway: string; readonly dns: readonly string[] }
  | { readonly kind: "wifi"; readonly ssid: string; readonly security: "open" | "wpa2-psk" | "wpa3-sae"; readonly passphrase: string }
  | { readonly kind: "shared-wifi"; readonly ssid: string }
  | { readonly kind: "cellular"; readonly apn: string; readonly pin: string | null };

/** A device the installer picks for a job without a plan. */
export interface PickedDevice {
  readonly ref: string;
  readonly role: "repeater" | "lock";
  readonly parentRef: string | null;
  readonly deviceId?: string | null | undefined;
  /** Locks: which lock of the site. */
  readonly lockId?: string | undefined;
  /** Repeaters: one already in the site, or a new one by name. */
  readonly repeaterId?: string | undefined;
  readonly name?: string | undefined;
}

/** A run's context: who acts (for the journal) and where progress goes. */
interface StepCtx {
  readonly actor: string;
  readonly options: RunOptions;
}

interface Session {
  readonly peripheralId: string;
  readonly link: GattLink;
  client: IqClient | null;
  /** The serial this session's IQ identified itself with, once asked. */
  serial: string | null;
  readonly stopWatching: () => void;
}

/** The step ends early with a stored result (waiting for input). */
class Stopped extends Error {
  constructor(readonly job: CommissioningJob) {
    super("stopped");
  }
}

/** A failure about some devices of the job: the refs go into the stored error. */
class SlotFailure extends Error {
  constructor(
    readonly failure: unknown,
    readonly refs: readonly string[],
  ) {
    super("slot failure");
  }
}

const STATE_MESSAGES: Readonly<Record<BleAdapterState, string>> = {
  unavailable: "There is no Bluetooth adapter Lintel can use on this computer. Switch on simulated IQs, or use a laptop with Bluetooth.",
  unauthorized: "Lintel is not allowed to use Bluetooth. Allow it in the system's privacy settings, then retry.",
  "powered-off": "Bluetooth is switched off. Switch it on, then retry.",
  resetting: "The Bluetooth adapter is restarting. Wait a moment, then retry.",
  "powered-on": "Bluetooth is on.",
};

/** What an adapter state means to the installer, in words. */
export function bleStateMessage(state: BleAdapterState): string {
  return STATE_MESSAGES[state];
}

const DEVICE_ID = /^[0-9A-F]{8,16}$/;

/**
 * The commissioning flow over one radio for every open site: a resumable state
 * machine whose every transition is one store action. Sessions with IQs live in
 * memory only; the job in the site file says where to pick up, so a new process (or
 * a laptop that slept) reconnects, re-authenticates, checks that it reached the same
 * IQ (by serial) and continues at the stored step.
 */
export class CommissioningFlow {
  private readonly sessions = new Map<string, Session>();
  /** Activation codes for jobs when there is no vault: this process only. */
  private readonly codes = new Map<string, string>();
  private readonly busy = new Set<string>();
  private readonly timing: CommissioningTiming;

  constructor(private readonly deps: CommissioningDeps) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
  }

  get central(): BleCentral | undefined {
    return this.deps.central;
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  // ── jobs ───────────────────────────────────────────────────────────────────────

  /** A job for one IQ: from the plan's tree for `plannedIq`, or with devices the installer picks later. */
  async start(store: SiteStore, input: StartInput, actor: string): Promise<CommissioningJob> {
    const at = this.now();
    const plan = input.plannedIq === undefined ? undefined : this.planFor(store, input.planId);
    const devices = plan && input.plannedIq !== undefined ? slotsFromPlan(plan.plan, input.plannedIq, { doors: store.list("door"), locks: store.list("lock") }) : [];
    const jobs = store.list("commissioningJob");
    if (plan && input.plannedIq !== undefined) {
      const same = jobs.find((j) => j.planId === plan.id && j.planIqId === input.plannedIq);
      if (same) throw alreadyStarted(same, `The planned IQ ${input.plannedIq} already has a commissioning job.`);
    }
    const existingIq = input.iqId === undefined ? undefined : store.get("iq", input.iqId);
    if (input.iqId !== undefined) {
      if (!existingIq) throw new AppError("iq.not_found", "That IQ is not part of this site.", { iqId: input.iqId });
      const same = jobs.find((j) => j.iqId === input.iqId);
      if (same) throw alreadyStarted(same, "This IQ already has a commissioning job.");
    }
    const plannedPosition = plan?.plan.iqs.find((q) => q.id === input.plannedIq);
    const jobId = this.deps.ids.next();
    const codeRef = input.activationCode !== undefined && this.deps.vault ? vaultKeys.activationCode(store.siteId, jobId) : null;
    const job = store.act({ name: "commissioning.start", actor }, (tx) => {
      const iqId =
        input.iqId ??
        tx.insert("iq", {
          id: this.deps.ids.next(),
          name: input.name ?? nameFor(input.plannedIq, jobs.length + 1),
          position: plannedPosition ? positionOrNull(plannedPosition) : null,
        }).id;
      const hasPeripheral = input.peripheralId !== undefined;
      return tx.insert("commissioningJob", {
        id: jobId,
        iqId,
        planId: plan?.id ?? null,
        planIqId: plan ? (input.plannedIq ?? null) : null,
        peripheralId: input.peripheralId ?? null,
        // An IQ the site already knows by serial must be that same box.
        serial: existingIq?.serial ?? null,
        step: "discover",
        status: hasPeripheral ? "ready" : "needs-input",
        waitingFor: hasPeripheral ? null : "peripheral",
        devices,
        activationCodeRef: codeRef,
        createdAt: at,
        updatedAt: at,
      });
    });
    if (input.activationCode !== undefined) await this.keepCode(job, input.activationCode);
    return job;
  }

  /**
   * Runs the job from its current step: one step (`maxSteps: 1`) or until it is done,
   * fails, or waits for the installer. A failed step is simply run again (a retry).
   * Step failures are stored in the job, not thrown; what is thrown is what could not
   * be stored (the site file closed under it).
   */
  async run(store: SiteStore, jobId: string, options: RunOptions, actor: string): Promise<CommissioningJob> {
    return this.exclusive(jobId, async () => {
      let job = this.job(store, jobId);
      if (job.step === "done") return job;
      const patch: Partial<CommissioningJob> = {};
      if (options.peripheralId !== undefined && options.peripheralId !== job.peripheralId) {
        await this.dropSession(jobId);
        patch.peripheralId = options.peripheralId;
      }
      if (options.activationCode !== undefined) {
        patch.activationCodeRef = this.deps.vault ? vaultKeys.activationCode(store.siteId, jobId) : null;
      }
      const inputArrived = options.peripheralId !== undefined || options.activationCode !== undefined;
      if (inputArrived || job.status !== "ready") {
        job = this.save(store, actor, "commissioning.resume", ready(job, this.now(), patch), options);
      }
      if (options.activationCode !== undefined) await this.keepCode(job, options.activationCode);
      const limit = options.maxSteps ?? Number.POSITIVE_INFINITY;
      for (let steps = 0; steps < limit && job.step !== "done"; steps++) {
        job = await this.runStep(store, job, options, actor);
        if (job.status !== "ready") break;
      }
      return job;
    });
  }

  /** Back to an earlier step, e.g. to join another network or test the doors again. */
  rewind(store: SiteStore, jobId: string, step: CommissioningStep, actor: string): CommissioningJob {
    if (this.busy.has(jobId)) throw busyError(jobId);
    return store.act({ name: "commissioning.rewind", actor }, (tx) => tx.update("commissioningJob", jobId, rewind(this.jobIn(tx, jobId), step, this.now())));
  }

  /**
   * The network this IQ is to use. A passphrase or PIN goes to the vault first; the
   * job keeps only its key. A job already past the network step goes back to it.
   */
  async setNetwork(store: SiteStore, jobId: string, choice: NetworkChoice, actor: string): Promise<CommissioningJob> {
    if (this.busy.has(jobId)) throw busyError(jobId);
    const job = this.job(store, jobId);
    const network = await this.networkOf(store, job, choice);
    return store.act({ name: "commissioning.set-network", actor }, (tx) => {
      const current = this.jobIn(tx, jobId);
      const at = this.now();
      const moved = stepIndex(current.step) > stepIndex("network") ? rewind(current, "network", at) : current;
      const next = moved.waitingFor === "network" ? ready(moved, at, { network }) : { ...moved, network, updatedAt: at };
      return tx.update("commissioningJob", jobId, next);
    });
  }

  /** The Wi-Fi networks IQs of this site already joined, offered for the next ones (names only). */
  sharedWifi(store: SiteStore): ReturnType<typeof sharedWifiOf> {
    return sharedWifiOf(store.list("iq"));
  }

  /** The Device IDs from the stickers, by slot. A changed ID on an attached slot is attached again. */
  setDeviceIds(store: SiteStore, jobId: string, entries: readonly { readonly ref: string; readonly deviceId: string }[], actor: string): CommissioningJob {
    if (this.busy.has(jobId)) throw busyError(jobId);
    return store.act({ name: "commissioning.set-device-ids", actor }, (tx) => {
      const job = this.jobIn(tx, jobId);
      const byRef = new Map(entries.map((e) => [e.ref, normalizeDeviceId(e.deviceId)]));
      for (const ref of byRef.keys()) {
        if (!job.devices.some((d) => d.ref === ref)) throw new AppError("commissioning.unknown_slot", `This job has no device "${ref}".`, { ref });
      }
      const devices = job.devices.map((d) => {
        const id = byRef.get(d.ref);
        if (id === undefined || id === d.deviceId) return d;
        return { ...d, deviceId: id, attachedAt: null, test: null };
      });
      checkDeviceIdsFree(tx, devices);
      return tx.update("commissioningJob", jobId, this.afterDeviceChange(job, devices));
    });
  }

  /**
   * The devices of a job without a plan, as the installer picks them (locks of the
   * site, repeaters old or new). The tree is checked against the IQ limits here (KS
   * 2204) before anything is attached.
   */
  setDevices(store: SiteStore, jobId: string, picked: readonly PickedDevice[], actor: string): CommissioningJob {
    if (this.busy.has(jobId)) throw busyError(jobId);
    return store.act({ name: "commissioning.set-devices", actor }, (tx) => {
      const job = this.jobIn(tx, jobId);
      if (job.planId !== null) {
        throw new AppError("commissioning.planned_job", "This job follows the plan; change the plan, or set only the Device IDs.", { jobId });
      }
      const old = new Map(job.devices.map((d) => [d.ref, d]));
      const devices = picked.map((p): DeviceSlot => {
        const before = old.get(p.ref);
        const deviceId = p.deviceId === undefined ? (before?.deviceId ?? null) : p.deviceId === null ? null : normalizeDeviceId(p.deviceId);
        if (p.role === "lock") {
          const lock = p.lockId === undefined ? undefined : tx.get("lock", p.lockId);
          if (!lock) throw new AppError("commissioning.lock_not_found", `"${p.ref}" names no lock of this site.`, { ref: p.ref, lockId: p.lockId });
          const same = before?.lockId === lock.id && before.deviceId === (deviceId ?? lock.deviceId) && before.parentRef === p.parentRef;
          return slot({ ref: p.ref, role: "lock", name: lock.name, parentRef: p.parentRef, deviceId: deviceId ?? lock.deviceId, doorId: lock.doorId, lockId: lock.id, ...(same ? { attachedAt: before.attachedAt, test: before.test } : {}) });
        }
        const repeater = p.repeaterId === undefined ? undefined : tx.get("repeater", p.repeaterId);
        if (p.repeaterId !== undefined && !repeater) throw new AppError("commissioning.repeater_not_found", `"${p.ref}" names no repeater of this site.`, { ref: p.ref });
        const id = deviceId ?? repeater?.deviceId ?? null;
        const same = before !== undefined && before.role === "repeater" && before.deviceId === id && before.parentRef === p.parentRef;
        return slot({
          ref: p.ref,
          role: "repeater",
          name: p.name ?? repeater?.name ?? `Repeater ${p.ref}`,
          parentRef: p.parentRef,
          deviceId: id,
          repeaterId: repeater?.id ?? before?.repeaterId ?? null,
          position: repeater?.position ?? null,
          ...(same ? { attachedAt: before.attachedAt } : {}),
        });
      });
      const problems = treeProblems(devices);
      if (problems.length > 0) throw new KsError(2204, { message: `The IQ tree is invalid: ${problems.map((p) => p.message).join("; ")}.`, details: { problems } });
      checkDeviceIdsFree(tx, devices);
      return tx.update("commissioningJob", jobId, this.afterDeviceChange(job, attachOrder(devices)));
    });
  }

  /** Blinks the job's IQ (to find it among several). */
  async blink(store: SiteStore, jobId: string, seconds: number): Promise<void> {
    await this.exclusive(jobId, async () => {
      const client = await this.clientFor(store, this.job(store, jobId), null);
      await client.blink(seconds);
    });
  }

  /** Blinks an IQ that has no job yet: connect, authenticate with its code, blink, disconnect. */
  async blinkPeripheral(peripheralId: string, activationCode: string, seconds: number): Promise<void> {
    const link = await this.connect(peripheralId);
    let client: IqClient | null = null;
    try {
      client = await this.openSession()(link, activationCode);
      await client.blink(seconds);
    } finally {
      await client?.close().catch(() => undefined);
      await link.disconnect().catch(() => undefined);
    }
  }

  /** The Wi-Fi networks the job's IQ can see. */
  async wifiScan(store: SiteStore, jobId: string): Promise<readonly WifiNetwork[]> {
    return this.exclusive(jobId, async () => (await this.clientFor(store, this.job(store, jobId), null)).wifiScan());
  }

  /** Ends the job's Bluetooth session (e.g. when its IQ is deleted or the site closes). */
  async dropSession(jobId: string): Promise<void> {
    const s = this.sessions.get(jobId);
    if (!s) return;
    this.sessions.delete(jobId);
    s.stopWatching();
    await s.client?.close().catch(() => undefined);
    await s.link.disconnect().catch(() => undefined);
  }

  /** Forgets what a job kept outside the site file (its session and activation code). */
  async forgetJob(job: CommissioningJob): Promise<void> {
    await this.dropSession(job.id);
    this.codes.delete(job.id);
    if (job.activationCodeRef !== null) await this.deps.vault?.delete(job.activationCodeRef);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.dropSession(id)));
  }

  // ── one step ───────────────────────────────────────────────────────────────────

  private async runStep(store: SiteStore, job: CommissioningJob, options: RunOptions, actor: string): Promise<CommissioningJob> {
    try {
      return await this.execute(store, job, options, actor);
    } catch (e) {
      if (e instanceof Stopped) return e.job;
      const cause = e instanceof SlotFailure ? e.failure : e;
      const refs = e instanceof SlotFailure ? e.refs : [];
      if (cause instanceof AppError && (cause.code === "store.closed" || cause.code === "site.not_open")) throw cause;
      // The link may be gone or out of step: the next attempt starts a fresh session.
      if (!(cause instanceof KsError) || cause.ksCode === 1501) await this.dropSession(job.id);
      if (cause instanceof KsError && cause.ksCode === 1501) await this.forgetCode(job);
      const current = this.job(store, job.id);
      const patch: Partial<CommissioningJob> = cause instanceof KsError && cause.ksCode === 1501 ? { activationCodeRef: null } : {};
      return this.save(store, actor, "commissioning.fail", fail(current, jobErrorOf(current.step, cause, this.now(), refs), patch), options);
    }
  }

  private async execute(store: SiteStore, job: CommissioningJob, options: RunOptions, actor: string): Promise<CommissioningJob> {
    switch (job.step) {
      case "discover": {
        await this.linkFor(store, job, { actor, options });
        return this.save(store, actor, "commissioning.discover", advance(job, this.now()), options);
      }
      case "authenticate": {
        await this.clientFor(store, job, { actor, options }, false);
        return this.save(store, actor, "commissioning.authenticate", advance(job, this.now()), options);
      }
      case "identify":
        return this.identify(store, job, actor, options);
      case "network":
        return this.network(store, job, actor, options);
      case "cloud":
        return this.cloud(store, job, actor, options);
      case "attach":
        return this.attach(store, job, actor, options);
      case "test":
        return this.test(store, job, actor, options);
      case "done":
        return job;
      default: {
        const never: never = job.step;
        throw new Error(`unknown step ${String(never)}`);
      }
    }
  }

  private async identify(store: SiteStore, job: CommissioningJob, actor: string, options: RunOptions): Promise<CommissioningJob> {
    const client = await this.clientFor(store, job, { actor, options }, false);
    const identity = await client.identify();
    const session = this.sessions.get(job.id);
    if (job.serial !== null && identity.serial !== job.serial) throw wrongIq(job.serial, identity.serial);
    const result = store.act({ name: "commissioning.identify", actor }, (tx) => {
      const other = tx.list("iq").find((q) => q.serial === identity.serial && q.id !== job.iqId);
      if (other) {
        throw new AppError("commissioning.serial_in_use", `The IQ with serial ${identity.serial} is already in this site as "${other.name}".`, { iqId: other.id, serial: identity.serial });
      }
      tx.update("iq", job.iqId, (iq) => ({ ...iq, ...identityFields(identity) }));
      return tx.update("commissioningJob", job.id, advance(this.jobIn(tx, job.id), this.now(), { serial: identity.serial }));
    });
    if (session) session.serial = identity.serial;
    this.report(store, result, options);
    return result;
  }

  private async network(store: SiteStore, job: CommissioningJob, actor: string, options: RunOptions): Promise<CommissioningJob> {
    if (job.network === null || job.network.kind === "unconfigured") return this.needs(store, job, "network", { actor, options });
    const config = await this.wireConfig(job.network);
    if (config === null) {
      throw new Stopped(this.save(store, actor, "commissioning.wait", waitFor(job, "network", this.now(), { network: null }), options));
    }
    const client = await this.clientFor(store, job, { actor, options });
    await client.setNetwork(config);
    const wanted = uplinkOf(config);
    const status = await this.pollStatus(client, (s) => s.linkUp && s.uplink === wanted);
    if (!(status.linkUp && status.uplink === wanted)) {
      throw new AppError("commissioning.network_down", `The IQ did not come up on ${describeNetwork(job.network)} (uplink ${status.uplink}, link ${status.linkUp ? "up" : "down"}).`, {
        uplink: status.uplink,
        linkUp: status.linkUp,
      });
    }
    const network = job.network;
    return this.saveWith(store, actor, "commissioning.network", options, (tx) => {
      tx.update("iq", job.iqId, (iq) => ({ ...iq, network }));
      return advance(this.jobIn(tx, job.id), this.now());
    });
  }

  private async cloud(store: SiteStore, job: CommissioningJob, actor: string, options: RunOptions): Promise<CommissioningJob> {
    const client = await this.clientFor(store, job, { actor, options });
    const status = await this.pollStatus(client, (s) => s.cloud === "reachable");
    if (status.cloud !== "reachable") {
      throw new KsError(3105, { message: `The IQ is not connected to the cloud (cloud ${status.cloud}, uplink ${status.uplink}).`, details: { cloud: status.cloud, uplink: status.uplink } });
    }
    // The IQ proved its activation code (authenticate) and now reports itself to the
    // cloud: it is activated there, which the handover checklist ("every IQ online") needs.
    return this.saveWith(store, actor, "commissioning.cloud", options, (tx) => {
      tx.update("iq", job.iqId, (iq) => ({ ...iq, cloudConnected: true, activation: "activated" }));
      return advance(this.jobIn(tx, job.id), this.now());
    });
  }

  /**
   * Attaches the job's devices, parents first. The IQ's tree is read first, so a
   * device it already holds under the right parent is only recorded, never attached
   * twice (a resumed or retried attach); one under another parent is moved. Each
   * device is stored in its own action as soon as the IQ confirms it.
   */
  private async attach(store: SiteStore, job: CommissioningJob, actor: string, options: RunOptions): Promise<CommissioningJob> {
    if (job.devices.some((d) => d.deviceId === null)) return this.needs(store, job, "device-ids", { actor, options });
    const problems = treeProblems(job.devices);
    if (problems.length > 0) {
      throw new SlotFailure(new KsError(2204, { message: `The IQ tree is invalid: ${problems.map((p) => p.message).join("; ")}.`, details: { problems } }), [...new Set(problems.flatMap((p) => p.refs))]);
    }
    const client = await this.clientFor(store, job, { actor, options });
    const tree = new Map((await client.readTree()).map((n) => [n.deviceId, n]));
    const ours = new Set(job.devices.map((d) => d.deviceId!));
    const unknown: UnknownNode[] = [...tree.values()].filter((n) => !ours.has(n.deviceId)).map((n) => ({ ...n }));
    const byRef = new Map(job.devices.map((d) => [d.ref, d]));
    const order = attachOrder(job.devices);
    let done = 0;
    for (const s of order) {
      const deviceId = s.deviceId!;
      const parentDeviceId = s.parentRef === null ? null : byRef.get(s.parentRef)!.deviceId!;
      const node = tree.get(deviceId);
      let measured: { linkQuality: number; rssi: number | null };
      try {
        if (node && node.role === s.role && node.parentDeviceId === parentDeviceId) {
          measured = { linkQuality: node.linkQuality, rssi: null };
        } else {
          if (node) await client.detach(deviceId);
          const r = await client.attach(s.role, deviceId, parentDeviceId);
          measured = { linkQuality: r.linkQuality, rssi: r.rssi };
        }
      } catch (e) {
        throw new SlotFailure(e, [s.ref]);
      }
      done++;
      const saved = store.act({ name: "commissioning.attach", actor }, (tx) => this.recordAttach(tx, job.id, s.ref, parentDeviceId, measured));
      this.report(store, saved, options, done, order.length);
    }
    return this.save(store, actor, "commissioning.attached", advance(this.job(store, job.id), this.now(), { unknownOnIq: unknown }), options);
  }

  /** The site file after one attach: the lock or repeater with its parent and Device ID, the as-built row, the slot. */
  private recordAttach(tx: StoreTx, jobId: string, ref: string, parentDeviceId: string | null, measured: { linkQuality: number; rssi: number | null }): CommissioningJob {
    const job = this.jobIn(tx, jobId);
    const s = job.devices.find((d) => d.ref === ref)!;
    const deviceId = s.deviceId!;
    const parent: Parent = s.parentRef === null ? { kind: "iq", id: job.iqId } : { kind: "repeater", id: job.devices.find((d) => d.ref === s.parentRef)!.repeaterId! };
    const at = tx.at;
    let lockId = s.lockId;
    let repeaterId = s.repeaterId;
    if (s.role === "lock") {
      if (lockId !== null && tx.get("lock", lockId)) {
        tx.update("lock", lockId, (l) => ({ ...l, deviceId, parent, linkState: "attached" }));
      } else {
        // A planned door without a lock yet: the plan's default kind (see topology DOOR_KINDS).
        if (s.doorId === null) throw new AppError("commissioning.lock_not_found", `"${s.ref}" has no lock or door in this site any more.`, { ref });
        lockId = tx.insert("lock", { id: this.deps.ids.next(), doorId: s.doorId, name: s.name, hardware: { kind: "escutcheon", generation: "bluenet" }, deviceId, parent, linkState: "attached" }).id;
      }
    } else if (repeaterId !== null && tx.get("repeater", repeaterId)) {
      tx.update("repeater", repeaterId, (r) => ({ ...r, deviceId, parent, linkState: "attached" }));
    } else {
      repeaterId = tx.insert("repeater", { id: this.deps.ids.next(), name: s.name, deviceId, parent, linkState: "attached", position: s.position }).id;
    }
    const rowId = (lockId ?? repeaterId)!;
    const before = tx.get("iqDevice", rowId);
    const row = {
      id: rowId,
      iqId: job.iqId,
      role: s.role,
      deviceId,
      lockId: s.role === "lock" ? lockId : null,
      repeaterId: s.role === "repeater" ? repeaterId : null,
      parentDeviceId,
      linkQuality: measured.linkQuality,
      rssi: measured.rssi ?? (before?.deviceId === deviceId ? before.rssi : null),
      attachedAt: before?.deviceId === deviceId && before.iqId === job.iqId ? before.attachedAt : at,
      measuredAt: at,
    };
    if (before) tx.update("iqDevice", rowId, row);
    else tx.insert("iqDevice", row);
    const devices = job.devices.map((d) => (d.ref === ref ? { ...d, lockId: row.lockId, repeaterId: row.repeaterId, attachedAt: d.attachedAt ?? at } : d));
    return tx.update("commissioningJob", jobId, { ...job, devices, updatedAt: at });
  }

  /** Opens every attached door once (again only those that did not open last time). */
  private async test(store: SiteStore, job: CommissioningJob, actor: string, options: RunOptions): Promise<CommissioningJob> {
    const locks = job.devices.filter((d) => d.role === "lock");
    const todo = locks.filter((d) => d.test?.outcome !== "opened");
    const client = todo.length > 0 ? await this.clientFor(store, job, { actor, options }) : null;
    let done = locks.length - todo.length;
    for (const s of todo) {
      let result: { outcome: TestOutcome; latencyMs: number };
      try {
        result = await client!.testOpen(s.deviceId!);
      } catch (e) {
        throw new SlotFailure(e, [s.ref]);
      }
      done++;
      const saved = store.act({ name: "commissioning.test", actor }, (tx) => {
        const current = this.jobIn(tx, job.id);
        const cur = current.devices.find((d) => d.ref === s.ref)!;
        const at = tx.at;
        tx.insert("doorTest", { id: this.deps.ids.next(), lockId: cur.lockId!, doorId: cur.doorId!, iqId: current.iqId, jobId: current.id, deviceId: cur.deviceId!, outcome: result.outcome, latencyMs: result.latencyMs, at });
        const devices = current.devices.map((d) => (d.ref === s.ref ? { ...d, test: { outcome: result.outcome, latencyMs: result.latencyMs, at } } : d));
        return tx.update("commissioningJob", job.id, { ...current, devices, updatedAt: at });
      });
      this.report(store, saved, options, done, locks.length);
    }
    const current = this.job(store, job.id);
    const failed = current.devices.filter((d) => d.role === "lock" && d.test?.outcome !== "opened");
    if (failed.length > 0 && !options.acceptFailedTests) {
      const names = failed.map((d) => `${d.name} (${d.test?.outcome ?? "not tested"})`).join(", ");
      throw new SlotFailure(new AppError("commissioning.doors_not_opened", `${failed.length === 1 ? "A door" : `${failed.length} doors`} did not open: ${names}.`), failed.map((d) => d.ref));
    }
    const finished = this.save(store, actor, "commissioning.done", advance(current, this.now(), { activationCodeRef: null }), options);
    await this.forgetJob(current);
    return finished;
  }

  // ── sessions ───────────────────────────────────────────────────────────────────

  private openSession(): OpenIqSession {
    if (!this.deps.openSession) throw new AppError("ble.unavailable", "This build of Lintel cannot talk to IQs over Bluetooth.");
    return this.deps.openSession;
  }

  private async connect(peripheralId: string): Promise<GattLink> {
    const central = this.deps.central;
    if (!central) throw new AppError("ble.unavailable", bleStateMessage("unavailable"));
    const state = central.state();
    if (state !== "powered-on") throw new AppError(`ble.${state}`, bleStateMessage(state), { state });
    return central.connect(peripheralId, { timeoutMs: this.timing.connectTimeoutMs });
  }

  /**
   * Input the step needs: inside a run the job waits for it (stored); outside one
   * (blink, Wi-Fi scan) the caller is told.
   */
  private needs(store: SiteStore, job: CommissioningJob, what: WaitingFor, step: StepCtx | null): never {
    if (step === null) {
      const words = what === "activation-code" ? "the IQ's activation code" : what === "peripheral" ? "which IQ to connect to" : what;
      throw new AppError("commissioning.needs_input", `Give ${words} first.`, { jobId: job.id, waitingFor: what });
    }
    throw new Stopped(this.save(store, step.actor, "commissioning.wait", waitFor(this.job(store, job.id), what, this.now()), step.options));
  }

  private async linkFor(store: SiteStore, job: CommissioningJob, step: StepCtx | null): Promise<Session> {
    const existing = this.sessions.get(job.id);
    if (existing) return existing;
    if (job.peripheralId === null) return this.needs(store, job, "peripheral", step);
    const link = await this.connect(job.peripheralId);
    const stopWatching = link.onDisconnect(() => {
      if (this.sessions.get(job.id)?.link === link) this.sessions.delete(job.id);
    });
    const session: Session = { peripheralId: job.peripheralId, link, client: null, serial: null, stopWatching };
    this.sessions.set(job.id, session);
    return session;
  }

  /**
   * The job's authenticated session, made on demand: connect, authenticate with the
   * kept code and (`verify`, for every step after identify) check that this is the
   * job's IQ by its serial.
   */
  private async clientFor(store: SiteStore, job: CommissioningJob, step: StepCtx | null, verify = true): Promise<IqClient> {
    const session = await this.linkFor(store, job, step);
    if (!session.client) {
      const code = await this.codeOf(job);
      if (code === null) {
        await this.dropSession(job.id);
        return this.needs(store, job, "activation-code", step);
      }
      session.client = await this.openSession()(session.link, code);
    }
    if (verify && job.serial !== null && session.serial !== job.serial) {
      const identity = await session.client.identify();
      if (identity.serial !== job.serial) {
        await this.dropSession(job.id);
        throw wrongIq(job.serial, identity.serial);
      }
      session.serial = identity.serial;
    }
    return session.client;
  }

  private async pollStatus(client: IqClient, good: (s: IqStatus) => boolean): Promise<IqStatus> {
    let status = await client.status();
    for (let i = 1; i < this.timing.statusPolls && !good(status); i++) {
      await this.deps.sleep(this.timing.pollIntervalMs);
      status = await client.status();
    }
    return status;
  }

  // ── secrets ────────────────────────────────────────────────────────────────────

  private async keepCode(job: CommissioningJob, code: string): Promise<void> {
    if (this.deps.vault && job.activationCodeRef !== null) await this.deps.vault.set(job.activationCodeRef, code);
    else this.codes.set(job.id, code);
  }

  private async codeOf(job: CommissioningJob): Promise<string | null> {
    const inMemory = this.codes.get(job.id);
    if (inMemory !== undefined) return inMemory;
    if (job.activationCodeRef === null || !this.deps.vault) return null;
    return this.deps.vault.get(job.activationCodeRef);
  }

  private async forgetCode(job: CommissioningJob): Promise<void> {
    this.codes.delete(job.id);
    if (job.activationCodeRef !== null) await this.deps.vault?.delete(job.activationCodeRef);
  }

  private async networkOf(store: SiteStore, job: CommissioningJob, choice: NetworkChoice): Promise<IqNetwork> {
    switch (choice.kind) {
      case "ethernet-dhcp":
        return { kind: "ethernet-dhcp" };
      case "ethernet-static":
        return { kind: "ethernet-static", address: choice.address, prefixLength: choice.prefixLength, gateway: choice.gateway, dns: [...choice.dns] };
      case "wifi": {
        if (choice.security === "open") return { kind: "wifi", ssid: choice.ssid, security: "open", secretRef: null };
        const key = vaultKeys.wifi(store.siteId, choice.ssid);
        await this.vault().set(key, choice.passphrase);
        return { kind: "wifi", ssid: choice.ssid, security: choice.security, secretRef: key };
      }
      case "shared-wifi": {
        const shared = sharedWifiOf(store.list("iq")).find((w) => w.ssid === choice.ssid);
        if (!shared) throw new AppError("commissioning.wifi_not_shared", `No IQ of this site has joined "${choice.ssid}" yet; type its passphrase once.`, { ssid: choice.ssid });
        if (shared.secretRef !== null && (await this.vault().get(shared.secretRef)) === null) {
          throw new AppError("vault.missing", `The passphrase of "${choice.ssid}" is not in this computer's vault; type it once more.`, { ssid: choice.ssid });
        }
        return { kind: "wifi", ssid: shared.ssid, security: shared.security, secretRef: shared.secretRef };
      }
      case "cellular": {
        if (choice.pin === null) return { kind: "cellular", apn: choice.apn, pinRef: null };
        const key = vaultKeys.simPin(store.siteId, job.iqId);
        await this.vault().set(key, choice.pin);
        return { kind: "cellular", apn: choice.apn, pinRef: key };
      }
      default: {
        const never: never = choice;
        throw new Error(`unknown network ${String(never)}`);
      }
    }
  }

  /** The bytes' view of a network: secrets fetched from the vault; null when one is gone. */
  private async wireConfig(n: IqNetwork): Promise<NetworkConfig | null> {
    switch (n.kind) {
      case "unconfigured":
        return null;
      case "ethernet-dhcp":
        return { kind: "ethernet-dhcp" };
      case "ethernet-static":
        return { kind: "ethernet-static", address: n.address, prefixLength: n.prefixLength, gateway: n.gateway, dns: n.dns.slice(0, 2) };
      case "wifi": {
        if (n.security === "open") return { kind: "wifi", ssid: n.ssid, security: "open", passphrase: "" };
        const passphrase = n.secretRef === null ? null : await this.vault().get(n.secretRef);
        return passphrase === null ? null : { kind: "wifi", ssid: n.ssid, security: n.security, passphrase };
      }
      case "cellular": {
        if (n.pinRef === null) return { kind: "cellular", apn: n.apn, pin: null };
        const pin = await this.vault().get(n.pinRef);
        return pin === null ? null : { kind: "cellular", apn: n.apn, pin };
      }
      default: {
        const never: never = n;
        throw new Error(`unknown network ${String(never)}`);
      }
    }
  }

  private vault(): SecretVault {
    if (!this.deps.vault) throw new AppError("vault.unavailable", "Lintel has no secret vault here, so it cannot keep a passphrase or PIN. Start Lintel with a vault key (LINTEL_VAULT_KEY) or use the desktop app.");
    return this.deps.vault;
  }

  // ── storing ────────────────────────────────────────────────────────────────────

  private job(store: SiteStore, jobId: string): CommissioningJob {
    const job = store.get("commissioningJob", jobId);
    if (!job) throw new AppError("commissioning.not_found", "That commissioning job is not part of this site.", { jobId });
    return job;
  }

  private jobIn(tx: StoreTx, jobId: string): CommissioningJob {
    const job = tx.get("commissioningJob", jobId);
    if (!job) throw new AppError("commissioning.not_found", "That commissioning job is not part of this site.", { jobId });
    return job;
  }

  private planFor(store: SiteStore, planId: string | undefined) {
    const plan = planId === undefined ? store.latestPlan() : store.get("plan", planId);
    if (!plan) throw new AppError(planId === undefined ? "plan.none" : "plan.not_found", planId === undefined ? "This site has no plan yet. Plan the mesh first, or pick the devices by hand." : "That plan is not part of this site.", { planId });
    return plan;
  }

  private afterDeviceChange(job: CommissioningJob, devices: DeviceSlot[]): CommissioningJob {
    const at = this.now();
    const moved = devices.some((d) => d.attachedAt === null) && stepIndex(job.step) > stepIndex("attach") ? rewind(job, "attach", at) : job;
    const next = { ...moved, devices, updatedAt: at };
    return moved.waitingFor === "device-ids" ? ready(next, at) : next;
  }

  private save(store: SiteStore, actor: string, action: string, next: CommissioningJob, options: RunOptions): CommissioningJob {
    const saved = store.act({ name: action, actor }, (tx) => tx.update("commissioningJob", next.id, next));
    this.report(store, saved, options);
    return saved;
  }

  private saveWith(store: SiteStore, actor: string, action: string, options: RunOptions, fn: (tx: StoreTx) => CommissioningJob): CommissioningJob {
    const saved = store.act({ name: action, actor }, (tx) => {
      const next = fn(tx);
      return tx.update("commissioningJob", next.id, next);
    });
    this.report(store, saved, options);
    return saved;
  }

  private report(store: SiteStore, job: CommissioningJob, options: RunOptions, done?: number, total?: number): void {
    if (!options.onProgress) return;
    const devices = job.step === "test" ? job.devices.filter((d) => d.role === "lock") : job.devices;
    const finished = job.step === "test" ? devices.filter((d) => d.test !== null).length : devices.filter((d) => d.attachedAt !== null).length;
    options.onProgress({ siteId: store.siteId, job, done: done ?? finished, total: total ?? devices.length });
  }

  private async exclusive<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy.has(jobId)) throw busyError(jobId);
    this.busy.add(jobId);
    try {
      return await fn();
    } finally {
      this.busy.delete(jobId);
    }
  }
}

/** "IQ1" stays "IQ1"; a planned id like "north" becomes "IQ north"; without a plan, "IQ 3". */
function nameFor(plannedIq: string | undefined, n: number): string {
  if (plannedIq === undefined) return `IQ ${n}`;
  return /^iq/i.test(plannedIq) ? plannedIq : `IQ ${plannedIq}`;
}

function alreadyStarted(job: CommissioningJob, message: string): AppError {
  return new AppError("commissioning.already_started", `${message} Continue it instead.`, { jobId: job.id, iqId: job.iqId });
}

function busyError(jobId: string): AppError {
  return new AppError("commissioning.busy", "This IQ is being worked on right now. Wait for the current step to finish.", { jobId });
}

function wrongIq(expected: string, found: string): AppError {
  return new AppError("commissioning.wrong_iq", `This is IQ ${found}, but the job was started with IQ ${expected}.`, { expected, found });
}

function normalizeDeviceId(raw: string): string {
  const id = raw.trim().toUpperCase();
  if (!DEVICE_ID.test(id)) throw new AppError("commissioning.bad_device_id", `"${raw}" is not a Device ID (8 to 16 hexadecimal characters).`, { deviceId: raw });
  return id;
}

/** A Device ID belongs to one device: refused when another slot or another lock or repeater of the site has it. */
function checkDeviceIdsFree(tx: StoreTx, devices: readonly DeviceSlot[]): void {
  const seen = new Map<string, string>();
  for (const d of devices) {
    if (d.deviceId === null) continue;
    const other = seen.get(d.deviceId);
    if (other !== undefined) throw new AppError("commissioning.device_id_in_use", `Device ID ${d.deviceId} is given to both "${other}" and "${d.ref}".`, { deviceId: d.deviceId, refs: [other, d.ref] });
    seen.set(d.deviceId, d.ref);
  }
  const mine = new Set(devices.flatMap((d) => [d.lockId, d.repeaterId]).filter((x): x is string => x !== null));
  for (const e of [...tx.list("lock"), ...tx.list("repeater")]) {
    if (e.deviceId === null || mine.has(e.id)) continue;
    const ref = seen.get(e.deviceId);
    if (ref !== undefined) throw new AppError("commissioning.device_id_in_use", `Device ID ${e.deviceId} already belongs to "${e.name}" in this site.`, { deviceId: e.deviceId, refs: [ref], entityId: e.id });
  }
}

/** A planned IQ's place, when the plan's floor is one of the site's (it is, for plans made here). */
function positionOrNull(p: { floor: string; x: number; y: number }): Iq["position"] {
  const parsed = Position.safeParse({ floorId: p.floor, x: p.x, y: p.y });
  return parsed.success ? parsed.data : null;
}

/** The Iq document's fields from what the IQ says about itself. */
function identityFields(id: IqIdentity): Pick<Iq, "serial" | "model" | "firmware" | "mac"> {
  const model = /^IQ[\s-]*([23])(\.0)?$/i.exec(id.model.trim());
  if (!model) throw new AppError("commissioning.unknown_model", `This IQ is a "${id.model}", a model Lintel does not know.`, { model: id.model });
  return { serial: id.serial, model: model[1] === "3" ? "IQ 3.0" : "IQ 2.0", firmware: /\d+\.\d+\.\d+/.exec(id.firmware)?.[0] ?? null, mac: id.mac };
}

function uplinkOf(c: NetworkConfig): Uplink {
  return c.kind === "wifi" ? "wifi" : c.kind === "cellular" ? "cellular" : "ethernet";
}

function describeNetwork(n: IqNetwork): string {
  switch (n.kind) {
    case "wifi":
      return `Wi-Fi "${n.ssid}"`;
    case "cellular":
      return `the SIM stick (APN ${n.apn})`;
    case "ethernet-static":
      return `Ethernet (${n.address})`;
    default:
      return "Ethernet";
  }
}

