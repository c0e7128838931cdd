import { KsError } from "../../errors/index.ts";
import type { Clock } from "../../ports/clock.ts";
import { WedgeAssembler, type DropReason, type WedgeEvent, type WedgeTiming } from "./boot-keyboard.ts";
import { HidCodecError, type HidCodecCode } from "./errors.ts";
import { keystrokeReports, type Keystroke } from "./keystrokes.ts";
import type { PortEvent, PortState, ReaderInfo, ReaderSource, TagRead, TagReaderPort } from "./port.ts";
import { AS_TYPED, normaliseTagNumber, type ReaderNumbering } from "./tag-number.ts";
import { decodeVendorReport, tagNumberOf } from "./vendor-report.ts";

/**
 * The readers of this process (READERS.md §4): it owns every port, decodes their
 * reports with the codecs (WedgeAssembler for wedge readers, the vendor decoder for
 * dedicated ones), takes keystroke bursts captured in the window, drops the repeats
 * a tag resting on a reader causes, and emits typed events. A report it cannot read
 * is counted under its HidCodecError code; nothing a reader sends can throw out of here.
 */

/**
 * Reader-or-person thresholds used by the service. Wider than the codec's defaults
 * (8/30 ms): the most common cheap readers (Sycreader, 08ff:0009) are low-speed USB
 * devices polled every 8-10 ms, so one character (press + release) takes 16-20 ms,
 * and node-hid stamps reports when JavaScript sees them, not on the wire. A person
 * still cannot keep every gap of a 5+ key burst under 25 ms.
 */
export const SERVICE_WEDGE_TIMING: WedgeTiming = { readerMaxMs: 25, humanMinMs: 50, toleratedSlow: 1, minIntervals: 3 };

/** A tag left on a reader is read again and again (vendor readers resend every ~250 ms): one read per stay. */
export const DEFAULT_DEBOUNCE_MS = 1500;

/** The reader id of keystrokes captured in the window when no listed reader is named. */
export const KEYBOARD_READER_ID = "keyboard";

/**
 * A refusal the service counts: a codec's code; `unexpected` for a report from a
 * reader that has no HID handle (a port's mistake); `internal` for a bug (never
 * expected: the fuzz test checks).
 */
export type RefusalCode = HidCodecCode | "unexpected" | "internal";

class UnexpectedReport extends Error {}

export interface ReaderStats {
  readonly reports: number;
  readonly reads: number;
  /** Reads of a tag seen less than the debounce window before: dropped. */
  readonly repeats: number;
  /** Bursts typed by a person (or too unsure to call): never reads. */
  readonly typed: number;
  readonly dropped: number;
  readonly refused: Readonly<Partial<Record<RefusalCode, number>>>;
}

interface MutableStats {
  reports: number;
  reads: number;
  repeats: number;
  typed: number;
  dropped: number;
  refused: Partial<Record<RefusalCode, number>>;
}

const emptyStats = (): MutableStats => ({ reports: 0, reads: 0, repeats: 0, typed: 0, dropped: 0, refused: {} });

/** How a site uses a reader: which site its reads are for, and how it prints numbers. */
export interface ReaderBinding {
  readonly siteId: string | null;
  readonly numbering: ReaderNumbering;
}

/** A listed reader with its binding and counters. */
export interface ReaderView extends ReaderInfo, ReaderBinding {
  readonly stats: ReaderStats;
}

export type ReaderChange = "arrived" | "left" | "state" | "bound";

export type ReaderServiceEvent =
  | { readonly type: "changed"; readonly change: ReaderChange; readonly readerId: string | null }
  | { readonly type: "read"; readonly read: TagRead }
  | { readonly type: "refused"; readonly readerId: string; readonly code: RefusalCode };

export type ReaderServiceListener = (event: ReaderServiceEvent) => void;

/** What one captured burst turned out to be (returned to the window that sent it). */
export type KeystrokeOutcome =
  | { readonly kind: "read"; readonly tagNumber: string; readonly repeat: boolean }
  | { readonly kind: "typed"; readonly verdict: "human" | "unsure"; readonly text: string }
  | { readonly kind: "dropped"; readonly reason: DropReason; readonly text: string }
  | { readonly kind: "refused"; readonly code: RefusalCode; readonly text: string };

export interface KeystrokeInput {
  readonly readerId?: string | undefined;
  /** The site the window is showing; overrides the reader's binding. */
  readonly siteId?: string | null | undefined;
  readonly keys: readonly Keystroke[];
}

export interface KeystrokeResult {
  readonly readerId: string;
  readonly outcomes: readonly KeystrokeOutcome[];
  /** A burst is still open (no Enter/Tab yet): the window should send the rest. */
  readonly pending: boolean;
}

export interface ReaderServiceOptions {
  readonly ports: readonly TagReaderPort[];
  readonly clock: Clock;
  readonly debounceMs?: number;
  readonly timing?: WedgeTiming;
  /** How readers print numbers unless bound otherwise (READERS.md §3). */
  readonly numbering?: ReaderNumbering;
}

/** One stream of boot reports (a wedge reader, or the window's keystrokes) and its counters. */
interface Channel {
  readonly assembler: WedgeAssembler;
  stats: MutableStats;
}

interface LiveReader {
  readonly info: ReaderInfo;
  readonly channel: Channel;
}

/** Entries kept for debouncing before old ones are swept. */
const DEBOUNCE_SWEEP_AT = 1024;

export class ReaderService {
  private readonly live = new Map<string, LiveReader>();
  private readonly bindings = new Map<string, ReaderBinding>();
  private readonly keyboard: Channel;
  private readonly lastSeen = new Map<string, number>();
  private readonly listeners = new Set<ReaderServiceListener>();
  private readonly debounceMs: number;
  private readonly timing: WedgeTiming;
  private readonly numbering: ReaderNumbering;
  private started: Promise<void> | null = null;
  /** Reports from readers no port listed (a port bug or a race with unplugging): counted, ignored. */
  private strayReports = 0;
  /** Port events that made the service itself fail: a bug, counted so that it shows, never thrown at a port. */
  private failures = 0;

  constructor(private readonly options: ReaderServiceOptions) {
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.timing = options.timing ?? SERVICE_WEDGE_TIMING;
    this.numbering = options.numbering ?? AS_TYPED;
    this.keyboard = this.newChannel();
    for (const port of options.ports) {
      for (const r of port.readers()) this.arrive(r);
      port.subscribe((e) => this.onPortEvent(e));
    }
  }

  get ports(): readonly TagReaderPort[] {
    return this.options.ports;
  }

  /** Starts every port once (later calls return the same promise); never rejects. */
  start(): Promise<void> {
    this.started ??= Promise.all(this.options.ports.map((p) => p.start().catch(() => undefined))).then(() => undefined);
    return this.started;
  }

  async stop(): Promise<void> {
    this.started = null;
    await Promise.all(this.options.ports.map((p) => p.stop().catch(() => undefined)));
  }

  subscribe(listener: ReaderServiceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The state of the port of each source (a source with no port is absent). */
  portStates(): Partial<Record<ReaderSource, PortState>> {
    const out: Partial<Record<ReaderSource, PortState>> = {};
    for (const p of this.options.ports) out[p.source] = p.state();
    return out;
  }

  list(): ReaderView[] {
    return [...this.live.values()].map((r) => ({ ...r.info, ...this.bindingOf(r.info.readerId), stats: snapshot(r.channel.stats) }));
  }

  /** Counters of keystrokes captured in the window without a listed reader. */
  keyboardStats(): ReaderStats {
    return snapshot(this.keyboard.stats);
  }

  /** Reports that named no listed reader. */
  get stray(): number {
    return this.strayReports;
  }

  /** Port events the service failed on (a bug; the fuzz test expects none). */
  get faults(): number {
    return this.failures;
  }

  /** Binds a reader (present or not: bindings outlive unplugging) to a site and a numbering. */
  bind(readerId: string, binding: Partial<ReaderBinding>): ReaderBinding {
    const next = { ...this.bindingOf(readerId), ...binding };
    this.bindings.set(readerId, next);
    this.emit({ type: "changed", change: "bound", readerId });
    return next;
  }

  bindingOf(readerId: string): ReaderBinding {
    return this.bindings.get(readerId) ?? { siteId: null, numbering: this.numbering };
  }

  /**
   * A burst of keydowns captured in the window (the fallback for wedge readers the OS
   * keeps to itself). Only bursts the timing calls a reader's become reads.
   */
  keystrokes(input: KeystrokeInput): KeystrokeResult {
    const readerId = input.readerId ?? KEYBOARD_READER_ID;
    let channel = this.keyboard;
    if (input.readerId !== undefined && input.readerId !== KEYBOARD_READER_ID) {
      const r = this.live.get(input.readerId);
      if (!r) throw badReader(input.readerId, "no reader with this id is plugged in");
      if (r.info.kind !== "keystrokes") throw badReader(input.readerId, `this reader is read through HID (${r.info.kind}), not through keystrokes`);
      channel = r.channel;
    }
    const binding = this.bindingOf(readerId);
    const siteId = input.siteId === undefined ? binding.siteId : input.siteId;
    const outcomes: KeystrokeOutcome[] = [];
    for (const k of input.keys) {
      for (const { report, atMs } of keystrokeReports(k)) {
        let events: WedgeEvent[];
        try {
          events = channel.assembler.push(report, atMs);
        } catch (e) {
          this.refuse(channel, readerId, e);
          continue;
        }
        for (const ev of events) outcomes.push(this.onBurst(channel, readerId, ev, { atMs: this.options.clock.now(), via: "keystrokes", siteId, numbering: binding.numbering }));
      }
    }
    return { readerId, outcomes, pending: channel.assembler.pending };
  }

  private newChannel(): Channel {
    return { assembler: new WedgeAssembler({ timing: this.timing }), stats: emptyStats() };
  }

  private emit(e: ReaderServiceEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (a closed window, a bad subscriber) must not stop the readers.
      }
    }
  }

  private onPortEvent(e: PortEvent): void {
    try {
      switch (e.type) {
        case "state":
          this.emit({ type: "changed", change: "state", readerId: null });
          return;
        case "arrived":
          this.arrive(e.reader);
          this.emit({ type: "changed", change: "arrived", readerId: e.reader.readerId });
          return;
        case "left":
          if (this.live.delete(e.readerId)) this.emit({ type: "changed", change: "left", readerId: e.readerId });
          return;
        case "report":
          this.onReport(e.readerId, e.report, e.atMs);
          return;
        default:
          return unreachable(e);
      }
    } catch {
      // Only a bug gets here (every codec refusal is handled below); count it, keep going.
      this.failures++;
    }
  }

  private arrive(info: ReaderInfo): void {
    this.live.set(info.readerId, { info, channel: this.newChannel() });
  }

  private onReport(readerId: string, report: Uint8Array, atMs: number): void {
    const r = this.live.get(readerId);
    if (!r) {
      this.strayReports++;
      return;
    }
    const { channel, info } = r;
    channel.stats.reports++;
    const binding = this.bindingOf(readerId);
    try {
      if (info.kind === "vendor") {
        const tagNumber = tagNumberOf(decodeVendorReport(report));
        this.accept(channel, { readerId, tagNumber, atMs, via: "report", siteId: binding.siteId });
      } else if (info.kind === "wedge") {
        for (const ev of channel.assembler.push(report, atMs)) this.onBurst(channel, readerId, ev, { atMs, via: "report", siteId: binding.siteId, numbering: binding.numbering });
      } else {
        // A keystrokes-mode reader has no open HID handle; a report from it is a port bug.
        this.refuse(channel, readerId, new UnexpectedReport(`report from ${readerId}, a keystrokes-mode reader`));
      }
    } catch (e) {
      this.refuse(channel, readerId, e);
    }
  }

  private onBurst(
    channel: Channel,
    readerId: string,
    ev: WedgeEvent,
    at: { readonly atMs: number; readonly via: TagRead["via"]; readonly siteId: string | null; readonly numbering: ReaderNumbering },
  ): KeystrokeOutcome {
    switch (ev.kind) {
      case "scan": {
        let tagNumber: string;
        try {
          tagNumber = normaliseTagNumber(ev.text, at.numbering);
        } catch (e) {
          return { kind: "refused", code: this.refuse(channel, readerId, e), text: ev.text };
        }
        // A wedge burst's time is its terminator's, which is the report that completed it.
        const atMs = at.via === "report" ? ev.endMs : at.atMs;
        const repeat = !this.accept(channel, { readerId, tagNumber, atMs, via: at.via, siteId: at.siteId });
        return { kind: "read", tagNumber, repeat };
      }
      case "typed":
        channel.stats.typed++;
        return { kind: "typed", verdict: ev.verdict, text: ev.text };
      case "dropped":
        channel.stats.dropped++;
        return { kind: "dropped", reason: ev.reason, text: ev.text };
      default:
        return unreachable(ev);
    }
  }

  /** Emits the read unless the same tag was seen within the debounce window; true when emitted. */
  private accept(channel: Channel, read: TagRead): boolean {
    // One clock for every path (report stamps and window timestamps differ in origin).
    const now = this.options.clock.now();
    const last = this.lastSeen.get(read.tagNumber);
    this.lastSeen.set(read.tagNumber, now);
    if (this.lastSeen.size > DEBOUNCE_SWEEP_AT) {
      for (const [tag, seen] of this.lastSeen) if (now - seen >= this.debounceMs) this.lastSeen.delete(tag);
    }
    if (last !== undefined && now - last < this.debounceMs && now >= last) {
      channel.stats.repeats++;
      return false;
    }
    channel.stats.reads++;
    this.emit({ type: "read", read });
    return true;
  }

  private refuse(channel: Channel, readerId: string, e: unknown): RefusalCode {
    const code: RefusalCode = e instanceof HidCodecError ? e.code : e instanceof UnexpectedReport ? "unexpected" : "internal";
    channel.stats.refused[code] = (channel.stats.refused[code] ?? 0) + 1;
    this.emit({ type: "refused", readerId, code });
    return code;
  }
}

function snapshot(s: MutableStats): ReaderStats {
  return { ...s, refused: { ...s.refused } };
}

/** A reader id the caller named wrongly: KS 1101, naming the parameter. */
export function badReader(readerId: string, reason: string): KsError {
  return new KsError(1101, { message: "Value of 'readerId' is invalid.", details: { parameterName: "readerId", readerId, reason } });
}

function unreachable(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
