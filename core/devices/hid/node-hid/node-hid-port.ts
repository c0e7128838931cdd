import type { Clock } from "../../../ports/clock.ts";
import type { Scheduler, TimerHandle } from "../../../ports/scheduler.ts";
import { recogniseReader, type HidDeviceEntry, type KnownReader, type Recognised } from "../known-readers.ts";
import type { PortEvent, PortListener, PortState, ReaderInfo, TagReaderPort } from "../port.ts";

/**
 * Real USB tag readers through node-hid (READERS.md §4.2). node-hid is loaded only
 * when the port starts, and its native part only when it first lists devices: a
 * missing build or libusb makes the port `unavailable` with the reason, never a
 * crash. node-hid has no hot-plug events, so the bus is listed again every
 * `pollIntervalMs` on the injected scheduler. A keyboard-wedge reader the OS will
 * not let us open (Windows and macOS claim keyboards) is listed as a `keystrokes`
 * reader: the window captures its typing instead.
 */

/** A node-hid device entry (node-hid's `Device`), as far as Lintel reads it. */
export interface NodeHidDeviceEntry extends HidDeviceEntry {
  readonly path?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly interface?: number | undefined;
}

/** An open device (node-hid's `HIDAsync`): "data" events carry one input report each. */
export interface NodeHidHandle {
  on(event: "data", listener: (data: Uint8Array) => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  close(): Promise<void>;
}

/** The part of the node-hid module the adapter uses; tests inject a fake one. */
export interface NodeHidModule {
  devicesAsync(): Promise<readonly NodeHidDeviceEntry[]>;
  readonly HIDAsync: { open(path: string): Promise<NodeHidHandle> };
}

export type NodeHidLoader = () => Promise<NodeHidModule>;

/** Loads node-hid (a CommonJS module with a native part) on first use. */
export const loadNodeHid: NodeHidLoader = async () => {
  const mod = (await import("node-hid")) as unknown as NodeHidModule & { readonly default?: NodeHidModule };
  return mod.default ?? mod;
};

export const DEFAULT_POLL_INTERVAL_MS = 1000;

export interface NodeHidPortOptions {
  readonly clock: Clock;
  readonly scheduler: Pick<Scheduler, "setTimer" | "cancel">;
  readonly pollIntervalMs?: number;
  readonly load?: NodeHidLoader;
  /** Readers of a site that the built-in list does not know. */
  readonly knownReaders?: readonly KnownReader[];
  /** For the words of the keystrokes note; `process.platform` by default. */
  readonly platform?: string;
}

interface Attached {
  readonly info: ReaderInfo;
  readonly handle: NodeHidHandle | null;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const hex4 = (n: number) => (n & 0xffff).toString(16).padStart(4, "0");

/** Why a wedge reader is read through the window, in the words of the platform's reason. */
export function keystrokesNote(platform: string, error: string): string {
  const why =
    platform === "win32"
      ? "Windows keeps keyboards to itself"
      : platform === "darwin"
        ? "macOS lets an app open a keyboard only with Input Monitoring permission"
        : "this user may not open /dev/hidraw (a udev rule grants it; see READERS.md)";
  return `${why}: Lintel reads this reader's typing in its window instead, so keep Lintel's window in front while presenting tags. (${error})`;
}

export class NodeHidPort implements TagReaderPort {
  readonly source = "usb" as const;
  private readonly listeners = new Set<PortListener>();
  /** Attached readers by node-hid path. */
  private readonly attached = new Map<string, Attached>();
  private current: PortState = { status: "stopped", reason: null };
  private mod: NodeHidModule | null = null;
  private timer: TimerHandle | null = null;
  /** Bumped by start and stop: work begun under an older generation stops at its next await. */
  private generation = 0;
  private polling: Promise<void> | null = null;
  private starting: Promise<void> | null = null;
  private readonly pollMs: number;

  constructor(private readonly options: NodeHidPortOptions) {
    this.pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(this.pollMs >= 50 && this.pollMs <= 60_000)) throw new RangeError(`pollIntervalMs ${this.pollMs}: 50..60000`);
  }

  state(): PortState {
    return this.current;
  }

  readers(): readonly ReaderInfo[] {
    return [...this.attached.values()].map((a) => a.info);
  }

  subscribe(listener: PortListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    if (this.starting) return this.starting;
    const gen = ++this.generation;
    this.setState({ status: "starting", reason: null });
    this.starting = (async () => {
      if (!this.mod) {
        try {
          this.mod = await (this.options.load ?? loadNodeHid)();
        } catch (e) {
          if (gen === this.generation) this.setState({ status: "unavailable", reason: `node-hid could not be loaded: ${messageOf(e)}` });
          return;
        }
      }
      if (gen !== this.generation) return;
      await this.poll(gen);
      if (gen === this.generation) this.schedule(gen);
    })();
    return this.starting;
  }

  async stop(): Promise<void> {
    this.generation++;
    this.starting = null;
    if (this.timer) this.options.scheduler.cancel(this.timer);
    this.timer = null;
    await this.polling?.catch(() => undefined);
    const paths = [...this.attached.keys()];
    await Promise.all(paths.map((p) => this.detach(p, "Lintel stopped watching USB readers")));
    this.setState({ status: "stopped", reason: null });
  }

  /** Lists the bus now (tests and a "look again" button); the timer keeps doing it anyway. */
  async refresh(): Promise<void> {
    await this.poll(this.generation);
  }

  private schedule(gen: number): void {
    this.timer = this.options.scheduler.setTimer(this.pollMs, () => {
      this.timer = null;
      if (gen !== this.generation) return;
      void this.poll(gen).then(() => {
        if (gen === this.generation) this.schedule(gen);
      });
    });
  }

  private poll(gen: number): Promise<void> {
    // One listing at a time: a slow bus must not pile listings up.
    this.polling ??= this.pollOnce(gen).finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async pollOnce(gen: number): Promise<void> {
    const mod = this.mod;
    if (!mod || gen !== this.generation) return;
    let list: readonly NodeHidDeviceEntry[];
    try {
      list = await mod.devicesAsync();
    } catch (e) {
      // node-hid loads its native part here: a missing build or libusb shows up now.
      if (gen === this.generation) this.setState({ status: "unavailable", reason: `USB devices could not be listed: ${messageOf(e)}` });
      return;
    }
    if (gen !== this.generation) return;
    this.setState({ status: "available", reason: null });
    const present = new Map<string, { readonly entry: NodeHidDeviceEntry; readonly kind: Recognised }>();
    for (const entry of Array.isArray(list) ? list : []) {
      if (typeof entry?.path !== "string" || entry.path.length === 0) continue;
      const kind = recogniseReader(entry, this.options.knownReaders);
      if (kind) present.set(entry.path, { entry, kind });
    }
    for (const path of [...this.attached.keys()]) if (!present.has(path)) await this.detach(path, "unplugged");
    for (const [path, { entry, kind }] of present) {
      if (gen !== this.generation) return;
      if (!this.attached.has(path)) await this.attach(gen, path, entry, kind);
    }
  }

  private async attach(gen: number, path: string, entry: NodeHidDeviceEntry, rec: Recognised): Promise<void> {
    const mod = this.mod;
    if (!mod) return;
    const base: Omit<ReaderInfo, "kind" | "note"> = {
      readerId: this.idFor(entry),
      vendorId: entry.vendorId,
      productId: entry.productId,
      productName: rec.name,
      source: "usb",
    };
    let handle: NodeHidHandle | null = null;
    let info: ReaderInfo;
    try {
      handle = await mod.HIDAsync.open(path);
      info = { ...base, kind: rec.kind, note: null };
    } catch (e) {
      const why = messageOf(e);
      info =
        rec.kind === "wedge"
          ? { ...base, kind: "keystrokes", note: keystrokesNote(this.options.platform ?? process.platform, why) }
          : { ...base, kind: "vendor", note: `This reader could not be opened, so its tags cannot be read: ${why}` };
    }
    if (gen !== this.generation || this.attached.has(path)) {
      await handle?.close().catch(() => undefined);
      return;
    }
    this.attached.set(path, { info, handle });
    if (handle) {
      const readerId = info.readerId;
      handle.on("data", (data: Uint8Array) => {
        // Stamped on arrival: the codecs' timing is about when reports come, not when they are handled.
        this.send({ type: "report", readerId, report: Uint8Array.from(data), atMs: this.options.clock.now() });
      });
      // A read error is almost always the reader being pulled out; the next listing says whether it is back.
      handle.on("error", (e: unknown) => void this.detach(path, `reading failed: ${messageOf(e)}`));
    }
    this.send({ type: "arrived", reader: info });
  }

  private async detach(path: string, reason: string): Promise<void> {
    const a = this.attached.get(path);
    if (!a) return;
    this.attached.delete(path);
    this.send({ type: "left", readerId: a.info.readerId, reason });
    await a.handle?.close().catch(() => undefined);
  }

  /**
   * `usb:VVVV:PPPP[:serial]`: the same reader gets the same id on any port and after
   * re-plugging (so a site can remember it); identical readers without serials get
   * `#2`, `#3`… in the order they arrive.
   */
  private idFor(entry: NodeHidDeviceEntry): string {
    const serial = (entry.serialNumber ?? "").replace(/[^\w.-]/g, "").slice(0, 64);
    const base = `usb:${hex4(entry.vendorId)}:${hex4(entry.productId)}${serial ? `:${serial}` : ""}`;
    const taken = new Set([...this.attached.values()].map((a) => a.info.readerId));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}#${n}`)) return `${base}#${n}`;
  }

  private setState(next: PortState): void {
    if (next.status === this.current.status && next.reason === this.current.reason) return;
    this.current = next;
    this.send({ type: "state", state: next });
  }

  private send(e: PortEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // The service never throws; a faulty listener must not break the read loop.
      }
    }
  }
}
