import { KsError } from "../../../errors/index.ts";
import type { Clock } from "../../../ports/clock.ts";
import { encodeKeystrokes, type Terminator } from "../boot-keyboard.ts";
import { HidCodecError } from "../errors.ts";
import type { PortListener, PortState, ReaderInfo, TagReaderPort } from "../port.ts";
import { badReader as badReaderId } from "../reader-service.ts";
import { encodeWiegand26, normaliseTagNumber } from "../tag-number.ts";
import { TECHNOLOGIES, encodeVendorReport, type Technology, type VendorTagReport } from "../vendor-report.ts";

/**
 * A simulated USB tag reader (READERS.md §4.4): presenting a tag number makes it send
 * exactly the reports a real reader would — boot keyboard press/release reports for a
 * wedge reader, one vendor report for a dedicated one — stamped on the injected clock
 * with a real reader's pacing, through the same port as node-hid's readers. For demos
 * and end-to-end tests; it can be plugged and unplugged like a real one.
 */

/** pid.codes' test VID/PIDs (0x1209:0x0001-0x000F are reserved for testing): never a real product. */
export const SIM_VENDOR_ID = 0x1209;
export const SIM_PRODUCT_IDS = { wedge: 0x0001, vendor: 0x0002 } as const;

/** A full-speed reader polled every 2 ms: press and release each take one poll. */
const DEFAULT_POLL_MS = 2;
/** Between two readings of a tag left on a vendor reader. */
const REPEAT_MS = 250;

export interface SimulatedReaderOptions {
  readonly clock: Clock;
  /** USB polling interval of the simulated reader, ms. */
  readonly pollMs?: number;
  /** Jitter source in [0, 1); a fixed sequence by default so a run is reproducible. */
  readonly random?: () => number;
}

export interface PlugSpec {
  readonly kind: "wedge" | "vendor";
  readonly readerId?: string | undefined;
  readonly productName?: string | undefined;
}

export interface PresentOptions {
  /** For a vendor reader: the card technology (by default, guessed from the UID length). */
  readonly technology?: Technology | undefined;
  /** For a wedge reader: the key that ends the number. */
  readonly terminator?: Terminator | undefined;
  /** Times the reader sends the tag (a tag left on the reader); 1 by default. */
  readonly repeats?: number | undefined;
}

export interface Presented {
  readonly readerId: string;
  readonly tagNumber: string;
  readonly reports: readonly Uint8Array[];
  /** Stamp of each report, epoch ms. */
  readonly atMs: readonly number[];
}

/** A small fixed sequence for jitter (golden-ratio steps): deterministic, no Math.random. */
function steadyJitter(): () => number {
  let x = 0.5;
  return () => {
    x = (x + 0.6180339887) % 1;
    return x;
  };
}

/** The UID lengths a vendor report can carry, with the technology a bare hex number is sent as. */
const BY_UID_LENGTH: ReadonlyMap<number, Technology> = new Map([
  [4, "mifare-classic"],
  [5, "em4100"],
  [7, "mifare-desfire"],
  [8, "iso15693"],
  [10, "iso14443a"],
]);

function badTag(tagNumber: string, reason: string): KsError {
  return new KsError(1101, { message: "Value of 'tagNumber' is invalid.", details: { parameterName: "tagNumber", tagNumber, reason } });
}

/** The vendor report fields a reader sends for a (normalised) tag number. */
export function vendorTagOf(tagNumber: string, technology?: Technology): VendorTagReport {
  const wiegand = /^(\d{3}):(\d{5})$/.exec(tagNumber);
  if (wiegand) {
    if (technology !== undefined && technology !== "hid-prox-26") throw badTag(tagNumber, `a Wiegand number is an HID Prox card, not ${technology}`);
    const v = parseInt(encodeWiegand26(Number(wiegand[1]), Number(wiegand[2])), 2);
    return { technology: "hid-prox-26", uid: Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff) };
  }
  if (tagNumber.length % 2 !== 0) throw badTag(tagNumber, "a vendor reader sends UID bytes: an even number of hex digits");
  const uid = Uint8Array.from({ length: tagNumber.length / 2 }, (_, i) => parseInt(tagNumber.slice(2 * i, 2 * i + 2), 16));
  const tech = technology ?? BY_UID_LENGTH.get(uid.length);
  if (tech === undefined || tech === "hid-prox-26" || !(TECHNOLOGIES[tech].uidLengths as readonly number[]).includes(uid.length)) {
    throw badTag(tagNumber, `no card technology has a UID of ${uid.length} byte(s) here`);
  }
  return { technology: tech, uid };
}

export class SimulatedReaderPort implements TagReaderPort {
  readonly source = "simulated" as const;
  private readonly plugged = new Map<string, ReaderInfo>();
  private readonly listeners = new Set<PortListener>();
  private readonly pollMs: number;
  private readonly random: () => number;
  private running = false;
  private count = 0;
  /** Stamp of the last report sent: stamps never go backwards, even on a clock that stands still. */
  private lastStamp = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SimulatedReaderOptions) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!(this.pollMs > 0 && this.pollMs <= 20)) throw new RangeError(`pollMs ${this.pollMs}: a USB reader polls every 0-20 ms`);
    this.random = options.random ?? steadyJitter();
  }

  state(): PortState {
    return { status: this.running ? "available" : "stopped", reason: null };
  }

  readers(): readonly ReaderInfo[] {
    return [...this.plugged.values()];
  }

  subscribe(listener: PortListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.emitState();
  }

  /** Stopping the simulation unplugs nothing: its readers are there again when it starts. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.emitState();
  }

  get hasReaders(): boolean {
    return this.plugged.size > 0;
  }

  plug(spec: PlugSpec): ReaderInfo {
    const readerId = spec.readerId ?? `sim-${spec.kind}-${++this.count}`;
    if (this.plugged.has(readerId)) throw badReaderId(readerId, "a simulated reader with this id is already plugged in");
    const reader: ReaderInfo = {
      readerId,
      vendorId: SIM_VENDOR_ID,
      productId: SIM_PRODUCT_IDS[spec.kind],
      productName: spec.productName ?? (spec.kind === "wedge" ? "Simulated keyboard-wedge reader" : "Simulated Lintel vendor-report reader"),
      kind: spec.kind,
      source: "simulated",
      note: null,
    };
    this.plugged.set(readerId, reader);
    this.send({ type: "arrived", reader });
    return reader;
  }

  unplug(readerId: string): boolean {
    if (!this.plugged.delete(readerId)) return false;
    this.send({ type: "left", readerId, reason: "unplugged" });
    return true;
  }

  /**
   * Presents a tag: the reports a real reader sends, paced as it would (one report per
   * USB poll, ±25 % jitter), the last one stamped now. Returns what was sent.
   */
  present(readerId: string, tagNumber: string, options: PresentOptions = {}): Presented {
    const reader = this.plugged.get(readerId);
    if (!reader) throw badReaderId(readerId, "no simulated reader with this id is plugged in");
    let normalised: string;
    try {
      normalised = normaliseTagNumber(tagNumber);
    } catch (e) {
      if (e instanceof HidCodecError) throw badTag(tagNumber, e.message);
      throw e;
    }
    const repeats = options.repeats ?? 1;
    if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20) throw new KsError(1101, { message: "Value of 'repeats' is invalid.", details: { parameterName: "repeats", repeats } });
    let once: Uint8Array[];
    if (reader.kind === "vendor") {
      once = [encodeVendorReport(vendorTagOf(normalised, options.technology))];
    } else {
      if (options.technology !== undefined) throw badTag(tagNumber, "a keyboard-wedge reader types the number; it reports no card technology");
      once = encodeKeystrokes(normalised, options.terminator ?? "enter");
    }
    const reports: Uint8Array[] = [];
    const offsets: number[] = [];
    let t = 0;
    for (let r = 0; r < repeats; r++) {
      if (r > 0) t += REPEAT_MS;
      for (const report of once) {
        if (reports.length > 0) t += this.pollMs * (0.75 + 0.5 * this.random());
        reports.push(report);
        offsets.push(t);
      }
    }
    // The first reading ends now; repeats follow as a resting tag's would.
    const firstEnd = offsets[once.length - 1] ?? 0;
    const start = Math.max(this.options.clock.now() - firstEnd, this.lastStamp + this.pollMs);
    const atMs = offsets.map((o) => start + o);
    this.lastStamp = atMs[atMs.length - 1] ?? this.lastStamp;
    reports.forEach((report, i) => this.send({ type: "report", readerId, report, atMs: atMs[i] ?? start }));
    return { readerId, tagNumber: normalised, reports, atMs };
  }

  /** Sends arbitrary bytes as a report of a plugged reader: for fuzzing the path a real report takes. */
  sendRaw(readerId: string, report: Uint8Array, atMs?: number): void {
    if (!this.plugged.has(readerId)) throw badReaderId(readerId, "no simulated reader with this id is plugged in");
    const at = atMs ?? Math.max(this.options.clock.now(), this.lastStamp);
    if (Number.isFinite(at)) this.lastStamp = Math.max(this.lastStamp, at);
    this.send({ type: "report", readerId, report, atMs: at });
  }

  private emitState(): void {
    this.send({ type: "state", state: this.state() });
  }

  private send(e: Parameters<PortListener>[0]): void {
    for (const l of this.listeners) l(e);
  }
}
