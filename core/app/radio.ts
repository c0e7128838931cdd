import { demoLabels, demoSiteFleet, demoWifi, type DemoLabel } from "../demo/demo-fleet.ts";
import { createNobleCentral } from "../devices/ble/noble/central.ts";
import { createSimulatedCentral, type SimulatedCentral } from "../devices/ble/sim/central.ts";
import type { BleAdapterState, BleCentral, ConnectOptions, DiscoveredIq, GattLink, ScanOptions } from "../devices/ble/port.ts";
import { realScheduler, type Scheduler, type TimerHandle } from "../ports/scheduler.ts";

/** What the Commission screen shows about the simulated IQs: whether they are on, and their labels. */
export interface SimulatorView {
  readonly on: boolean;
  /** The labels on the simulated boxes (serial, activation code, device stickers); empty while off. */
  readonly labels: readonly DemoLabel[];
  /** The demo site's Wi-Fi as its IT would hand it over; empty while off. */
  readonly wifi: readonly { readonly ssid: string; readonly security: "open" | "wpa2-psk" | "wpa3-sae"; readonly passphrase: string }[];
}

/** A radio that can switch between real Bluetooth and the simulated IQs (the commissioning handlers look for it). */
export interface RadioSwitch {
  simulator(): SimulatorView;
  useSimulated(on: boolean): void;
  /** Why real Bluetooth cannot be used (noble's load error), or null. */
  unavailableReason(): string | null;
}

export function isRadioSwitch(c: unknown): c is BleCentral & RadioSwitch {
  return typeof c === "object" && c !== null && typeof (c as Partial<RadioSwitch>).useSimulated === "function" && typeof (c as Partial<RadioSwitch>).simulator === "function";
}

export interface AppRadioOptions {
  /** Real Bluetooth; noble is loaded on first use, never here (requiring it fails where there is no adapter). */
  readonly real?: () => BleCentral & { unavailableReason?(): string | null };
  /** The simulated IQs, made the first time they are switched on (default: the demo fleet). */
  readonly simulated?: () => SimulatedCentral;
  /**
   * Start on the simulated IQs: always (true), never (false), or only when real
   * Bluetooth is unavailable ("when-unavailable": no adapter, no driver), so a laptop
   * with no radio still opens on a demoable setup. Default false.
   */
  readonly startSimulated?: boolean | "when-unavailable";
  /** Simulated ms per real ms for the default simulator (a quicker demo, or an e2e run). */
  readonly simTimeScale?: number;
}

/**
 * The app's one radio, as the shells make it: real Bluetooth through noble, or the
 * simulated IQs, switched at run time from the Commission screen so that anyone can
 * demo commissioning without hardware. It is itself a BleCentral (state, scan and
 * connect go to the active side; a switch is announced as a state change) and offers a
 * scheduler whose waits run on the simulator's time while it is on.
 */
export class AppRadio implements BleCentral, RadioSwitch {
  private real: (BleCentral & { unavailableReason?(): string | null }) | null = null;
  private sim: SimulatedCentral | null = null;
  private on: boolean;
  private readonly listeners = new Set<(s: BleAdapterState) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly realTime = realScheduler();
  private readonly timers = new Map<number, { readonly s: Scheduler; readonly h: TimerHandle }>();
  private nextTimer = 1;

  /** Waits for the commissioning flow: the simulator's time while it is on, real time otherwise. */
  readonly scheduler: Scheduler = {
    now: () => this.time().now(),
    sleep: (ms, signal) => this.time().sleep(ms, signal),
    setTimer: (ms, callback) => {
      const timerId = this.nextTimer++;
      const s = this.time();
      const h = s.setTimer(ms, () => {
        this.timers.delete(timerId);
        callback();
      });
      this.timers.set(timerId, { s, h });
      return { timerId };
    },
    cancel: (t) => {
      const e = this.timers.get(t.timerId);
      if (!e) return;
      this.timers.delete(t.timerId);
      e.s.cancel(e.h);
    },
  };

  constructor(private readonly options: AppRadioOptions = {}) {
    const start = options.startSimulated ?? false;
    // "when-unavailable" asks the real side now: noble is loaded inside its adapter, which
    // reports "unavailable" (never throws) where it cannot load.
    this.on = start === "when-unavailable" ? this.realCentral().state() === "unavailable" : start;
  }

  get kind(): "noble" | "simulated" {
    return this.on ? "simulated" : "noble";
  }

  private time(): Scheduler {
    return this.on ? this.simulatedCentral().scheduler : this.realTime;
  }

  private realCentral(): BleCentral & { unavailableReason?(): string | null } {
    if (!this.real) {
      const real = (this.options.real ?? (() => createNobleCentral()))();
      this.real = real;
      this.unsubscribe.push(real.onStateChange((s) => !this.on && this.emit(s)));
    }
    return this.real;
  }

  private simulatedCentral(): SimulatedCentral {
    if (!this.sim) {
      const sim = (this.options.simulated ?? (() => createSimulatedCentral({ iqs: demoSiteFleet(), timeScale: this.options.simTimeScale ?? 1 })))();
      this.sim = sim;
      this.unsubscribe.push(sim.onStateChange((s) => this.on && this.emit(s)));
    }
    return this.sim;
  }

  private active(): BleCentral {
    return this.on ? this.simulatedCentral() : this.realCentral();
  }

  private emit(state: BleAdapterState): void {
    for (const l of [...this.listeners]) l(state);
  }

  state(): BleAdapterState {
    return this.active().state();
  }

  onStateChange(listener: (state: BleAdapterState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  scan(options: ScanOptions): Promise<readonly DiscoveredIq[]> {
    return this.active().scan(options);
  }

  connect(peripheralId: string, options: ConnectOptions): Promise<GattLink> {
    return this.active().connect(peripheralId, options);
  }

  get simulated(): boolean {
    return this.on;
  }

  /** Switches sides; the caller drops open sessions first (they belong to the other side). */
  useSimulated(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    this.emit(this.state());
  }

  simulator(): SimulatorView {
    return this.on ? { on: true, labels: demoLabels(), wifi: demoWifi() } : { on: false, labels: [], wifi: [] };
  }

  unavailableReason(): string | null {
    const real = this.realCentral();
    return real.state() === "unavailable" ? (real.unavailableReason?.() ?? null) : null;
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.listeners.clear();
  }
}

export function createAppRadio(options: AppRadioOptions = {}): AppRadio {
  return new AppRadio(options);
}

/**
 * The radio for `lintel serve`, `lintel start` and the desktop app. By default the
 * simulated IQs are on when real Bluetooth is unavailable; LINTEL_SIMULATED_IQS=1 starts
 * with them on regardless, LINTEL_SIMULATED_IQS=0 with them off; LINTEL_SIM_TIME_SCALE runs them faster than real time
 * (the e2e tests use it so that a whole site commissions in seconds).
 */
export function radioFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: { readonly startSimulated?: boolean; readonly real?: AppRadioOptions["real"] } = {},
): AppRadio {
  const scale = Number(env["LINTEL_SIM_TIME_SCALE"] ?? "1");
  const flag = (env["LINTEL_SIMULATED_IQS"] ?? "").toLowerCase();
  const fromEnv = ["1", "true", "on", "yes"].includes(flag) ? true : ["0", "false", "off", "no"].includes(flag) ? false : "when-unavailable";
  return createAppRadio({
    ...(overrides.real ? { real: overrides.real } : {}),
    startSimulated: overrides.startSimulated ?? fromEnv,
    simTimeScale: Number.isFinite(scale) && scale > 0 ? scale : 1,
  });
}
