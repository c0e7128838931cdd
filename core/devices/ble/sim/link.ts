/**
 * A simulated BLE connection on the scheduler's time: frames travel only at
 * connection events (every `connectionIntervalMs`, up to `framesPerEvent` each way),
 * may be lost (seeded), and every byte on air is counted — the GATT payload and the
 * fixed per-PDU overhead below it — so the bench can report honest efficiency.
 */
import type { Scheduler, TimerHandle } from "../../../ports/scheduler.ts";
import { BleLinkError } from "../errors.ts";
import type { GattLink } from "../port.ts";
import type { SimRandom } from "./random.ts";

export interface SimLinkParams {
  readonly connectionIntervalMs: number;
  /** PDUs each way per connection event (what the radio and both stacks manage). */
  readonly framesPerEvent: number;
  /** The ATT MTU the central asks for; the link uses the smaller of it and the IQ's. */
  readonly attMtu: number;
  /** Probability that a frame is lost on air, 0..1 (seeded). */
  readonly lossRate: number;
  /** How long a side takes to notice that the other is gone (radio silence). */
  readonly supervisionTimeoutMs: number;
}

export const DEFAULT_SIM_LINK: SimLinkParams = {
  connectionIntervalMs: 30,
  framesPerEvent: 6,
  attMtu: 247,
  lossRate: 0,
  supervisionTimeoutMs: 2000,
};

/**
 * Bytes on air per PDU besides the GATT value: preamble 1, access address 4, LL header
 * 2, CRC 3, L2CAP header 4, ATT opcode and handle 3. (No LL encryption: the session
 * seals the payload; empty polling PDUs are not counted.)
 */
export const PDU_OVERHEAD = 17;

export interface AirStats {
  framesToIq: number;
  framesToCentral: number;
  /** GATT values (BTP frames) only, both ways. */
  gattBytes: number;
  gattBytesToIq: number;
  /** GATT values plus PDU_OVERHEAD per frame, lost frames included. */
  airBytes: number;
  lostFrames: number;
}

/** The IQ's end of the connection, as its firmware would see it. */
export interface PeripheralPort {
  readonly mtu: number;
  notify(frame: Uint8Array): void;
  onWrite(listener: (frame: Uint8Array) => void): void;
  onDisconnect(listener: (reason: string) => void): void;
  /** The IQ ends the connection (LL terminate: the central learns at the next event). */
  disconnect(reason: string): void;
}

/** The central's end: a GattLink that also carries the scheduler (client.ts picks it up). */
export interface SimGattLink extends GattLink {
  readonly scheduler: Scheduler;
  readonly stats: Readonly<AirStats>;
}

type Side = "central" | "peripheral";

export class SimLink {
  readonly mtu: number;
  readonly stats: AirStats = { framesToIq: 0, framesToCentral: 0, gattBytes: 0, gattBytesToIq: 0, airBytes: 0, lostFrames: 0 };
  readonly central: SimGattLink;
  readonly peripheral: PeripheralPort;
  private readonly anchor: number;
  private readonly toIq: Uint8Array[] = [];
  private readonly toCentral: Uint8Array[] = [];
  private event: TimerHandle | null = null;
  private state: "up" | "dying" | "down" = "up";
  private readonly listeners = { notify: new Set<(f: Uint8Array) => void>(), write: new Set<(f: Uint8Array) => void>() };
  private readonly downListeners: Record<Side, Set<(reason: string) => void>> = { central: new Set(), peripheral: new Set() };
  /** Drop the link once this many GATT bytes went to the IQ (a fault: "walked out of range"). */
  dropAfterBytesToIq: number | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly params: SimLinkParams,
    iqMtu: number,
    private readonly random: SimRandom,
  ) {
    this.mtu = Math.max(23, Math.min(params.attMtu, iqMtu));
    this.anchor = scheduler.now();
    this.central = {
      mtu: this.mtu,
      scheduler,
      stats: this.stats,
      write: (frame) => {
        if (this.state === "down") return Promise.reject(new BleLinkError("ble.disconnected", "the Bluetooth link is down"));
        this.enqueue("central", frame);
        return Promise.resolve();
      },
      onNotify: (listener) => {
        this.listeners.notify.add(listener);
        return () => this.listeners.notify.delete(listener);
      },
      onDisconnect: (listener) => {
        this.downListeners.central.add(listener);
        return () => this.downListeners.central.delete(listener);
      },
      disconnect: () => {
        this.terminate("central", "disconnected by Lintel");
        return Promise.resolve();
      },
    };
    this.peripheral = {
      mtu: this.mtu,
      notify: (frame) => {
        if (this.state !== "down") this.enqueue("peripheral", frame);
      },
      onWrite: (listener) => void this.listeners.write.add(listener),
      onDisconnect: (listener) => void this.downListeners.peripheral.add(listener),
      disconnect: (reason) => this.terminate("peripheral", reason),
    };
  }

  get isUp(): boolean {
    return this.state === "up";
  }

  /**
   * The radio link breaks (out of range, IQ power loss): frames stop at once and each
   * side notices after the supervision timeout.
   */
  breakLink(reason = "supervision timeout"): void {
    if (this.state !== "up") return;
    this.state = "dying";
    this.toIq.length = 0;
    this.toCentral.length = 0;
    if (this.event) this.scheduler.cancel(this.event);
    this.event = null;
    this.scheduler.setTimer(this.params.supervisionTimeoutMs, () => this.down(reason, reason));
  }

  /** A side ends the connection on purpose: the other learns at the next connection event. */
  private terminate(by: Side, reason: string): void {
    if (this.state === "down") return;
    if (this.state === "dying") {
      // Nothing reaches the other side any more: it learns at the supervision timeout.
      if (by === "central") this.fire("central", "local");
      return;
    }
    this.state = "down";
    this.toIq.length = 0;
    this.toCentral.length = 0;
    if (this.event) this.scheduler.cancel(this.event);
    this.event = null;
    this.scheduler.setTimer(by === "central" ? 0 : this.params.connectionIntervalMs, () => {
      this.fire(by === "central" ? "central" : "peripheral", by === "central" ? "local" : reason);
      this.fire(by === "central" ? "peripheral" : "central", by === "central" ? "disconnected by the central" : reason);
    });
  }

  private down(centralReason: string, peripheralReason: string): void {
    this.state = "down";
    this.fire("central", centralReason);
    this.fire("peripheral", peripheralReason);
  }

  private fire(side: Side, reason: string): void {
    const ls = [...this.downListeners[side]];
    this.downListeners[side].clear();
    for (const l of ls) l(reason);
  }

  private enqueue(from: Side, frame: Uint8Array): void {
    if (this.state !== "up") return; // a dying link swallows frames
    if (frame.length > this.mtu - 3) throw new BleLinkError("ble.protocol", `a ${frame.length}-byte value does not fit ATT MTU ${this.mtu}`);
    (from === "central" ? this.toIq : this.toCentral).push(frame.slice());
    this.scheduleEvent();
  }

  private scheduleEvent(): void {
    if (this.event !== null || this.state !== "up") return;
    const ci = this.params.connectionIntervalMs;
    const now = this.scheduler.now();
    const k = Math.floor((now - this.anchor) / ci) + 1;
    this.event = this.scheduler.setTimer(this.anchor + k * ci - now, () => {
      this.event = null;
      this.connectionEvent();
    });
  }

  /** One connection event: the central's frames first, then the IQ's queued before it began. */
  private connectionEvent(): void {
    const n = this.params.framesPerEvent;
    const up = this.toIq.splice(0, n);
    const downAtStart = this.toCentral.splice(0, n);
    for (const f of up) {
      if (this.state !== "up") return;
      const arrived = this.onAir(f, "central");
      if (this.dropAfterBytesToIq !== null && this.stats.gattBytesToIq >= this.dropAfterBytesToIq) {
        this.breakLink("supervision timeout (out of range)");
        return;
      }
      if (arrived) for (const l of [...this.listeners.write]) l(f);
    }
    for (const f of downAtStart) {
      if (this.state !== "up") return;
      if (this.onAir(f, "peripheral")) for (const l of [...this.listeners.notify]) l(f);
    }
    if (this.toIq.length > 0 || this.toCentral.length > 0) this.scheduleEvent();
  }

  /** Counts a frame on air; false when it is lost. */
  private onAir(f: Uint8Array, from: Side): boolean {
    if (from === "central") {
      this.stats.framesToIq++;
      this.stats.gattBytesToIq += f.length;
    } else this.stats.framesToCentral++;
    this.stats.gattBytes += f.length;
    this.stats.airBytes += f.length + PDU_OVERHEAD;
    if (this.params.lossRate > 0 && this.random.next() < this.params.lossRate) {
      this.stats.lostFrames++;
      return false;
    }
    return true;
  }
}
