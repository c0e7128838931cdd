/**
 * A simulated IQ: identity, network, the attached tree with the vendor's limits, test
 * opens, firmware staging and factory reset — the command semantics of PROTOCOL.md §5,
 * without any transport (sim/peripheral.ts speaks the bytes). Time is the scheduler's,
 * so uptime, reboots and the PAKE brute-force brake run on virtual time in tests.
 */
import { createHash } from "node:crypto";
import type { Scheduler } from "../../../ports/scheduler.ts";
import type {
  BleKsCode,
  CloudState,
  DeviceRole,
  NetworkConfig,
  Request,
  Response,
  TestOpenOutcome,
  TreeNode,
  Uplink,
  WifiNetwork,
} from "../commands.ts";
import { deriveW0W1, registrationRecord } from "../session.ts";

/** One lock or repeater the IQ can reach by radio. */
export interface SimDevice {
  readonly deviceId: string;
  readonly role: DeviceRole;
  /**
   * dBm of the radio link to each possible parent: a repeater's Device ID, or `"IQ"`
   * for the IQ itself. A parent missing here is out of range (attach answers 3104).
   */
  readonly links: Readonly<Record<string, number>>;
  /** Locks: what a test-open does. Default: opened after 300 ms. */
  readonly testOpen?: { readonly outcome: TestOpenOutcome; readonly latencyMs: number };
}

export interface SimWifiNetwork extends WifiNetwork {
  /** What the access point accepts; empty for an open network. */
  readonly passphrase: string;
}

/** How long the IQ takes to act (its own work, not the radio link), in ms. */
export interface SimLatencies {
  readonly identify: number;
  readonly status: number;
  readonly ethernetDhcp: number;
  readonly ethernetStatic: number;
  readonly wifiJoin: number;
  readonly cellular: number;
  readonly wifiScan: number;
  /** Attach: finding the device by radio and handing it keys, plus `attachPerHop` per repeater on the way. */
  readonly attach: number;
  readonly attachPerHop: number;
  readonly detach: number;
  readonly readTree: number;
  readonly blink: number;
  readonly fwBegin: number;
  /** Writing one chunk to flash. */
  readonly fwChunk: number;
  /** Checking the image's SHA-256 before rebooting. */
  readonly fwCommit: number;
  readonly factoryReset: number;
  /** The IQ's elliptic-curve work for Pake2 (a microcontroller is slow at it). */
  readonly pake: number;
  /** Off the air while rebooting (after fw-commit, factory reset, or a reboot fault). */
  readonly reboot: number;
}

export const DEFAULT_SIM_LATENCIES: SimLatencies = {
  identify: 5,
  status: 5,
  ethernetDhcp: 800,
  ethernetStatic: 150,
  wifiJoin: 2500,
  cellular: 4000,
  wifiScan: 2200,
  attach: 220,
  attachPerHop: 40,
  detach: 120,
  readTree: 15,
  blink: 5,
  fwBegin: 40,
  fwChunk: 12,
  fwCommit: 900,
  factoryReset: 150,
  pake: 60,
  reboot: 8000,
};

export interface SimIqConfig {
  readonly serial: string;
  /** As printed on the IQ's label (case-sensitive). */
  readonly activationCode: string;
  readonly model?: string;
  readonly firmware?: string;
  /** AA:BB:CC:DD:EE:FF. */
  readonly mac?: string;
  /** dBm at which the laptop hears this IQ. Below -100 it is out of Bluetooth range. */
  readonly rssi?: number;
  readonly devices?: readonly SimDevice[];
  readonly wifiNetworks?: readonly SimWifiNetwork[];
  /** An Ethernet cable is plugged in (default true). */
  readonly ethernetCable?: boolean;
  /** A SIM stick is plugged in, with the APN and PIN it accepts. */
  readonly simCard?: { readonly apn: string; readonly pin: string | null } | null;
  /** The KS cloud answers once the IQ has an uplink (default true). */
  readonly cloudReachable?: boolean;
  /** PBKDF2 iterations of the registration record (the IQ ships 10000). */
  readonly pbkdfIterations?: number;
  readonly salt?: Uint8Array;
  readonly attMtu?: number;
  readonly maxWindowSize?: number;
  readonly latencies?: Partial<SimLatencies>;
}

/** Faults a test or a demo switches on; counters go down as they fire. */
export interface SimIqFaults {
  /** The next n commands are answered 3102 (busy) without being carried out. */
  busy: number;
  /** The next n replies are computed (and the command carried out) but never sent. */
  loseReplies: number;
  /** The next n connection attempts fail (the IQ does not answer the connect). */
  refuseConnections: number;
  /** The next connection breaks (out of range) once this many bytes went to the IQ; consumed by that connection. */
  dropLinkAfterBytes: number | null;
}

export interface SimTreeEntry extends TreeNode {
  readonly rssi: number;
}

interface Staged {
  readonly sha256: string;
  readonly size: number;
  readonly version: string;
  readonly data: Uint8Array;
  received: number;
}

/** What a command did: the reply, how long the IQ takes, and whether it reboots after replying. */
export interface SimOutcome {
  readonly response: Response;
  readonly delayMs: number;
  readonly rebootAfter: boolean;
}

const MAX_LOCKS = 16;
const MAX_REPEATERS = 6;
const MAX_CHAIN = 3;
const MAX_CHILD_REPEATERS = 2;
const MAX_IMAGE = 16 * 1024 * 1024;
const PAKE_FAILURE_WINDOW_MS = 10 * 60_000;
const PAKE_FAILURE_LIMIT = 5;
const PAKE_LOCKOUT_MS = 60_000;

/** dBm → the 0..100 link quality an IQ reports (-45 dBm or better is 100, -100 is 0). */
export function linkQualityOf(rssi: number): number {
  return Math.max(0, Math.min(100, Math.round(((rssi + 100) * 100) / 55)));
}

function err(code: BleKsCode, detail: string, delayMs = 5): SimOutcome {
  return { response: { op: "error", code, detail: detail.slice(0, 128) }, delayMs, rebootAfter: false };
}

function ok(response: Response, delayMs: number, rebootAfter = false): SimOutcome {
  return { response, delayMs, rebootAfter };
}

export class SimIq {
  readonly serial: string;
  readonly activationCode: string;
  readonly model: string;
  readonly mac: string;
  readonly rssi: number;
  readonly attMtu: number;
  readonly maxWindowSize: number;
  readonly latencies: SimLatencies;
  /** The registration record: what a real IQ stores instead of its activation code. */
  readonly verifier: { readonly w0: bigint; readonly L: Uint8Array; readonly salt: Uint8Array; readonly iterations: number };
  readonly faults: SimIqFaults = { busy: 0, loseReplies: 0, refuseConnections: 0, dropLinkAfterBytes: null };
  /** How often each command was carried out (not replayed, not refused as busy): tests check replays with it. */
  readonly executed = new Map<Request["op"], number>();
  /** Simulated time the IQ spent working (commands and PAKE maths), for the bench's split of link vs IQ time. */
  busyMs = 0;
  firmware: string;
  private readonly devices: ReadonlyMap<string, SimDevice>;
  private readonly tree = new Map<string, SimTreeEntry>();
  private network: { readonly config: NetworkConfig | null; readonly uplink: Uplink; readonly linkUp: boolean; readonly address: string | null; readonly rssi: number | null } = {
    config: null,
    uplink: "none",
    linkUp: false,
    address: null,
    rssi: null,
  };
  private staged: Staged | null = null;
  private bootedAt: number;
  private offUntil = -Infinity;
  private pakeFailures: number[] = [];
  private lockedUntil = -Infinity;
  private blinkUntil = -Infinity;
  private readonly rebootListeners = new Set<() => void>();

  constructor(
    readonly config: SimIqConfig,
    private readonly scheduler: Scheduler,
  ) {
    this.serial = config.serial;
    this.activationCode = config.activationCode;
    this.model = config.model ?? "IQ2";
    this.firmware = config.firmware ?? "2.3.1";
    this.mac = config.mac ?? macFromSerial(config.serial);
    this.rssi = config.rssi ?? -60;
    this.attMtu = config.attMtu ?? 247;
    this.maxWindowSize = config.maxWindowSize ?? 16;
    this.latencies = { ...DEFAULT_SIM_LATENCIES, ...config.latencies };
    this.devices = new Map((config.devices ?? []).map((d) => [d.deviceId, d]));
    const salt = config.salt ?? new Uint8Array(createHash("sha256").update(`salt:${config.serial}`).digest()).slice(0, 16);
    const iterations = config.pbkdfIterations ?? 10_000;
    const { w0, w1 } = deriveW0W1(config.activationCode, salt, iterations);
    this.verifier = { w0, L: registrationRecord(w1), salt, iterations };
    this.bootedAt = scheduler.now();
  }

  /* ---------- power and pairing state ---------- */

  /** Powered and not rebooting. */
  get isOn(): boolean {
    return this.scheduler.now() >= this.offUntil;
  }

  /** When a rebooting IQ is back on the air (or now). */
  get onAgainAt(): number {
    return Math.max(this.offUntil, this.scheduler.now());
  }

  get isBlinking(): boolean {
    return this.scheduler.now() < this.blinkUntil;
  }

  /** Called with every reboot: the connection drops. */
  onReboot(listener: () => void): () => void {
    this.rebootListeners.add(listener);
    return () => this.rebootListeners.delete(listener);
  }

  /** Restarts: drops the connection, off the air for `downMs`; tree, network and staged firmware persist. */
  reboot(downMs = this.latencies.reboot): void {
    this.offUntil = this.scheduler.now() + downMs;
    this.bootedAt = this.offUntil;
    for (const l of [...this.rebootListeners]) l();
  }

  /** The brute-force brake of PROTOCOL.md §4.1: 5 failures in 10 min lock pairing for 60 s. */
  get pairingLocked(): boolean {
    return this.scheduler.now() < this.lockedUntil;
  }

  recordPakeFailure(): void {
    const now = this.scheduler.now();
    this.pakeFailures = [...this.pakeFailures.filter((t) => now - t < PAKE_FAILURE_WINDOW_MS), now];
    if (this.pakeFailures.length >= PAKE_FAILURE_LIMIT) {
      this.lockedUntil = now + PAKE_LOCKOUT_MS;
      this.pakeFailures = [];
    }
  }

  /* ---------- inspection ---------- */

  attachedTree(): readonly SimTreeEntry[] {
    return [...this.tree.values()];
  }

  stagedFirmware(): { readonly version: string; readonly received: number; readonly size: number } | null {
    return this.staged ? { version: this.staged.version, received: this.staged.received, size: this.staged.size } : null;
  }

  networkConfig(): NetworkConfig | null {
    return this.network.config;
  }

  /* ---------- commands ---------- */

  /** Carries out one request and says what to answer, and when. */
  execute(req: Request): SimOutcome {
    this.executed.set(req.op, (this.executed.get(req.op) ?? 0) + 1);
    const outcome = this.carryOut(req);
    this.busyMs += outcome.delayMs;
    return outcome;
  }

  private carryOut(req: Request): SimOutcome {
    const L = this.latencies;
    switch (req.op) {
      case "identify":
        return ok({ op: "identify", serial: this.serial, model: this.model, firmware: this.firmware, mac: this.mac }, L.identify);
      case "network-set":
        return this.setNetwork(req.config);
      case "wifi-scan": {
        const networks = [...(this.config.wifiNetworks ?? [])]
          .sort((a, b) => b.rssi - a.rssi)
          .slice(0, 32)
          .map(({ ssid, rssi, security, channel }) => ({ ssid, rssi, security, channel }));
        return ok({ op: "wifi-scan", networks }, L.wifiScan);
      }
      case "status":
        return ok({ op: "status", ...this.statusNow() }, L.status);
      case "attach":
        return this.attach(req.role, req.deviceId, req.parentDeviceId);
      case "detach":
        return this.detach(req.deviceId);
      case "read-tree":
        return ok({ op: "read-tree", nodes: [...this.tree.values()].map(({ deviceId, role, parentDeviceId, linkQuality }) => ({ deviceId, role, parentDeviceId, linkQuality })) }, L.readTree);
      case "blink":
        this.blinkUntil = this.scheduler.now() + req.seconds * 1000;
        return ok({ op: "blink" }, L.blink);
      case "test-open":
        return this.testOpen(req.deviceId);
      case "fw-begin":
        return this.fwBegin(req.imageSize, req.sha256, req.version);
      case "fw-chunk":
        return this.fwChunk(req.offset, req.data);
      case "fw-commit":
        return this.fwCommit();
      case "factory-reset":
        if (this.tree.size > 0) return err(2209, `${this.tree.size} device(s) attached: detach them first`);
        this.network = { config: null, uplink: "none", linkUp: false, address: null, rssi: null };
        this.staged = null;
        return ok({ op: "factory-reset" }, L.factoryReset, true);
    }
  }

  private statusNow(): { uplink: Uplink; linkUp: boolean; address: string | null; cloud: CloudState; rssi: number | null; uptimeSeconds: number } {
    const n = this.network;
    const cloud: CloudState = n.uplink === "none" ? "unknown" : n.linkUp && (this.config.cloudReachable ?? true) ? "reachable" : "unreachable";
    const uptimeSeconds = Math.max(0, Math.floor((this.scheduler.now() - this.bootedAt) / 1000));
    return { uplink: n.uplink, linkUp: n.linkUp, address: n.address, cloud, rssi: n.rssi, uptimeSeconds };
  }

  private setNetwork(config: NetworkConfig): SimOutcome {
    const L = this.latencies;
    const host = 10 + (hashCode(this.serial) % 200);
    const cable = this.config.ethernetCable ?? true;
    switch (config.kind) {
      case "ethernet-dhcp":
        this.network = { config, uplink: "ethernet", linkUp: cable, address: cable ? `192.168.1.${host}` : null, rssi: null };
        return ok({ op: "network-set" }, L.ethernetDhcp);
      case "ethernet-static":
        this.network = { config, uplink: "ethernet", linkUp: cable, address: cable ? config.address : null, rssi: null };
        return ok({ op: "network-set" }, L.ethernetStatic);
      case "wifi": {
        const ap = (this.config.wifiNetworks ?? []).find((w) => w.ssid === config.ssid);
        const joined = ap !== undefined && ap.security === config.security && ap.passphrase === config.passphrase;
        this.network = { config, uplink: "wifi", linkUp: joined, address: joined ? `10.20.0.${host}` : null, rssi: joined ? ap.rssi : null };
        return ok({ op: "network-set" }, L.wifiJoin);
      }
      case "cellular": {
        const sim = this.config.simCard ?? null;
        const up = sim !== null && sim.apn === config.apn && sim.pin === config.pin;
        this.network = { config, uplink: "cellular", linkUp: up, address: up ? `100.64.3.${host}` : null, rssi: up ? -83 : null };
        return ok({ op: "network-set" }, L.cellular);
      }
    }
  }

  private depth(deviceId: string): number {
    let d = 0;
    for (let at = this.tree.get(deviceId); at; at = at.parentDeviceId ? this.tree.get(at.parentDeviceId) : undefined) d++;
    return d;
  }

  /** PROTOCOL.md §5 and DOMAIN.md: the limits an IQ tree must keep, else 2204. */
  private attach(role: DeviceRole, deviceId: string, parentId: string | null): SimOutcome {
    const L = this.latencies;
    const device = this.devices.get(deviceId);
    if (!device) return err(3104, `device ${deviceId} not found by radio`, L.attach);
    if (device.role !== role) return err(1101, `device ${deviceId} is a ${device.role}, not a ${role}`);
    if (this.tree.has(deviceId)) return err(3103, `device ${deviceId} is already attached`);
    const nodes = [...this.tree.values()];
    const repeaters = nodes.filter((n) => n.role === "repeater");
    if (parentId !== null) {
      const parent = this.tree.get(parentId);
      if (!parent) return err(3104, `parent ${parentId} is not attached to this IQ`);
      if (parent.role !== "repeater") return err(2204, `parent ${parentId} is a lock; only repeaters carry devices`);
    }
    if (role === "lock") {
      if (nodes.filter((n) => n.role === "lock").length >= MAX_LOCKS) return err(2204, `at most ${MAX_LOCKS} locks per IQ`);
      if (parentId === null && repeaters.length > 0) return err(2204, "no lock directly on an IQ that has repeaters");
    } else {
      if (repeaters.length >= MAX_REPEATERS) return err(2204, `at most ${MAX_REPEATERS} repeaters per IQ`);
      if (parentId === null && nodes.some((n) => n.role === "lock" && n.parentDeviceId === null)) {
        return err(2204, "locks are attached directly to the IQ: it cannot take repeaters");
      }
      if (parentId !== null) {
        if (this.depth(parentId) + 1 > MAX_CHAIN) return err(2204, `repeater chains are at most ${MAX_CHAIN} deep`);
        if (repeaters.filter((r) => r.parentDeviceId === parentId).length >= MAX_CHILD_REPEATERS) {
          return err(2204, `a repeater carries at most ${MAX_CHILD_REPEATERS} repeaters`);
        }
      }
    }
    const rssi = device.links[parentId ?? "IQ"];
    if (rssi === undefined) return err(3104, `device ${deviceId} is out of radio range of ${parentId ?? "the IQ"}`, L.attach);
    const linkQuality = linkQualityOf(rssi);
    this.tree.set(deviceId, { deviceId, role, parentDeviceId: parentId, linkQuality, rssi });
    const hops = parentId === null ? 0 : this.depth(parentId);
    return ok({ op: "attach", linkQuality, rssi: Math.max(-127, Math.min(0, Math.round(rssi))) }, L.attach + hops * L.attachPerHop);
  }

  private detach(deviceId: string): SimOutcome {
    if (!this.tree.has(deviceId)) return err(3104, `device ${deviceId} is not attached`);
    const children = [...this.tree.values()].filter((n) => n.parentDeviceId === deviceId).length;
    if (children > 0) return err(2204, `${children} device(s) hang from ${deviceId}: detach them first`);
    this.tree.delete(deviceId);
    return ok({ op: "detach" }, this.latencies.detach);
  }

  private testOpen(deviceId: string): SimOutcome {
    const node = this.tree.get(deviceId);
    if (!node) return err(3104, `device ${deviceId} is not attached`);
    if (node.role !== "lock") return err(1101, `device ${deviceId} is a repeater: it has no door`);
    const t = this.devices.get(deviceId)?.testOpen ?? { outcome: "opened" as const, latencyMs: 300 };
    const latencyMs = Math.max(0, Math.min(0xffff, Math.round(t.latencyMs)));
    return ok({ op: "test-open", outcome: t.outcome, latencyMs }, latencyMs);
  }

  private fwBegin(size: number, sha: Uint8Array, version: string): SimOutcome {
    const L = this.latencies;
    if (size > MAX_IMAGE) return err(2207, `image of ${size} bytes; the IQ holds at most ${MAX_IMAGE}`);
    const hex = Buffer.from(sha).toString("hex");
    if (this.staged && this.staged.sha256 === hex && this.staged.size === size) {
      return ok({ op: "fw-begin", resumeOffset: this.staged.received }, L.fwBegin);
    }
    this.staged = { sha256: hex, size, version, data: new Uint8Array(size), received: 0 };
    return ok({ op: "fw-begin", resumeOffset: 0 }, L.fwBegin);
  }

  private fwChunk(offset: number, data: Uint8Array): SimOutcome {
    const s = this.staged;
    if (!s) return err(3103, "no firmware update in progress: send fw-begin first");
    if (offset !== s.received) return err(2207, `expected offset ${s.received}`);
    if (offset + data.length > s.size) return err(2207, `chunk ends at ${offset + data.length}, past the image's ${s.size} bytes`);
    s.data.set(data, offset);
    s.received += data.length;
    return ok({ op: "fw-chunk", nextOffset: s.received }, this.latencies.fwChunk);
  }

  private fwCommit(): SimOutcome {
    const s = this.staged;
    if (!s) return err(3103, "no firmware update in progress");
    if (s.received !== s.size) return err(2207, `image incomplete: ${s.received} of ${s.size} bytes`);
    const digest = createHash("sha256").update(s.data).digest("hex");
    this.staged = null;
    if (digest !== s.sha256) return err(2207, "SHA-256 mismatch: image discarded", this.latencies.fwCommit);
    this.firmware = s.version;
    return ok({ op: "fw-commit" }, this.latencies.fwCommit, true);
  }
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

function macFromSerial(serial: string): string {
  const h = createHash("sha256").update(serial).digest();
  return ["00", "1A", ...Array.from(h.subarray(0, 4), (b) => b.toString(16).toUpperCase().padStart(2, "0"))].join(":");
}
