/**
 * The IQ's side of PROTOCOL.md for one connection: answers the BTP handshake, runs the
 * verifier side of SPAKE2+ from the registration record (never the code), then opens
 * requests, carries them out on the SimIq and seals the replies — replaying the reply
 * to a repeated exchange id instead of acting twice. Everything a firmware would have
 * to do, in the order the document says it.
 */
import type { Scheduler, TimerHandle } from "../../../ports/scheduler.ts";
import { BTP_VERSION, HANDSHAKE_FLAGS, decodeHandshakeRequest, encodeHandshakeResponse, negotiateHandshake, type HandshakeResponse } from "../btp.ts";
import { ByteReader } from "../bytes.ts";
import { decodeRequest, encodeResponse, type Response } from "../commands.ts";
import { BleCodecError } from "../errors.ts";
import {
  SecureChannel,
  checkConfirmation,
  decodeSessionFrame,
  deriveSessionKeys,
  encodeSessionFrame,
  pakeContext,
  randomScalar,
  verifierRespond,
  type RandomBytes,
} from "../session.ts";
import { BtpEndpoint, type BtpTimings } from "../transport.ts";
import type { SimIq } from "./iq.ts";
import type { PeripheralPort } from "./link.ts";

/** The IQ drops a connection that has not paired within this time (PROTOCOL.md §3.3). */
export const UNPAIRED_IDLE_MS = 60_000;

type Phase =
  | { readonly kind: "params" }
  | { readonly kind: "pake1"; readonly paramRequest: Uint8Array; readonly paramResponse: Uint8Array }
  | { readonly kind: "computing" }
  | { readonly kind: "pake3"; readonly expectedConfirmP: Uint8Array; readonly kShared: Uint8Array }
  | { readonly kind: "secure"; readonly channel: SecureChannel }
  | { readonly kind: "closing" };

export interface IqConnectionOptions {
  readonly scheduler: Scheduler;
  readonly random: RandomBytes;
  readonly btp?: Partial<BtpTimings>;
}

export class IqConnection {
  private handshake: HandshakeResponse | null = null;
  private segmentsSeen = false;
  private answeredAt = 0;
  private endpoint: BtpEndpoint | null = null;
  private phase: Phase = { kind: "params" };
  private idleTimer: TimerHandle | null;
  private closed = false;
  /** Per session: the exchange being carried out, and the last one answered with its reply. */
  private working: number | null = null;
  private last: { readonly exchange: number; readonly reply: Uint8Array } | null = null;
  private readonly stopReboot: () => void;

  constructor(
    private readonly iq: SimIq,
    private readonly port: PeripheralPort,
    private readonly o: IqConnectionOptions,
  ) {
    port.onWrite((f) => this.onWrite(f));
    port.onDisconnect(() => this.onDown());
    this.stopReboot = iq.onReboot(() => this.drop("rebooting"));
    this.idleTimer = o.scheduler.setTimer(UNPAIRED_IDLE_MS, () => this.drop("no session within 60 s"));
  }

  get isPaired(): boolean {
    return this.phase.kind === "secure";
  }

  private onWrite(frame: Uint8Array): void {
    if (this.closed) return;
    try {
      if (frame[0] === HANDSHAKE_FLAGS) {
        if (this.segmentsSeen) throw new BleCodecError("ble.btp.handshake", "handshake after the first segment");
        this.answerHandshake(frame);
        return;
      }
      if (!this.endpoint) throw new BleCodecError("ble.btp.handshake", "segment before the handshake");
      // Handshake answer out, first segment back: one round trip, to seed the retransmission timer.
      if (!this.segmentsSeen) this.endpoint.seedRtt(this.o.scheduler.now() - this.answeredAt);
      this.segmentsSeen = true;
      this.endpoint.receive(frame);
    } catch (e) {
      if (e instanceof BleCodecError) this.drop(e.code);
      else throw e;
    }
  }

  private answerHandshake(frame: Uint8Array): void {
    const req = decodeHandshakeRequest(frame);
    let res: HandshakeResponse;
    try {
      res = negotiateHandshake(req, { versions: [BTP_VERSION], attMtu: this.port.mtu, maxWindowSize: this.iq.maxWindowSize });
    } catch (e) {
      // No common version: disconnect without answering (§3.2).
      if (e instanceof BleCodecError) return this.drop(e.code);
      throw e;
    }
    if (!this.handshake) {
      this.handshake = res;
      this.endpoint = new BtpEndpoint({
        segmentSize: res.segmentSize,
        windowSize: res.windowSize,
        scheduler: this.o.scheduler,
        transmit: (f) => this.port.notify(f),
        onMessage: (m) => this.onMessage(m),
        onFailure: (e) => this.drop(e.code),
        timings: this.o.btp,
      });
    }
    // A resent request (our answer was lost) gets the same answer again.
    this.answeredAt = this.o.scheduler.now();
    this.port.notify(encodeHandshakeResponse(this.handshake));
  }

  private send(message: Uint8Array): void {
    if (!this.closed) this.endpoint?.send(message);
  }

  private onMessage(message: Uint8Array): void {
    try {
      this.dispatch(message);
    } catch (e) {
      if (e instanceof BleCodecError) this.drop(e.code);
      else throw e;
    }
  }

  private dispatch(message: Uint8Array): void {
    const p = this.phase;
    switch (p.kind) {
      case "params": {
        const f = decodeSessionFrame(message);
        if (f.type !== "paramRequest") throw new BleCodecError("ble.session.type", `expected paramRequest, got ${f.type}`);
        const paramResponse = encodeSessionFrame({
          type: "paramResponse",
          responderRandom: this.o.random(32),
          iterations: this.iq.verifier.iterations,
          salt: this.iq.verifier.salt,
        });
        this.phase = { kind: "pake1", paramRequest: message, paramResponse };
        this.send(paramResponse);
        return;
      }
      case "pake1": {
        const f = decodeSessionFrame(message);
        if (f.type !== "pake1") throw new BleCodecError("ble.session.type", `expected pake1, got ${f.type}`);
        if (this.iq.pairingLocked) return this.refusePairing();
        const ctx = { context: pakeContext(p.paramRequest, p.paramResponse), idProver: new Uint8Array(0), idVerifier: new Uint8Array(0) };
        const r = verifierRespond(ctx, { w0: this.iq.verifier.w0, L: this.iq.verifier.L }, randomScalar(this.o.random), f.shareP);
        this.phase = { kind: "computing" };
        this.iq.busyMs += this.iq.latencies.pake;
        this.o.scheduler.setTimer(this.iq.latencies.pake, () => {
          if (this.closed) return;
          // From here until a valid Pake3, this connection counts as a failed guess.
          this.phase = { kind: "pake3", expectedConfirmP: r.confirmP, kShared: r.kShared };
          this.send(encodeSessionFrame({ type: "pake2", shareV: r.shareV, confirmV: r.confirmV }));
        });
        return;
      }
      case "computing":
        throw new BleCodecError("ble.session.type", "a frame while the IQ computes Pake2");
      case "pake3": {
        const f = decodeSessionFrame(message);
        if (f.type !== "pake3") throw new BleCodecError("ble.session.type", `expected pake3, got ${f.type}`);
        try {
          checkConfirmation(p.expectedConfirmP, f.confirmP);
        } catch {
          this.iq.recordPakeFailure();
          return this.refusePairing();
        }
        this.phase = { kind: "secure", channel: new SecureChannel(deriveSessionKeys(p.kShared), "responder") };
        if (this.idleTimer) this.o.scheduler.cancel(this.idleTimer);
        this.idleTimer = null;
        this.send(encodeSessionFrame({ type: "pakeResult", status: 0 }));
        return;
      }
      case "secure":
        return this.onRequest(p.channel, p.channel.open(message));
      case "closing":
        return;
    }
  }

  /** PakeResult 1501, then hang up once it is acknowledged (or after 2 s). */
  private refusePairing(): void {
    this.phase = { kind: "closing" };
    this.send(encodeSessionFrame({ type: "pakeResult", status: 1501 }));
    const endpoint = this.endpoint;
    const timer = this.o.scheduler.setTimer(2000, () => this.drop("wrong activation code"));
    void endpoint?.drained().then(() => {
      this.o.scheduler.cancel(timer);
      this.drop("wrong activation code");
    });
  }

  private onRequest(channel: SecureChannel, plain: Uint8Array): void {
    let env;
    try {
      env = decodeRequest(plain);
    } catch (e) {
      if (!(e instanceof BleCodecError) || plain.length < 3) throw e;
      // Readable header, unreadable body: say which exchange was refused (§5).
      const r = new ByteReader(plain);
      r.u8();
      this.sendReply(channel, r.u16(), { op: "error", code: 1101, detail: `${e.code}: ${e.message}`.slice(0, 128) }, false);
      return;
    }
    const { exchange, body } = env;
    if (this.last && this.last.exchange === exchange) {
      // A retry: replay, never act twice (a lost-replies fault swallows replays too).
      if (this.iq.faults.loseReplies > 0) this.iq.faults.loseReplies--;
      else this.send(channel.seal(this.last.reply));
      return;
    }
    if (this.working === exchange) return; // a retry while still working: the reply is coming
    if (this.iq.faults.busy > 0) {
      this.iq.faults.busy--;
      this.sendReply(channel, exchange, { op: "error", code: 3102, detail: "busy" }, false);
      return;
    }
    this.working = exchange;
    const outcome = this.iq.execute(body);
    this.o.scheduler.setTimer(outcome.delayMs, () => {
      if (this.closed) return;
      this.working = null;
      this.sendReply(channel, exchange, outcome.response, true);
      if (outcome.rebootAfter) {
        const endpoint = this.endpoint;
        const reboot = () => {
          if (!this.closed) this.iq.reboot();
        };
        const timer = this.o.scheduler.setTimer(2000, reboot);
        void endpoint?.drained().then(() => {
          this.o.scheduler.cancel(timer);
          reboot();
        });
      }
    });
  }

  private sendReply(channel: SecureChannel, exchange: number, response: Response, remember: boolean): void {
    const reply = encodeResponse({ exchange, body: response });
    if (remember) this.last = { exchange, reply };
    if (remember && this.iq.faults.loseReplies > 0) {
      this.iq.faults.loseReplies--;
      return;
    }
    this.send(channel.seal(reply));
  }

  /** The IQ ends the connection. */
  drop(reason: string): void {
    if (this.closed) return;
    this.port.disconnect(reason);
    this.onDown();
  }

  private onDown(): void {
    if (this.closed) return;
    this.closed = true;
    // Pake2 went out and no valid Pake3 came back: a wrong guess, for the brake.
    if (this.phase.kind === "pake3") this.iq.recordPakeFailure();
    this.phase = { kind: "closing" };
    this.endpoint?.close();
    if (this.idleTimer) this.o.scheduler.cancel(this.idleTimer);
    this.idleTimer = null;
    this.stopReboot();
  }
}
