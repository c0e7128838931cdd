import type { AttachResult, BleAdapterState, BleCentral, ConnectOptions, DiscoveredIq, GattLink, IqClient, IqIdentity, IqStatus, ScanOptions, TestOpenResult } from "../../core/devices/ble/port.ts";
import type { DeviceRole, NetworkConfig, TestOpenOutcome, TreeNode, WifiNetwork } from "../../core/devices/ble/commands.ts";
import { AppError, KsError } from "../../core/errors/index.ts";

/**
 * An in-memory IQ behind the BLE port, for the commissioning flow's tests: the same
 * answers and KS codes as PROTOCOL.md §5 (1501 on a wrong code, 2204 when an attach
 * breaks a tree limit, 3104 for an unknown parent or device), without bytes or time.
 * Every command is logged so a test can count attaches.
 */
export interface FakeIqOptions {
  readonly serial: string;
  readonly code: string;
  readonly model?: string;
  readonly firmware?: string;
  readonly mac?: string;
  readonly rssi?: number;
  /** Wi-Fi networks in reach: ssid → passphrase. */
  readonly wifi?: Readonly<Record<string, string>>;
  /** Whether the cloud answers once the IQ is online. */
  readonly cloudReachable?: boolean;
  /** Status reads before a newly set uplink comes up. */
  readonly uplinkDelayReads?: number;
  /** Devices already on the IQ (from an earlier life). */
  readonly tree?: readonly TreeNode[];
}

export interface FakeCall {
  readonly op: string;
  readonly args: readonly unknown[];
}

const LIMITS = { locks: 16, repeaters: 6, depth: 3, children: 2 };

export class FakeIq {
  readonly serial: string;
  readonly code: string;
  model: string;
  firmware: string;
  mac: string;
  rssi: number;
  cloudReachable: boolean;
  readonly wifi: Map<string, string>;
  readonly nodes = new Map<string, TreeNode>();
  readonly calls: FakeCall[] = [];
  network: NetworkConfig | null = null;
  private readsUntilUp = 0;
  private readonly uplinkDelayReads: number;
  /** Test-open outcome per Device ID (default: opened in 180 ms). */
  readonly doors = new Map<string, TestOpenResult>();
  /** Runs after the IQ changed its tree for an attach, before the reply reaches Lintel. */
  afterAttach: ((deviceId: string) => void) | null = null;
  /** The next command with this op fails as a dropped link. */
  dropOn: string | null = null;
  sessionsOpened = 0;
  failedCodes = 0;

  constructor(o: FakeIqOptions) {
    this.serial = o.serial;
    this.code = o.code;
    this.model = o.model ?? "IQ2";
    this.firmware = o.firmware ?? "2.4.1";
    this.mac = o.mac ?? "00:1A:2B:3C:4D:5E";
    this.rssi = o.rssi ?? -60;
    this.wifi = new Map(Object.entries(o.wifi ?? {}));
    this.cloudReachable = o.cloudReachable ?? true;
    this.uplinkDelayReads = o.uplinkDelayReads ?? 0;
    for (const n of o.tree ?? []) this.nodes.set(n.deviceId, n);
  }

  attachCount(deviceId?: string): number {
    return this.calls.filter((c) => c.op === "attach" && (deviceId === undefined || c.args[1] === deviceId)).length;
  }

  private log(op: string, ...args: unknown[]): void {
    this.calls.push({ op, args });
    if (this.dropOn === op) {
      this.dropOn = null;
      throw new AppError("ble.disconnected", "The IQ went out of reach.");
    }
  }

  identify(): IqIdentity {
    this.log("identify");
    return { op: "identify", serial: this.serial, model: this.model, firmware: this.firmware, mac: this.mac };
  }

  setNetwork(config: NetworkConfig): void {
    this.log("network-set", config);
    this.network = config;
    this.readsUntilUp = this.uplinkDelayReads;
  }

  wifiScan(): readonly WifiNetwork[] {
    this.log("wifi-scan");
    return [...this.wifi.keys()].map((ssid, i) => ({ ssid, rssi: -50 - i, security: "wpa2-psk", channel: 1 + i }));
  }

  status(): IqStatus {
    this.log("status");
    const n = this.network;
    let linkUp = false;
    if (n !== null && this.readsUntilUp-- <= 0) {
      linkUp = n.kind !== "wifi" || (this.wifi.has(n.ssid) && (n.security === "open" || this.wifi.get(n.ssid) === n.passphrase));
    }
    const uplink = n === null ? "none" : n.kind === "wifi" ? "wifi" : n.kind === "cellular" ? "cellular" : "ethernet";
    return {
      op: "status",
      uplink,
      linkUp,
      address: linkUp ? "192.168.1.20" : null,
      cloud: !linkUp ? "unknown" : this.cloudReachable ? "reachable" : "unreachable",
      rssi: uplink === "wifi" && linkUp ? -55 : null,
      uptimeSeconds: 100,
    };
  }

  attach(role: DeviceRole, deviceId: string, parentDeviceId: string | null): AttachResult {
    this.log("attach", role, deviceId, parentDeviceId);
    if (this.nodes.has(deviceId)) throw new KsError(1101, { message: `${deviceId} is already attached` });
    const parent = parentDeviceId === null ? null : this.nodes.get(parentDeviceId);
    if (parentDeviceId !== null && (!parent || parent.role !== "repeater")) throw new KsError(3104, { message: `no repeater ${parentDeviceId}` });
    const next = new Map(this.nodes);
    next.set(deviceId, { deviceId, role, parentDeviceId, linkQuality: 90 - this.depthIn(next, parentDeviceId) * 10 });
    const broken = this.treeBroken(next);
    if (broken) throw new KsError(2204, { message: broken });
    this.nodes.set(deviceId, next.get(deviceId)!);
    this.afterAttach?.(deviceId);
    return { op: "attach", linkQuality: next.get(deviceId)!.linkQuality, rssi: -60 - this.depthIn(next, parentDeviceId) * 5 };
  }

  detach(deviceId: string): void {
    this.log("detach", deviceId);
    if (!this.nodes.has(deviceId)) throw new KsError(3104, { message: `no device ${deviceId}` });
    if ([...this.nodes.values()].some((n) => n.parentDeviceId === deviceId)) throw new KsError(3103, { message: `${deviceId} still has children` });
    this.nodes.delete(deviceId);
  }

  readTree(): readonly TreeNode[] {
    this.log("read-tree");
    return [...this.nodes.values()];
  }

  blink(seconds: number): void {
    this.log("blink", seconds);
  }

  testOpen(deviceId: string): TestOpenResult {
    this.log("test-open", deviceId);
    const n = this.nodes.get(deviceId);
    if (!n || n.role !== "lock") throw new KsError(3104, { message: `no lock ${deviceId}` });
    return this.doors.get(deviceId) ?? { op: "test-open", outcome: "opened", latencyMs: 180 };
  }

  setDoor(deviceId: string, outcome: TestOpenOutcome, latencyMs = 180): void {
    this.doors.set(deviceId, { op: "test-open", outcome, latencyMs });
  }

  private depthIn(nodes: ReadonlyMap<string, TreeNode>, parent: string | null): number {
    let d = 0;
    for (let p = parent; p !== null && d < 10; d++) p = nodes.get(p)?.parentDeviceId ?? null;
    return d;
  }

  /** The IQ's own check of its tree (the limits of DOMAIN.md, independent of Lintel's). */
  private treeBroken(nodes: ReadonlyMap<string, TreeNode>): string | null {
    const all = [...nodes.values()];
    const reps = all.filter((n) => n.role === "repeater");
    const locks = all.filter((n) => n.role === "lock");
    if (locks.length > LIMITS.locks) return `more than ${LIMITS.locks} locks`;
    if (reps.length > LIMITS.repeaters) return `more than ${LIMITS.repeaters} repeaters`;
    if (reps.some((r) => this.depthIn(nodes, r.parentDeviceId) + 1 > LIMITS.depth)) return `a chain longer than ${LIMITS.depth} repeaters`;
    if (reps.some((r) => reps.filter((c) => c.parentDeviceId === r.deviceId).length > LIMITS.children)) return `more than ${LIMITS.children} child repeaters`;
    if (reps.length > 0 && locks.some((l) => l.parentDeviceId === null)) return "a lock on an IQ that has repeaters";
    return null;
  }
}

class FakeLink implements GattLink {
  readonly mtu = 247;
  private readonly closeListeners = new Set<(reason: string) => void>();
  connected = true;
  constructor(readonly iq: FakeIq) {}
  async write(): Promise<void> {}
  onNotify(): () => void {
    return () => undefined;
  }
  onDisconnect(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    for (const l of this.closeListeners) l("local");
  }
}

/** The IQ's commands as an IqClient; each call is asynchronous like a radio round trip. */
class FakeClient implements IqClient {
  constructor(private readonly link: FakeLink) {}
  private run<T>(fn: () => T): Promise<T> {
    if (!this.link.connected) return Promise.reject(new AppError("ble.disconnected", "The link to the IQ is closed."));
    return Promise.resolve().then(fn);
  }
  private get iq(): FakeIq {
    return this.link.iq;
  }
  identify = () => this.run(() => this.iq.identify());
  setNetwork = (c: NetworkConfig) => this.run(() => this.iq.setNetwork(c));
  wifiScan = () => this.run(() => this.iq.wifiScan());
  status = () => this.run(() => this.iq.status());
  attach = (role: DeviceRole, id: string, parent: string | null) => this.run(() => this.iq.attach(role, id, parent));
  detach = (id: string) => this.run(() => this.iq.detach(id));
  readTree = () => this.run(() => this.iq.readTree());
  blink = (s: number) => this.run(() => this.iq.blink(s));
  testOpen = (id: string) => this.run(() => this.iq.testOpen(id));
  updateFirmware = () => Promise.reject(new AppError("test.unsupported", "no firmware in the fake"));
  factoryReset = () => this.run(() => this.iq.nodes.clear());
  close = () => this.link.disconnect();
}

/** A central that hears the given fake IQs (peripheral id = `fake-<serial>`). */
export class FakeCentral implements BleCentral {
  readonly kind = "simulated" as const;
  private current: BleAdapterState = "powered-on";
  private readonly listeners = new Set<(s: BleAdapterState) => void>();
  connects = 0;

  constructor(readonly iqs: FakeIq[]) {}

  static peripheralIdOf(iq: FakeIq): string {
    return `fake-${iq.serial}`;
  }

  setState(state: BleAdapterState): void {
    this.current = state;
    for (const l of this.listeners) l(state);
  }

  state(): BleAdapterState {
    return this.current;
  }

  onStateChange(listener: (state: BleAdapterState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async scan(options: ScanOptions): Promise<readonly DiscoveredIq[]> {
    const found = this.iqs.map((iq) => ({ peripheralId: FakeCentral.peripheralIdOf(iq), localName: `IQ-${iq.serial}`, serial: iq.serial, rssi: iq.rssi }));
    for (const f of found) options.onFound?.(f);
    return found;
  }

  async connect(peripheralId: string, _options: ConnectOptions): Promise<GattLink> {
    this.connects++;
    const iq = this.iqs.find((q) => FakeCentral.peripheralIdOf(q) === peripheralId);
    if (!iq) throw new AppError("ble.connect_timeout", `No IQ answered as ${peripheralId}.`);
    return new FakeLink(iq);
  }
}

/** The session opener for fake links: the activation code is checked as SPAKE2+ would (1501, then disconnect). */
export async function openFakeSession(link: GattLink, code: string): Promise<IqClient> {
  const fake = link as FakeLink;
  if (code !== fake.iq.code) {
    fake.iq.failedCodes++;
    await fake.disconnect();
    throw new KsError(1501, { message: "The activation code is wrong." });
  }
  fake.iq.sessionsOpened++;
  return new FakeClient(fake);
}
