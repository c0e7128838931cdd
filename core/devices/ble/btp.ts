/**
 * BTP-like transport over GATT (PROTOCOL.md §3): handshake, segment header codec,
 * a Segmenter and a Reassembler. Pure: bytes in, bytes out, no timers — the adapter
 * owns the clock and calls in.
 */
import { ByteReader, ByteWriter } from "./bytes.ts";
import { BleCodecError } from "./errors.ts";

/** The one transport version this build speaks. */
export const BTP_VERSION = 1;
/** First byte of both handshake frames: Handshake|Management|End|Begin, as in Matter. */
export const HANDSHAKE_FLAGS = 0x65;
export const HANDSHAKE_OPCODE = 0x6c;
/** ATT MTU 23 minus the 3-byte ATT header: what every BLE link can carry. */
export const MIN_SEGMENT_SIZE = 20;
/** ATT MTU 247 minus 3: one LE Data Length Extension PDU. */
export const MAX_SEGMENT_SIZE = 244;
export const MAX_WINDOW_SIZE = 64;
/** Largest reassembled message; bounds the IQ's receive buffer. */
export const MAX_MESSAGE_SIZE = 4096;

export const FLAG_BEGIN = 0x01;
export const FLAG_CONTINUE = 0x02;
export const FLAG_END = 0x04;
export const FLAG_ACK = 0x08;
const RESERVED_FLAGS = 0xf0;

export interface HandshakeRequest {
  /** Supported versions, highest first, 1..8 entries of 1..15. */
  readonly versions: readonly number[];
  /** The central's ATT MTU; 0 when its stack does not tell. */
  readonly attMtu: number;
  readonly windowSize: number;
}

export interface HandshakeResponse {
  readonly version: number;
  /** Bytes per segment, header included. */
  readonly segmentSize: number;
  readonly windowSize: number;
}

function checkWindow(w: number): void {
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW_SIZE) throw new BleCodecError("ble.btp.window", `window size ${w} is outside 1..${MAX_WINDOW_SIZE}`);
}

function checkAttMtu(m: number): void {
  if (!Number.isInteger(m) || (m !== 0 && (m < 23 || m > 517))) throw new BleCodecError("ble.btp.mtu", `ATT MTU ${m} is neither 0 nor 23..517`);
}

function checkSegmentSize(s: number): void {
  if (!Number.isInteger(s) || s < MIN_SEGMENT_SIZE || s > MAX_SEGMENT_SIZE) {
    throw new BleCodecError("ble.btp.mtu", `segment size ${s} is outside ${MIN_SEGMENT_SIZE}..${MAX_SEGMENT_SIZE}`);
  }
}

function checkVersions(vs: readonly number[]): void {
  if (vs.length < 1 || vs.length > 8) throw new BleCodecError("ble.btp.handshake", `${vs.length} versions offered; 1..8 allowed`);
  let prev = 16;
  for (const v of vs) {
    if (!Number.isInteger(v) || v < 1 || v >= prev) throw new BleCodecError("ble.btp.handshake", "versions must be 1..15, distinct, highest first");
    prev = v;
  }
}

export function encodeHandshakeRequest(req: HandshakeRequest): Uint8Array {
  checkVersions(req.versions);
  checkAttMtu(req.attMtu);
  checkWindow(req.windowSize);
  const nibbles = new Uint8Array(4);
  req.versions.forEach((v, i) => {
    const at = i >> 1;
    nibbles[at] = (nibbles[at] ?? 0) | (i % 2 === 0 ? v : v << 4);
  });
  return new ByteWriter().u8(HANDSHAKE_FLAGS).u8(HANDSHAKE_OPCODE).bytes(nibbles).u16(req.attMtu).u8(req.windowSize).finish();
}

function readHandshakeHeader(r: ByteReader): void {
  const flags = r.u8("handshake flags");
  const opcode = r.u8("handshake opcode");
  if (flags !== HANDSHAKE_FLAGS || opcode !== HANDSHAKE_OPCODE) throw new BleCodecError("ble.btp.handshake", "not a BTP handshake frame");
}

export function decodeHandshakeRequest(bytes: Uint8Array): HandshakeRequest {
  const r = new ByteReader(bytes);
  readHandshakeHeader(r);
  const packed = r.take(4, "versions");
  const versions: number[] = [];
  let ended = false;
  for (let i = 0; i < 8; i++) {
    const byte = packed[i >> 1] ?? 0;
    const v = i % 2 === 0 ? byte & 0x0f : byte >> 4;
    if (v === 0) ended = true;
    else if (ended) throw new BleCodecError("ble.btp.handshake", "a version follows an empty slot");
    else versions.push(v);
  }
  checkVersions(versions);
  const attMtu = r.u16("ATT MTU");
  checkAttMtu(attMtu);
  const windowSize = r.u8("window size");
  checkWindow(windowSize);
  r.end("handshake request");
  return { versions, attMtu, windowSize };
}

export function encodeHandshakeResponse(res: HandshakeResponse): Uint8Array {
  if (!Number.isInteger(res.version) || res.version < 1 || res.version > 15) throw new BleCodecError("ble.btp.version", `version ${res.version} is outside 1..15`);
  checkSegmentSize(res.segmentSize);
  checkWindow(res.windowSize);
  return new ByteWriter().u8(HANDSHAKE_FLAGS).u8(HANDSHAKE_OPCODE).u8(res.version).u16(res.segmentSize).u8(res.windowSize).finish();
}

export function decodeHandshakeResponse(bytes: Uint8Array): HandshakeResponse {
  const r = new ByteReader(bytes);
  readHandshakeHeader(r);
  const version = r.u8("version");
  if (version < 1 || version > 15) throw new BleCodecError("ble.btp.version", `version byte 0x${version.toString(16)} is not 1..15`);
  const segmentSize = r.u16("segment size");
  checkSegmentSize(segmentSize);
  const windowSize = r.u8("window size");
  checkWindow(windowSize);
  r.end("handshake response");
  return { version, segmentSize, windowSize };
}

/**
 * What the IQ answers to a handshake: the highest common version, a segment size
 * both ends' MTU allow, and the smaller window. Refuses with `ble.btp.version`.
 */
export function negotiateHandshake(
  req: HandshakeRequest,
  iq: { readonly versions: readonly number[]; readonly attMtu: number; readonly maxWindowSize: number },
): HandshakeResponse {
  const version = req.versions.find((v) => iq.versions.includes(v));
  if (version === undefined) throw new BleCodecError("ble.btp.version", `no common version in [${req.versions.join(",")}]`);
  const mtu = req.attMtu === 0 ? iq.attMtu : Math.min(req.attMtu, iq.attMtu);
  const segmentSize = Math.max(MIN_SEGMENT_SIZE, Math.min(MAX_SEGMENT_SIZE, mtu - 3));
  return { version, segmentSize, windowSize: Math.max(1, Math.min(req.windowSize, iq.maxWindowSize, MAX_WINDOW_SIZE)) };
}

/**
 * One BTP segment. `begin`/`cont` say where it sits in its message; a segment with
 * neither is a standalone acknowledgement and carries no payload.
 */
export interface Segment {
  readonly begin: boolean;
  readonly cont: boolean;
  readonly end: boolean;
  /** The peer's sequence number acknowledged (cumulatively), if any. */
  readonly ack: number | null;
  readonly sequence: number;
  /** Whole message length; present exactly on Begin segments. */
  readonly messageLength: number | null;
  readonly payload: Uint8Array;
}

function checkSegmentShape(s: Segment): void {
  if (s.begin && s.cont) throw new BleCodecError("ble.btp.flags", "Begin and Continue together");
  if (!s.begin && !s.cont) {
    if (s.ack === null || s.end || s.payload.length !== 0) throw new BleCodecError("ble.btp.flags", "a segment without Begin or Continue must be a bare Ack");
  } else if (s.payload.length === 0) {
    throw new BleCodecError("ble.btp.length", "a data segment carries at least one byte");
  }
  if (s.begin !== (s.messageLength !== null)) throw new BleCodecError("ble.btp.flags", "message length goes with Begin, and only with Begin");
  if (s.messageLength !== null && (s.messageLength < 1 || s.messageLength > 0xffff)) throw new BleCodecError("ble.btp.length", `message length ${s.messageLength}`);
}

export function encodeSegment(s: Segment): Uint8Array {
  checkSegmentShape(s);
  const flags = (s.begin ? FLAG_BEGIN : 0) | (s.cont ? FLAG_CONTINUE : 0) | (s.end ? FLAG_END : 0) | (s.ack !== null ? FLAG_ACK : 0);
  const w = new ByteWriter().u8(flags);
  if (s.ack !== null) w.u8(s.ack, "ack number");
  w.u8(s.sequence, "sequence number");
  if (s.messageLength !== null) w.u16(s.messageLength, "message length");
  return w.bytes(s.payload).finish();
}

export function decodeSegment(bytes: Uint8Array): Segment {
  const r = new ByteReader(bytes);
  const flags = r.u8("segment flags");
  if (flags & RESERVED_FLAGS) throw new BleCodecError("ble.btp.flags", `reserved flag bits set in 0x${flags.toString(16)}`);
  const begin = (flags & FLAG_BEGIN) !== 0;
  const ack = flags & FLAG_ACK ? r.u8("ack number") : null;
  const sequence = r.u8("sequence number");
  const messageLength = begin ? r.u16("message length") : null;
  const s: Segment = { begin, cont: (flags & FLAG_CONTINUE) !== 0, end: (flags & FLAG_END) !== 0, ack, sequence, messageLength, payload: r.rest() };
  checkSegmentShape(s);
  return s;
}

/** Header bytes in front of a segment's payload. */
export function segmentHeaderSize(begin: boolean, ack: boolean): number {
  return 2 + (ack ? 1 : 0) + (begin ? 2 : 0);
}

/**
 * Cuts messages into segments that fit the negotiated segment size, numbering them
 * from 0 (PROTOCOL.md §3.3). Pacing against the window is the caller's, via SendWindow.
 */
export class Segmenter {
  private next = 0;
  constructor(
    private readonly segmentSize: number,
    private readonly maxMessageSize = MAX_MESSAGE_SIZE,
  ) {
    checkSegmentSize(segmentSize);
  }

  /** The sequence number the next segment will carry. */
  get nextSequence(): number {
    return this.next;
  }

  private take(): number {
    const s = this.next;
    this.next = (this.next + 1) & 0xff;
    return s;
  }

  /** Segments of one message; `ack` rides on the first. */
  split(message: Uint8Array, ack: number | null = null): Uint8Array[] {
    if (message.length < 1 || message.length > this.maxMessageSize) {
      throw new BleCodecError("ble.btp.message_size", `message of ${message.length} bytes; 1..${this.maxMessageSize} allowed`);
    }
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < message.length) {
      const begin = at === 0;
      const a = begin ? ack : null;
      const room = this.segmentSize - segmentHeaderSize(begin, a !== null);
      const payload = message.subarray(at, Math.min(message.length, at + room));
      at += payload.length;
      out.push(
        encodeSegment({ begin, cont: !begin, end: at === message.length, ack: a, sequence: this.take(), messageLength: begin ? message.length : null, payload }),
      );
    }
    return out;
  }

  /**
   * A bare acknowledgement. It carries the number the next data segment will take but
   * does not consume it: bare acks are never retransmitted, so if they used up numbers
   * a lost one would look like a lost data segment (PROTOCOL.md §3.3).
   */
  ackOnly(ack: number): Uint8Array {
    return encodeSegment({ begin: false, cont: false, end: false, ack, sequence: this.next, messageLength: null, payload: new Uint8Array(0) });
  }
}

/**
 * The sender's view of the window: at most `windowSize` segments unacknowledged;
 * an ack must name one of them and acknowledges every earlier one too.
 */
export class SendWindow {
  private readonly inFlight: number[] = [];
  constructor(private readonly windowSize: number) {
    checkWindow(windowSize);
  }

  get unacknowledged(): number {
    return this.inFlight.length;
  }

  canSend(): boolean {
    return this.inFlight.length < this.windowSize;
  }

  sent(sequence: number): void {
    if (!this.canSend()) throw new BleCodecError("ble.btp.window", `window of ${this.windowSize} is full`);
    this.inFlight.push(sequence & 0xff);
  }

  acknowledged(ack: number): void {
    const at = this.inFlight.indexOf(ack);
    if (at < 0) throw new BleCodecError("ble.btp.ack", `ack ${ack} names no segment in flight`);
    this.inFlight.splice(0, at + 1);
  }
}

/** What one received segment yielded. */
export interface Received {
  readonly sequence: number;
  /** The peer acknowledged our segments up to this number. */
  readonly ack: number | null;
  /** A whole message, when this segment was its End. */
  readonly message: Uint8Array | null;
}

/**
 * Rebuilds messages from segments, in order. Every check runs before any state
 * changes, so a refused segment leaves the reassembler as it was (the link is
 * closed anyway, PROTOCOL.md §3.5).
 */
export class Reassembler {
  private expected = 0;
  private unacked = 0;
  private last: number | null = null;
  private partial: { readonly buf: Uint8Array; filled: number } | null = null;

  constructor(
    private readonly segmentSize: number,
    private readonly windowSize: number,
    private readonly maxMessageSize = MAX_MESSAGE_SIZE,
  ) {
    checkSegmentSize(segmentSize);
    checkWindow(windowSize);
  }

  /** The sequence number the next data segment must carry. */
  get expectedSequence(): number {
    return this.expected;
  }

  /** Data segments taken in since the last `takeAck`. */
  get unacknowledged(): number {
    return this.unacked;
  }

  /**
   * Takes the next segment in order. Bare acks carry no data and take no number, so
   * their sequence field is not checked; data segments must carry exactly the next
   * number (the transport drops duplicates and holds early ones before calling this).
   */
  push(bytes: Uint8Array): Received {
    if (bytes.length > this.segmentSize) throw new BleCodecError("ble.frame.too_large", `segment of ${bytes.length} bytes; negotiated ${this.segmentSize}`);
    return this.pushSegment(decodeSegment(bytes));
  }

  /** `push` for a segment the caller already decoded (and size-checked). */
  pushSegment(s: Segment): Received {
    if (!s.begin && !s.cont) return { sequence: s.sequence, ack: s.ack, message: null };
    if (s.sequence !== this.expected) throw new BleCodecError("ble.btp.sequence", `sequence ${s.sequence}, expected ${this.expected}`);
    if (this.unacked >= this.windowSize) throw new BleCodecError("ble.btp.window", `peer sent beyond the window of ${this.windowSize}`);
    let message: Uint8Array | null = null;
    if (s.begin) {
      const total = s.messageLength ?? 0;
      if (this.partial) throw new BleCodecError("ble.btp.unexpected_begin", "Begin while a message is still open");
      if (total > this.maxMessageSize) throw new BleCodecError("ble.btp.message_size", `message of ${total} bytes; at most ${this.maxMessageSize}`);
      this.checkFill(0, s.payload.length, total, s.end);
      if (s.end) message = s.payload;
      else {
        const buf = new Uint8Array(total);
        buf.set(s.payload);
        this.partial = { buf, filled: s.payload.length };
      }
    } else if (s.cont) {
      const p = this.partial;
      if (!p) throw new BleCodecError("ble.btp.no_begin", "Continue without a Begin");
      this.checkFill(p.filled, s.payload.length, p.buf.length, s.end);
      p.buf.set(s.payload, p.filled);
      p.filled += s.payload.length;
      if (s.end) {
        message = p.buf;
        this.partial = null;
      }
    }
    this.expected = (s.sequence + 1) & 0xff;
    this.unacked++;
    this.last = s.sequence;
    return { sequence: s.sequence, ack: s.ack, message };
  }

  private checkFill(filled: number, adding: number, total: number, end: boolean): void {
    const after = filled + adding;
    if (after > total) throw new BleCodecError("ble.btp.length", `segments carry ${after} bytes of a ${total}-byte message`);
    if (end && after !== total) throw new BleCodecError("ble.btp.length", `End after ${after} of ${total} bytes`);
    if (!end && after === total) throw new BleCodecError("ble.btp.length", "message complete but End not set");
  }

  /** The number to acknowledge now (last received), or null if all are acknowledged; resets the window. */
  takeAck(): number | null {
    if (this.unacked === 0) return null;
    this.unacked = 0;
    return this.last;
  }
}
