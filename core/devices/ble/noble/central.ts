/**
 * BleCentral on real Bluetooth through @abandonware/noble. noble is required lazily,
 * on first use, through an injectable loader: on a machine without an adapter the
 * require itself throws (EAFNOSUPPORT on Linux), which becomes the state
 * "unavailable" — the app keeps running and the installer reads why.
 */
import { createRequire } from "node:module";
import { realScheduler, type Scheduler, type TimerHandle } from "../../../ports/scheduler.ts";
import { BleLinkError } from "../errors.ts";
import { IQ_RX_UUID, IQ_SERVICE_UUID, IQ_TX_UUID, compactUuid, serialFromLocalName } from "../gatt.ts";
import type { BleAdapterState, BleCentral, ConnectOptions, DiscoveredIq, GattLink, ScanOptions } from "../port.ts";

/* ---------- the part of noble's API this adapter uses (structural, so a fake can stand in) ---------- */

export interface NobleCharacteristicLike {
  readonly uuid: string;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: "data", listener: (data: Buffer, isNotification: boolean) => void): unknown;
  removeListener(event: "data", listener: (data: Buffer, isNotification: boolean) => void): unknown;
}

export interface NoblePeripheralLike {
  readonly id: string;
  readonly rssi: number;
  readonly mtu: number | null;
  readonly advertisement: { readonly localName?: string; readonly serviceUuids?: readonly string[] };
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  cancelConnect(): void;
  discoverSomeServicesAndCharacteristicsAsync(
    serviceUuids: string[],
    characteristicUuids: string[],
  ): Promise<{ readonly characteristics: readonly NobleCharacteristicLike[] }>;
  once(event: "disconnect", listener: (reason?: unknown) => void): unknown;
  removeListener(event: "disconnect", listener: (reason?: unknown) => void): unknown;
}

export interface NobleLike {
  readonly state: string;
  on(event: "stateChange", listener: (state: string) => void): unknown;
  on(event: "discover", listener: (peripheral: NoblePeripheralLike) => void): unknown;
  removeListener(event: "stateChange", listener: (state: string) => void): unknown;
  removeListener(event: "discover", listener: (peripheral: NoblePeripheralLike) => void): unknown;
  startScanningAsync(serviceUuids: string[], allowDuplicates: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

/** Returns the noble module; throws when the platform has no usable adapter. */
export type NobleLoader = () => NobleLike;

/** The real module; requiring it opens the HCI socket on Linux, hence only on first use. */
export const loadRealNoble: NobleLoader = () => createRequire(import.meta.url)("@abandonware/noble") as NobleLike;

/** noble's adapter states → the port's, in the installer's terms. */
export function mapNobleState(state: string): BleAdapterState {
  switch (state) {
    case "poweredOn":
      return "powered-on";
    case "poweredOff":
      return "powered-off";
    case "unauthorized":
      return "unauthorized";
    case "resetting":
    case "unknown": // noble's state before the adapter first reports: it is coming up
      return "resetting";
    default: // "unsupported" and anything newer
      return "unavailable";
  }
}

export interface NobleCentralOptions {
  readonly load?: NobleLoader;
  readonly scheduler?: Scheduler;
  /** Connection attempts per connect() (each gets `timeoutMs`), with doubling back-off between. */
  readonly connectAttempts?: number;
  readonly backoffMs?: number;
  /** How long scan/connect wait for an adapter that is still coming up ("resetting"). */
  readonly stateWaitMs?: number;
}

const STATE_WORDS: Record<BleAdapterState, string> = {
  unavailable: "No usable Bluetooth adapter",
  unauthorized: "Lintel is not allowed to use Bluetooth (check the system's privacy settings)",
  "powered-off": "Bluetooth is turned off",
  resetting: "The Bluetooth adapter is not ready",
  "powered-on": "Bluetooth is on",
};

export class NobleCentral implements BleCentral {
  readonly kind = "noble" as const;
  private noble: NobleLike | null | undefined = undefined;
  private loadError: string | null = null;
  private readonly scheduler: Scheduler;
  private readonly listeners = new Set<(s: BleAdapterState) => void>();
  private readonly seen = new Map<string, NoblePeripheralLike>();
  private last: BleAdapterState = "unavailable";

  constructor(private readonly options: NobleCentralOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler();
  }

  /** Why the adapter is unavailable (the loader's error), for the installer and the logs. */
  unavailableReason(): string | null {
    this.load();
    return this.loadError;
  }

  private load(): NobleLike | null {
    if (this.noble !== undefined) return this.noble;
    try {
      const n = (this.options.load ?? loadRealNoble)();
      this.noble = n;
      n.on("stateChange", (s: string) => {
        const mapped = mapNobleState(s);
        this.last = mapped;
        for (const l of [...this.listeners]) l(mapped);
      });
      this.last = mapNobleState(n.state);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      this.loadError = `${typeof code === "string" ? `${code}: ` : ""}${e instanceof Error ? e.message : String(e)}`;
      this.noble = null;
      this.last = "unavailable";
    }
    return this.noble;
  }

  state(): BleAdapterState {
    const n = this.load();
    if (n) this.last = mapNobleState(n.state);
    return this.last;
  }

  onStateChange(listener: (state: BleAdapterState) => void): () => void {
    this.load();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits (briefly) for an adapter that is coming up, then insists on powered-on. */
  private async ready(signal?: AbortSignal): Promise<NobleLike> {
    const n = this.load();
    if (!n) throw new BleLinkError("ble.unavailable", `${STATE_WORDS.unavailable}: ${this.loadError ?? "noble did not load"}`, { state: "unavailable" });
    if (this.state() === "resetting") {
      await this.waitWhileResetting(signal);
      if (signal?.aborted) throw new BleLinkError("ble.aborted", "cancelled");
    }
    const s = this.state();
    if (s !== "powered-on") throw new BleLinkError("ble.unavailable", STATE_WORDS[s], { state: s });
    return n;
  }

  private waitWhileResetting(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | null = null;
      const done = () => {
        stop();
        if (timer) this.scheduler.cancel(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const stop = this.onStateChange((st) => {
        if (st !== "resetting") done();
      });
      timer = this.scheduler.setTimer(this.options.stateWaitMs ?? 3000, done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async scan(options: ScanOptions): Promise<readonly DiscoveredIq[]> {
    const n = await this.ready(options.signal);
    const found = new Map<string, DiscoveredIq>();
    const service = compactUuid(IQ_SERVICE_UUID);
    const onDiscover = (p: NoblePeripheralLike) => {
      const uuids = (p.advertisement.serviceUuids ?? []).map(compactUuid);
      if (uuids.length > 0 && !uuids.includes(service)) return;
      const localName = p.advertisement.localName ?? "";
      const d: DiscoveredIq = { peripheralId: p.id, localName, serial: serialFromLocalName(localName), rssi: p.rssi };
      const before = found.get(p.id);
      this.seen.set(p.id, p);
      found.set(p.id, d);
      if (!before || before.rssi !== d.rssi || before.localName !== d.localName) options.onFound?.(d);
    };
    n.on("discover", onDiscover);
    try {
      await n.startScanningAsync([service], true);
      await this.scheduler.sleep(options.durationMs, options.signal).catch(() => {
        throw new BleLinkError("ble.aborted", "scan cancelled");
      });
    } catch (e) {
      if (e instanceof BleLinkError) throw e;
      throw new BleLinkError("ble.unavailable", `scanning failed: ${e instanceof Error ? e.message : String(e)}`, { state: this.state() });
    } finally {
      n.removeListener("discover", onDiscover);
      await n.stopScanningAsync().catch(() => undefined);
    }
    return [...found.values()].sort((a, b) => b.rssi - a.rssi);
  }

  async connect(peripheralId: string, options: ConnectOptions): Promise<GattLink> {
    await this.ready(options.signal);
    const p = this.seen.get(peripheralId);
    if (!p) throw new BleLinkError("ble.not_found", `IQ ${peripheralId} was not heard in a scan`);
    const attempts = Math.max(1, this.options.connectAttempts ?? 3);
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (options.signal?.aborted) throw new BleLinkError("ble.aborted", "connecting was cancelled");
      try {
        return await this.connectOnce(p, options);
      } catch (e) {
        lastError = e;
        if (e instanceof BleLinkError && (e.code === "ble.aborted" || e.code === "ble.unavailable")) throw e;
      }
      if (attempt < attempts) {
        try {
          await this.scheduler.sleep((this.options.backoffMs ?? 500) * 2 ** (attempt - 1), options.signal);
        } catch {
          throw new BleLinkError("ble.aborted", "connecting was cancelled");
        }
      }
    }
    if (lastError instanceof BleLinkError) throw lastError;
    throw new BleLinkError("ble.timeout", `could not connect to IQ ${peripheralId}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  /** One attempt: connect, find the service, subscribe to TX — all within `timeoutMs`. */
  private async connectOnce(p: NoblePeripheralLike, options: ConnectOptions): Promise<GattLink> {
    let timer: TimerHandle | null = null;
    let onAbort: (() => void) | null = null;
    const guard = new Promise<never>((_, reject) => {
      timer = this.scheduler.setTimer(options.timeoutMs, () => {
        timer = null;
        reject(new BleLinkError("ble.timeout", `IQ ${p.id} did not answer the connection within ${options.timeoutMs} ms`));
      });
      onAbort = () => reject(new BleLinkError("ble.aborted", "connecting was cancelled"));
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    guard.catch(() => undefined); // only ever raced; never left unhandled
    const work = (async () => {
      await p.connectAsync();
      const { characteristics } = await p.discoverSomeServicesAndCharacteristicsAsync([compactUuid(IQ_SERVICE_UUID)], [compactUuid(IQ_RX_UUID), compactUuid(IQ_TX_UUID)]);
      const rx = characteristics.find((c) => compactUuid(c.uuid) === compactUuid(IQ_RX_UUID));
      const tx = characteristics.find((c) => compactUuid(c.uuid) === compactUuid(IQ_TX_UUID));
      if (!rx || !tx) throw new BleLinkError("ble.protocol", "the device does not offer the IQ commissioning service's RX and TX");
      await tx.subscribeAsync();
      return new NobleGattLink(p, rx, tx);
    })();
    try {
      return await Promise.race([work, guard]);
    } catch (e) {
      // Leave nothing half-open: a connect still under way is cancelled, a late success torn down.
      p.cancelConnect();
      void work.then((l) => l.disconnect()).catch(() => undefined);
      void p.disconnectAsync().catch(() => undefined);
      if (e instanceof BleLinkError) throw e;
      throw new BleLinkError("ble.timeout", `connecting to IQ ${p.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (timer) this.scheduler.cancel(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** A connected IQ: RX written without response, TX notifications, disconnect events. */
class NobleGattLink implements GattLink {
  readonly mtu: number;
  private down: string | null = null;
  private readonly downListeners = new Set<(reason: string) => void>();

  constructor(
    private readonly p: NoblePeripheralLike,
    private readonly rx: NobleCharacteristicLike,
    private readonly tx: NobleCharacteristicLike,
  ) {
    this.mtu = p.mtu ?? 23;
    const onDown = (reason?: unknown) => {
      this.down = reason === undefined || reason === null ? "disconnected" : String(reason);
      for (const l of [...this.downListeners]) l(this.down);
      this.downListeners.clear();
    };
    p.once("disconnect", onDown);
  }

  async write(frame: Uint8Array): Promise<void> {
    if (this.down !== null) throw new BleLinkError("ble.disconnected", `the IQ disconnected (${this.down})`);
    try {
      await this.rx.writeAsync(Buffer.from(frame), true);
    } catch (e) {
      throw new BleLinkError("ble.disconnected", `writing to the IQ failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  onNotify(listener: (frame: Uint8Array) => void): () => void {
    const l = (data: Buffer) => listener(new Uint8Array(data));
    this.tx.on("data", l);
    return () => this.tx.removeListener("data", l);
  }

  onDisconnect(listener: (reason: string) => void): () => void {
    if (this.down !== null) {
      const reason = this.down;
      queueMicrotask(() => listener(reason));
      return () => undefined;
    }
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  async disconnect(): Promise<void> {
    if (this.down !== null) return;
    await this.p.disconnectAsync().catch(() => undefined);
  }
}

/** The real-Bluetooth central (noble is loaded on first use, never at import). */
export function createNobleCentral(options: NobleCentralOptions = {}): NobleCentral {
  return new NobleCentral(options);
}
