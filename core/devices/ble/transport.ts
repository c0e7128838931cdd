/**
 * The stateful half of BTP (PROTOCOL.md §3.3–3.5): one endpoint per side of a link,
 * on top of the pure codecs in btp.ts. It paces segments against the window, acks
 * (piggy-backed, delayed, or at once when half the window is waiting), holds segments
 * that arrive after a lost one, drops duplicates, and retransmits on timeout with an
 * RTT-adaptive retransmission timer — so a lossy radio costs time, not the session.
 * The central (client.ts) and the simulated IQ (sim/peripheral.ts) both use it.
 */
import type { Scheduler, TimerHandle } from "../../ports/scheduler.ts";
import { Reassembler, Segmenter, decodeSegment, type Segment } from "./btp.ts";
import { BleCodecError, BleLinkError } from "./errors.ts";

export interface BtpTimings {
  /** Longest a receiver holds an ack hoping to piggy-back it on data (spec: ≤ 2500). */
  readonly ackDelayMs: number;
  /** Retransmission timeout before any round trip was measured. */
  readonly initialRtoMs: number;
  readonly minRtoMs: number;
  /** Ceiling of the measured retransmission timeout. */
  readonly maxRtoMs: number;
  /**
   * Ceiling of the doubling after timeouts (unless the measured timeout is longer):
   * radio loss is not congestion, so a lossy link keeps trying about once a second
   * and many tries fit before `giveUpMs`.
   */
  readonly maxBackoffMs: number;
  /** No ack progress for this long while segments are unacknowledged: the peer is gone. */
  readonly giveUpMs: number;
}

export const DEFAULT_BTP_TIMINGS: BtpTimings = {
  ackDelayMs: 50,
  initialRtoMs: 1000,
  minRtoMs: 250,
  maxRtoMs: 4000,
  maxBackoffMs: 1000,
  giveUpMs: 15_000,
};

/** Acks older than this many numbers are stale piggy-backs; further back is a protocol error. */
const STALE_RANGE = 64;

export interface BtpStats {
  dataSegmentsSent: number;
  retransmissions: number;
  bareAcksSent: number;
  segmentsReceived: number;
  duplicatesReceived: number;
  outOfOrderReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

export interface BtpEndpointOptions {
  readonly segmentSize: number;
  readonly windowSize: number;
  readonly scheduler: Scheduler;
  /** Hands one frame to the link; frames must go out in the order given. */
  readonly transmit: (frame: Uint8Array) => void;
  readonly onMessage: (message: Uint8Array) => void;
  /** Called once when the endpoint gives up (timeout) or the peer breaks the protocol. */
  readonly onFailure: (error: BleLinkError) => void;
  readonly timings?: Partial<BtpTimings>;
}

interface Outgoing {
  readonly sequence: number;
  readonly bytes: Uint8Array;
  firstSentAt: number;
  lastSentAt: number;
  /** Position in the order of transmissions on this link; the link is FIFO. */
  sentOrder: number;
  transmissions: number;
}

export class BtpEndpoint {
  private readonly segmenter: Segmenter;
  private readonly reassembler: Reassembler;
  private readonly timings: BtpTimings;
  private readonly queue: Outgoing[] = [];
  private readonly inFlight: Outgoing[] = [];
  private readonly early = new Map<number, Segment>();
  /** Our highest sequence number the peer acknowledged (255 = none yet, as numbers start at 0). */
  private peerAcked = 0xff;
  /** The last ack we sent: the peer may send up to `window` segments beyond it. */
  private ackSent = 0xff;
  private receivedAny = false;
  private order = 0;
  private progressAt = 0;
  private srtt: number | null = null;
  private rttvar = 0;
  private rto: number;
  private rtoTimer: TimerHandle | null = null;
  private ackTimer: TimerHandle | null = null;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  readonly stats: BtpStats = {
    dataSegmentsSent: 0,
    retransmissions: 0,
    bareAcksSent: 0,
    segmentsReceived: 0,
    duplicatesReceived: 0,
    outOfOrderReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
  };

  constructor(private readonly o: BtpEndpointOptions) {
    this.segmenter = new Segmenter(o.segmentSize);
    this.reassembler = new Reassembler(o.segmentSize, o.windowSize);
    this.timings = { ...DEFAULT_BTP_TIMINGS, ...o.timings };
    this.rto = this.timings.initialRtoMs;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Nothing queued and nothing waiting for the peer's ack. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.length === 0;
  }

  /** Resolves once everything sent so far is acknowledged (or the endpoint closed). */
  drained(): Promise<void> {
    if (this.idle || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues one message; the first segment carries our pending ack if it can leave now. */
  send(message: Uint8Array): void {
    if (this.closed) throw new BleLinkError("ble.disconnected", "the BLE transport is closed");
    const canLeaveNow = this.queue.length === 0 && this.inFlight.length < this.o.windowSize;
    const ack = canLeaveNow ? this.reassembler.takeAck() : null;
    if (ack !== null) this.noteAckSent(ack);
    const first = this.segmenter.nextSequence;
    this.segmenter.split(message, ack).forEach((bytes, i) => {
      this.queue.push({ sequence: (first + i) & 0xff, bytes, firstSentAt: 0, lastSentAt: 0, sentOrder: 0, transmissions: 0 });
    });
    this.stats.messagesSent++;
    this.pump();
  }

  /** One frame from the link (after the handshake). */
  receive(frame: Uint8Array): void {
    if (this.closed) return;
    try {
      if (frame.length > this.o.segmentSize) throw new BleCodecError("ble.frame.too_large", `segment of ${frame.length} bytes; negotiated ${this.o.segmentSize}`);
      const seg = decodeSegment(frame);
      this.stats.segmentsReceived++;
      if (seg.ack !== null) this.onAck(seg.ack);
      if (this.closed || (!seg.begin && !seg.cont)) return;
      this.onData(seg);
    } catch (e) {
      if (e instanceof BleCodecError) this.fail(new BleLinkError("ble.protocol", `the peer broke the transport protocol: ${e.message}`, { codec: e.code }));
      else throw e;
    }
  }

  /** Stops all timers; no callback. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer("rto");
    this.stopTimer("ack");
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private fail(e: BleLinkError): void {
    if (this.closed) return;
    this.close();
    this.o.onFailure(e);
  }

  /* ---------- sending ---------- */

  private pump(): void {
    while (!this.closed && this.queue.length > 0 && this.inFlight.length < this.o.windowSize) {
      const seg = this.queue.shift()!;
      this.inFlight.push(seg);
      this.transmit(seg);
    }
  }

  private transmit(seg: Outgoing): void {
    const now = this.o.scheduler.now();
    if (seg.transmissions === 0) seg.firstSentAt = now;
    else this.stats.retransmissions++;
    seg.transmissions++;
    seg.lastSentAt = now;
    seg.sentOrder = ++this.order;
    this.stats.dataSegmentsSent++;
    if (this.rtoTimer === null) this.armRto();
    this.o.transmit(seg.bytes);
  }

  private onAck(ack: number): void {
    const delta = (ack - this.peerAcked) & 0xff;
    if (delta === 0) return;
    const target = this.inFlight[delta - 1];
    if (target === undefined || target.sequence !== ack) {
      // A retransmitted segment repeats the ack it first carried: old, harmless.
      if (((this.peerAcked - ack) & 0xff) < STALE_RANGE) return;
      throw new BleCodecError("ble.btp.ack", `ack ${ack} names no segment in flight`);
    }
    const acked = this.inFlight.splice(0, delta);
    this.peerAcked = ack;
    const now = this.o.scheduler.now();
    this.progressAt = now;
    let newest = 0;
    for (const s of acked) newest = Math.max(newest, s.sentOrder);
    // Karn, strictly: an ack that covers any retransmitted segment may have waited for
    // that repair, so it times nothing.
    const sample = acked.every((s) => s.transmissions === 1) ? now - target.lastSentAt : null;
    // Radio loss is not congestion: progress ends the back-off even without a fresh sample.
    if (sample !== null) this.sampleRtt(sample);
    else this.rto = this.computedRto();
    this.stopTimer("rto");
    const head = this.inFlight[0];
    if (head !== undefined) {
      // The link is FIFO: a segment sent before one the peer has now acknowledged and
      // still unacknowledged was lost — resend it now instead of waiting for the timer.
      if (head.sentOrder < newest) this.transmit(head);
      if (this.rtoTimer === null) this.armRto();
    }
    this.pump();
    if (this.idle) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * A round trip measured outside the window (the central times its handshake), so
   * that the first lost segment is not waited for with the cautious initial timeout.
   */
  seedRtt(ms: number): void {
    if (this.srtt === null && Number.isFinite(ms) && ms >= 0) this.sampleRtt(ms);
  }

  /** RFC 6298's estimator. */
  private sampleRtt(r: number): void {
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = this.computedRto();
  }

  private computedRto(): number {
    if (this.srtt === null) return this.timings.initialRtoMs;
    return Math.min(this.timings.maxRtoMs, Math.max(this.timings.minRtoMs, this.srtt + Math.max(10, 4 * this.rttvar)));
  }

  /** Since when the head has waited: its first sending, or the last ack that moved the window. */
  private waitingSince(head: Outgoing): number {
    return Math.max(head.firstSentAt, this.progressAt);
  }

  private armRto(): void {
    const head = this.inFlight[0];
    if (head === undefined) return;
    const left = this.waitingSince(head) + this.timings.giveUpMs - this.o.scheduler.now();
    this.rtoTimer = this.o.scheduler.setTimer(Math.max(0, Math.min(this.rto, left)), () => {
      this.rtoTimer = null;
      this.onRto();
    });
  }

  private onRto(): void {
    const head = this.inFlight[0];
    if (this.closed || head === undefined) return;
    if (this.o.scheduler.now() - this.waitingSince(head) >= this.timings.giveUpMs) {
      this.fail(new BleLinkError("ble.timeout", `no acknowledgement for ${this.timings.giveUpMs} ms: the IQ stopped answering`, { sequence: head.sequence }));
      return;
    }
    this.rto = Math.min(Math.max(this.computedRto(), this.timings.maxBackoffMs), this.rto * 2);
    this.transmit(head);
  }

  /* ---------- receiving ---------- */

  private onData(seg: Segment): void {
    const expected = this.reassembler.expectedSequence;
    if (seg.sequence === expected) {
      this.take(seg);
      for (let next = this.early.get(this.reassembler.expectedSequence); next && !this.closed; next = this.early.get(this.reassembler.expectedSequence)) {
        this.early.delete(next.sequence);
        this.take(next);
      }
    } else if (this.isAhead(seg.sequence, expected)) {
      // Ahead of a lost segment: hold it until the gap is filled by a retransmission.
      this.stats.outOfOrderReceived++;
      if (!this.early.has(seg.sequence)) this.early.set(seg.sequence, seg);
    } else if (this.receivedAny && ((expected - 1 - seg.sequence) & 0xff) < STALE_RANGE) {
      // Already taken: our ack was lost or late. Say it again at once.
      this.stats.duplicatesReceived++;
      this.reassembler.takeAck();
      this.sendBareAck((expected - 1) & 0xff);
      return;
    } else {
      throw new BleCodecError("ble.btp.sequence", `sequence ${seg.sequence} is neither ${expected}, a duplicate, nor within the window`);
    }
    if (this.closed) return;
    if (this.reassembler.unacknowledged >= Math.ceil(this.o.windowSize / 2)) this.flushAck();
    else if (this.reassembler.unacknowledged > 0 && this.ackTimer === null) {
      this.ackTimer = this.o.scheduler.setTimer(this.timings.ackDelayMs, () => {
        this.ackTimer = null;
        this.flushAck();
      });
    }
  }

  /**
   * The peer may send up to `window` segments past our last ack; those past the one
   * we expect arrived after a lost one.
   */
  private isAhead(sequence: number, expected: number): boolean {
    const ahead = (sequence - expected) & 0xff;
    const waiting = (expected - ((this.ackSent + 1) & 0xff)) & 0xff;
    return ahead >= 1 && ahead <= this.o.windowSize - 1 - waiting;
  }

  private take(seg: Segment): void {
    const r = this.reassembler.pushSegment(seg);
    this.receivedAny = true;
    if (r.message) {
      this.stats.messagesReceived++;
      this.o.onMessage(r.message);
    }
  }

  private flushAck(): void {
    if (this.closed) return;
    const a = this.reassembler.takeAck();
    if (a !== null) this.sendBareAck(a);
  }

  private sendBareAck(ack: number): void {
    this.noteAckSent(ack);
    this.stats.bareAcksSent++;
    this.o.transmit(this.segmenter.ackOnly(ack));
  }

  private noteAckSent(ack: number): void {
    this.ackSent = ack;
    this.stopTimer("ack");
  }

  private stopTimer(which: "rto" | "ack"): void {
    const t = which === "rto" ? this.rtoTimer : this.ackTimer;
    if (t !== null) this.o.scheduler.cancel(t);
    if (which === "rto") this.rtoTimer = null;
    else this.ackTimer = null;
  }
}
