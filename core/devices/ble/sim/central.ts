/**
 * A BleCentral over simulated IQs: scanning hears every IQ that is on, in range and
 * not connected (with seeded RSSI jitter), connecting opens a SimLink to it and starts
 * the IQ's side of the protocol. Adapter states can be switched to show the
 * installer's "Bluetooth is off" screens. Everything runs on the given scheduler.
 */
import { realScheduler, type Scheduler } from "../../../ports/scheduler.ts";
import { localNameOf } from "../gatt.ts";
import { BleLinkError } from "../errors.ts";
import type { BleAdapterState, BleCentral, ConnectOptions, DiscoveredIq, ScanOptions } from "../port.ts";
import type { BtpTimings } from "../transport.ts";
import { demoFleet } from "./fleet.ts";
import { SimIq, type SimIqConfig } from "./iq.ts";
import { DEFAULT_SIM_LINK, SimLink, type SimGattLink, type SimLinkParams } from "./link.ts";
import { IqConnection } from "./peripheral.ts";
import { hashString, simRandom, type SimRandom } from "./random.ts";

/** Out of Bluetooth range below this (the IQ is not heard and cannot be connected). */
const RANGE_DBM = -100;
/** Each IQ advertises this often; a scan hears it within one interval. */
const ADVERTISING_INTERVAL_MS = 250;

export interface SimulatedCentralOptions {
  /** The IQs on the air (default: the two-IQ demo fleet). */
  readonly iqs?: readonly SimIqConfig[];
  /** Default: real timers, sped up by `timeScale`. Tests and benches pass a VirtualScheduler. */
  readonly scheduler?: Scheduler;
  /** With the default real scheduler: simulated ms per real ms (a quicker demo). */
  readonly timeScale?: number;
  readonly link?: Partial<SimLinkParams>;
  /** Per-IQ link overrides (e.g. one IQ behind a wall with heavy loss), by serial. */
  readonly linkBySerial?: Readonly<Record<string, Partial<SimLinkParams>>>;
  readonly btp?: Partial<BtpTimings>;
  readonly seed?: number;
  readonly initialState?: BleAdapterState;
}

export class SimulatedCentral implements BleCentral {
  readonly kind = "simulated" as const;
  readonly scheduler: Scheduler;
  private adapterState: BleAdapterState;
  private readonly stateListeners = new Set<(s: BleAdapterState) => void>();
  private readonly iqs = new Map<string, SimIq>();
  private readonly links = new Map<string, { readonly link: SimLink; readonly connection: IqConnection }>();
  private readonly random: SimRandom;
  linkParams: SimLinkParams;

  constructor(private readonly options: SimulatedCentralOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler({ timeScale: options.timeScale ?? 1 });
    this.adapterState = options.initialState ?? "powered-on";
    this.random = simRandom(options.seed ?? 0x51a7);
    this.linkParams = { ...DEFAULT_SIM_LINK, ...options.link };
    for (const c of options.iqs ?? demoFleet()) this.iqs.set(c.serial, new SimIq(c, this.scheduler));
  }

  state(): BleAdapterState {
    return this.adapterState;
  }

  onStateChange(listener: (state: BleAdapterState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Simulates the laptop's radio changing state; leaving powered-on drops every link. */
  setAdapterState(state: BleAdapterState): void {
    if (state === this.adapterState) return;
    this.adapterState = state;
    if (state !== "powered-on") for (const { link } of this.links.values()) link.breakLink("Bluetooth adapter turned off");
    for (const l of [...this.stateListeners]) l(state);
  }

  /** A simulated IQ, for faults and inspection. */
  iq(serial: string): SimIq {
    const iq = this.iqs.get(serial);
    if (!iq) throw new BleLinkError("ble.not_found", `no simulated IQ ${serial}`);
    return iq;
  }

  serials(): readonly string[] {
    return [...this.iqs.keys()];
  }

  /** The open link to an IQ, if connected (its air statistics, faults). */
  linkTo(serial: string): SimLink | null {
    const l = this.links.get(serial);
    return l && l.link.isUp ? l.link : null;
  }

  /** Reboot fault: the IQ resets without warning; the central notices at the supervision timeout. */
  rebootIq(serial: string, downMs?: number): void {
    this.linkTo(serial)?.breakLink("supervision timeout (IQ rebooted)");
    this.iq(serial).reboot(downMs);
  }

  private requirePoweredOn(): void {
    const s = this.adapterState;
    if (s === "powered-on") return;
    const why: Record<Exclude<BleAdapterState, "powered-on">, string> = {
      unavailable: "No Bluetooth adapter is available",
      unauthorized: "Lintel is not allowed to use Bluetooth",
      "powered-off": "Bluetooth is turned off",
      resetting: "The Bluetooth adapter is restarting",
    };
    throw new BleLinkError("ble.unavailable", why[s], { state: s });
  }

  private hearable(iq: SimIq): boolean {
    return iq.isOn && iq.rssi >= RANGE_DBM && !this.linkTo(iq.serial);
  }

  async scan(options: ScanOptions): Promise<readonly DiscoveredIq[]> {
    this.requirePoweredOn();
    const found = new Map<string, DiscoveredIq>();
    const timers = [...this.iqs.values()].map((iq) => {
      const first = hashString(iq.serial) % ADVERTISING_INTERVAL_MS;
      const hear = () => {
        if (this.adapterState !== "powered-on" || !this.hearable(iq)) return;
        const rssi = Math.max(-127, Math.min(0, Math.round(iq.rssi + (this.random.next() * 4 - 2))));
        const d: DiscoveredIq = { peripheralId: iq.serial, localName: localNameOf(iq.serial), serial: iq.serial, rssi };
        const known = found.get(iq.serial);
        found.set(iq.serial, d);
        if (!known || known.rssi !== d.rssi) options.onFound?.(d);
      };
      // First sighting within one advertising interval, then about once a second.
      const handles = [this.scheduler.setTimer(first, hear)];
      for (let t = first + 1000; t < options.durationMs; t += 1000) handles.push(this.scheduler.setTimer(t, hear));
      return handles;
    });
    try {
      await this.scheduler.sleep(options.durationMs, options.signal);
    } catch {
      throw new BleLinkError("ble.aborted", "scan cancelled");
    } finally {
      for (const t of timers.flat()) this.scheduler.cancel(t);
    }
    this.requirePoweredOn();
    return [...found.values()].sort((a, b) => b.rssi - a.rssi);
  }

  async connect(peripheralId: string, options: ConnectOptions): Promise<SimGattLink> {
    this.requirePoweredOn();
    const iq = this.iqs.get(peripheralId);
    if (!iq) throw new BleLinkError("ble.not_found", `no IQ ${peripheralId} was heard`);
    const p = { ...this.linkParams, ...this.options.linkBySerial?.[peripheralId] };
    // Connecting: wait for the next advertisement, then a few connection events for the MTU exchange.
    const setupMs = ADVERTISING_INTERVAL_MS / 2 + 3 * p.connectionIntervalMs;
    const readyAt = iq.onAgainAt + setupMs;
    const deadline = this.scheduler.now() + options.timeoutMs;
    const refuse = iq.faults.refuseConnections > 0;
    if (refuse) iq.faults.refuseConnections--;
    const fails = refuse || readyAt > deadline || iq.rssi < RANGE_DBM || this.linkTo(peripheralId) !== null;
    try {
      await this.scheduler.sleep(fails ? options.timeoutMs : readyAt - this.scheduler.now(), options.signal);
    } catch {
      throw new BleLinkError("ble.aborted", "connecting was cancelled");
    }
    this.requirePoweredOn();
    if (fails || !iq.isOn || this.linkTo(peripheralId) !== null) {
      throw new BleLinkError("ble.timeout", `IQ ${peripheralId} did not answer the connection within ${options.timeoutMs} ms`);
    }
    const link = new SimLink(this.scheduler, p, iq.attMtu, simRandom(this.random.next() * 2 ** 32));
    link.dropAfterBytesToIq = iq.faults.dropLinkAfterBytes;
    iq.faults.dropLinkAfterBytes = null;
    const connection = new IqConnection(iq, link.peripheral, {
      scheduler: this.scheduler,
      random: simRandom(this.random.next() * 2 ** 32).bytes,
      ...(this.options.btp ? { btp: this.options.btp } : {}),
    });
    this.links.set(peripheralId, { link, connection });
    return link.central;
  }
}

/** The simulated central the app and the flow use (default: the demo fleet on real time). */
export function createSimulatedCentral(options: SimulatedCentralOptions = {}): SimulatedCentral {
  return new SimulatedCentral(options);
}
