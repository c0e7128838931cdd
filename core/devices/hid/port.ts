/**
 * The tag-reader port: what the reception desk needs from "USB tag readers". Two
 * adapters implement it — node-hid (real readers, loaded lazily) and the simulated
 * reader — and both carry the raw bytes of READERS.md; the ReaderService decodes
 * them, so a simulated read goes through exactly the code a real one does.
 */

/**
 * How a reader's tags reach Lintel:
 * - `wedge`: a keyboard-wedge reader opened through HID; its boot keyboard reports arrive here;
 * - `vendor`: a dedicated reader speaking the Lintel vendor report (READERS.md §2);
 * - `keystrokes`: a wedge reader the operating system keeps to itself (it claims
 *   keyboards): its "typing" is captured in Lintel's window and sent by `readers.keystrokes`.
 */
export type ReaderKind = "wedge" | "vendor" | "keystrokes";

export const READER_KINDS: readonly ReaderKind[] = ["wedge", "vendor", "keystrokes"];

/** Which adapter a reader comes from. */
export type ReaderSource = "usb" | "simulated";

/** Longest reader id: ids are stored in a site file as its Tag reader (core/domain/reception.ts). */
export const READER_ID_MAX = 200;

/** One reader as a port lists it. */
export interface ReaderInfo {
  /** Stable for the device while it is plugged, and across re-plugging where the device allows it. */
  readonly readerId: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string;
  readonly kind: ReaderKind;
  readonly source: ReaderSource;
  /** Why the reader is not read through HID (kind `keystrokes`, or a reader that could not be opened); null when all is well. */
  readonly note: string | null;
}

/** Whether a port can see readers at all; `reason` says why not, in words for the person at the desk. */
export interface PortState {
  readonly status: "starting" | "available" | "unavailable" | "stopped";
  readonly reason: string | null;
}

/** What a port tells its one listener (the ReaderService). */
export type PortEvent =
  | { readonly type: "state"; readonly state: PortState }
  | { readonly type: "arrived"; readonly reader: ReaderInfo }
  | { readonly type: "left"; readonly readerId: string; readonly reason: string }
  /** One HID input report, stamped when it arrived (epoch ms of the injected clock). */
  | { readonly type: "report"; readonly readerId: string; readonly report: Uint8Array; readonly atMs: number };

export type PortListener = (event: PortEvent) => void;

export interface TagReaderPort {
  readonly source: ReaderSource;
  state(): PortState;
  /** Readers present now. */
  readers(): readonly ReaderInfo[];
  /** Events from now on; returns the unsubscribe function. */
  subscribe(listener: PortListener): () => void;
  /** Starts watching; resolves once the first look at the bus is done (a failure becomes state `unavailable`, never a rejection). */
  start(): Promise<void>;
  /** Stops watching and releases every device; the port can be started again. */
  stop(): Promise<void>;
}

/** A tag presented to a reader, as the ReaderService emits it. */
export interface TagRead {
  readonly readerId: string;
  /** Normalised (READERS.md §3): what `tags.lookup` and the site's tags use. */
  readonly tagNumber: string;
  /** When the read completed: the last report's time, or when the keystrokes arrived. Epoch ms. */
  readonly atMs: number;
  readonly via: "report" | "keystrokes";
  /** The site the reader is bound to, if any (a reception desk enrolls into one site). */
  readonly siteId: string | null;
}
