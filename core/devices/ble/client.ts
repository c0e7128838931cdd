/**
 * Lintel's side of PROTOCOL.md over any GattLink: BTP handshake, SPAKE2+ pairing with
 * the activation code, then sealed commands paired by exchange ids — with per-command
 * timeouts, retries under the same exchange id, and busy (3102) back-off. Error
 * replies become KsError with the IQ's KS code; link failures become BleLinkError
 * (`ble.timeout`, `ble.disconnected`, `ble.protocol`).
 */
import { createHash, randomBytes } from "node:crypto";
import { KsError, ksRow, type KsCode } from "../../errors/index.ts";
import { realScheduler, type Scheduler, type TimerHandle } from "../../ports/scheduler.ts";
import { BTP_VERSION, HANDSHAKE_FLAGS, decodeHandshakeResponse, encodeHandshakeRequest, type HandshakeResponse } from "./btp.ts";
import { toHex } from "./bytes.ts";
import {
  BLE_KS_CODES,
  FW_CHUNK_MAX,
  decodeResponse,
  encodeRequest,
  type DeviceRole,
  type NetworkConfig,
  type Request,
  type Response,
  type TreeNode,
  type WifiNetwork,
} from "./commands.ts";
import { BleCodecError, BleLinkError } from "./errors.ts";
import type { AttachResult, GattLink, IqClient, IqIdentity, IqStatus, TestOpenResult } from "./port.ts";
import {
  SecureChannel,
  decodeSessionFrame,
  deriveSessionKeys,
  deriveW0W1,
  encodeSessionFrame,
  pakeContext,
  proverFinish,
  proverShare,
  randomScalar,
  type RandomBytes,
  type SessionFrame,
} from "./session.ts";
import { BtpEndpoint, type BtpStats, type BtpTimings } from "./transport.ts";

export interface IqSessionTimings {
  /** First wait for the handshake response; doubles on every resend. */
  readonly handshakeTimeoutMs: number;
  readonly handshakeAttempts: number;
  /** Each pairing step (ParamResponse, Pake2, PakeResult). */
  readonly pairingStepTimeoutMs: number;
  /** PROTOCOL.md §5: 10 s per command … */
  readonly commandTimeoutMs: number;
  /** … 30 s for attach, test-open and fw-commit. */
  readonly longCommandTimeoutMs: number;
  /** Sends of one request (same exchange id) before giving up with `ble.timeout`. */
  readonly commandAttempts: number;
  /** Re-sends after a 3102 (busy) reply, with doubling back-off from `busyBackoffMs`. */
  readonly busyRetries: number;
  readonly busyBackoffMs: number;
}

export const DEFAULT_SESSION_TIMINGS: IqSessionTimings = {
  handshakeTimeoutMs: 600,
  handshakeAttempts: 5,
  pairingStepTimeoutMs: 10_000,
  commandTimeoutMs: 10_000,
  longCommandTimeoutMs: 30_000,
  commandAttempts: 3,
  busyRetries: 4,
  busyBackoffMs: 500,
};

const LONG_COMMANDS: ReadonlySet<Request["op"]> = new Set(["attach", "test-open", "fw-commit"]);

export interface IqSessionDeps {
  /** Defaults to the link's own scheduler (the simulator's), else real timers. */
  readonly scheduler?: Scheduler;
  /** Secret randomness for the PAKE; defaults to node:crypto. */
  readonly random?: RandomBytes;
  /** Receive window Lintel offers (1..64). */
  readonly windowSize?: number;
  readonly timings?: Partial<IqSessionTimings>;
  readonly btp?: Partial<BtpTimings>;
  /** Firmware bytes per fw-chunk (1..4000). */
  readonly firmwareChunkSize?: number;
  readonly signal?: AbortSignal;
}

/** What a session did, for diagnostics and the bench's "round trips per step". */
export interface IqSessionStats {
  /** Request transmissions, retries included, per command name ("pairing" for the PAKE). */
  readonly roundTrips: Readonly<Record<string, number>>;
  readonly timeouts: number;
  readonly busyRetries: number;
  readonly handshakeSends: number;
  readonly transport: Readonly<BtpStats> | null;
}

/** Links that know their time source (the simulator's) offer it here. */
interface SchedulerCarrier {
  readonly scheduler?: Scheduler;
}

const cryptoRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n));

export const DEFAULT_WINDOW_SIZE = 16;

/**
 * Connects the session over an open GATT link: handshake, pairing, ready for
 * commands. On failure the link is disconnected and the promise rejects with a
 * KsError (1501 wrong activation code, or the IQ's code) or a BleLinkError.
 */
export async function openIqSession(link: GattLink, activationCode: string, deps: IqSessionDeps = {}): Promise<IqSession> {
  const session = new IqSession(link, deps);
  try {
    await session.start(activationCode);
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

interface PendingExchange {
  readonly exchange: number;
  readonly resolve: (r: Response | null) => void;
}

/** One authenticated session with one IQ (implements the port's IqClient). */
export class IqSession implements IqClient {
  private readonly scheduler: Scheduler;
  private readonly random: RandomBytes;
  private readonly timings: IqSessionTimings;
  private readonly windowSize: number;
  private readonly chunkSize: number;
  private endpoint: BtpEndpoint | null = null;
  private handshake: { readonly response: HandshakeResponse; readonly raw: Uint8Array } | null = null;
  private handshakeWaiter: ((r: HandshakeResponse) => void) | null = null;
  private failure: BleLinkError | null = null;
  private channel: SecureChannel | null = null;
  private readonly inbox: Uint8Array[] = [];
  private inboxWaiter: Waiter<Uint8Array> | null = null;
  private pending: PendingExchange | null = null;
  /** Rejects the one wait in progress when the session fails. */
  private wake: (() => void) | null = null;
  private nextExchange = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private rebooting = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly counts = new Map<string, number>();
  private timeouts = 0;
  private busyRetries = 0;
  private handshakeSends = 0;

  constructor(
    private readonly link: GattLink,
    private readonly deps: IqSessionDeps,
  ) {
    this.scheduler = deps.scheduler ?? (link as GattLink & SchedulerCarrier).scheduler ?? realScheduler();
    this.random = deps.random ?? cryptoRandom;
    this.timings = { ...DEFAULT_SESSION_TIMINGS, ...deps.timings };
    this.windowSize = deps.windowSize ?? DEFAULT_WINDOW_SIZE;
    this.chunkSize = deps.firmwareChunkSize ?? FW_CHUNK_MAX;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1 || this.chunkSize > FW_CHUNK_MAX) throw new RangeError(`firmware chunk size ${this.chunkSize}`);
  }

  stats(): IqSessionStats {
    return {
      roundTrips: Object.fromEntries(this.counts),
      timeouts: this.timeouts,
      busyRetries: this.busyRetries,
      handshakeSends: this.handshakeSends,
      transport: this.endpoint ? { ...this.endpoint.stats } : null,
    };
  }

  /** The negotiated segment size and window, once the handshake is done. */
  get negotiated(): HandshakeResponse | null {
    return this.handshake?.response ?? null;
  }

  /* ---------- start: handshake and pairing ---------- */

  /** @internal Called once by openIqSession. */
  async start(activationCode: string): Promise<void> {
    this.unsubscribe.push(this.link.onNotify((f) => this.onFrame(f)));
    this.unsubscribe.push(this.link.onDisconnect((reason) => this.onLinkDown(reason)));
    const signal = this.deps.signal;
    const onAbort = () => this.fail(new BleLinkError("ble.aborted", "connecting to the IQ was cancelled"));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.doHandshake();
      await this.pair(activationCode);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  private async doHandshake(): Promise<void> {
    const mtu = this.link.mtu >= 23 ? Math.min(517, this.link.mtu) : 0;
    const request = encodeHandshakeRequest({ versions: [BTP_VERSION], attMtu: mtu, windowSize: this.windowSize });
    let wait = this.timings.handshakeTimeoutMs;
    for (let attempt = 1; attempt <= this.timings.handshakeAttempts; attempt++) {
      this.throwIfFailed();
      this.handshakeSends++;
      const sentAt = this.scheduler.now();
      this.write(request);
      const response = await this.waitFor<HandshakeResponse>(wait, (w) => (this.handshakeWaiter = w.resolve), () => (this.handshakeWaiter = null));
      if (response !== null) {
        if (response.version !== BTP_VERSION) throw this.fail(new BleLinkError("ble.protocol", `the IQ chose transport version ${response.version}`));
        if (response.windowSize > this.windowSize) throw this.fail(new BleLinkError("ble.protocol", `the IQ chose window ${response.windowSize} above ours`));
        this.endpoint = new BtpEndpoint({
          segmentSize: response.segmentSize,
          windowSize: response.windowSize,
          scheduler: this.scheduler,
          transmit: (f) => this.write(f),
          onMessage: (m) => this.onMessage(m),
          onFailure: (e) => this.fail(e),
          timings: this.deps.btp,
        });
        // A first-try handshake is a clean round trip: it seeds the retransmission timer.
        if (attempt === 1) this.endpoint.seedRtt(this.scheduler.now() - sentAt);
        return;
      }
      wait *= 2;
    }
    throw this.fail(new BleLinkError("ble.timeout", "the IQ did not answer the transport handshake"));
  }

  private async pair(activationCode: string): Promise<void> {
    const paramRequest = encodeSessionFrame({ type: "paramRequest", initiatorRandom: this.random(32) });
    const params = await this.pairingStep(paramRequest, "paramResponse");
    const ctx = { context: pakeContext(paramRequest, params.raw), idProver: new Uint8Array(0), idVerifier: new Uint8Array(0) };
    const secret = deriveW0W1(activationCode, params.frame.salt, params.frame.iterations);
    const x = randomScalar(this.random);
    const shareP = proverShare(secret.w0, x);
    const pake2 = await this.pairingStep(encodeSessionFrame({ type: "pake1", shareP }), "pake2");
    let confirmP: Uint8Array;
    let kShared: Uint8Array;
    try {
      const ks = proverFinish(ctx, secret, x, shareP, pake2.frame.shareV, pake2.frame.confirmV);
      confirmP = ks.confirmP;
      kShared = ks.kShared;
    } catch (e) {
      if (e instanceof BleCodecError && e.code === "ble.session.confirm") {
        // The IQ proved knowledge of a different code. No Pake3: the IQ counts the attempt as failed.
        throw new KsError(1501, { details: { step: "pake2" } });
      }
      if (e instanceof BleCodecError) throw this.fail(new BleLinkError("ble.protocol", e.message, { codec: e.code }));
      throw e;
    }
    const result = await this.pairingStep(encodeSessionFrame({ type: "pake3", confirmP }), "pakeResult");
    if (result.frame.status !== 0) throw this.ksError(result.frame.status, "", "pake3");
    this.channel = new SecureChannel(deriveSessionKeys(kShared), "initiator");
  }

  /** Sends one pairing frame and waits for the expected answer; a PakeResult ≠ 0 is the IQ's refusal. */
  private async pairingStep<T extends SessionFrame["type"]>(frame: Uint8Array, expect: T): Promise<{ readonly frame: Extract<SessionFrame, { type: T }>; readonly raw: Uint8Array }> {
    this.count("pairing");
    this.endpointOrThrow().send(frame);
    const raw = await this.waitFor<Uint8Array>(
      this.timings.pairingStepTimeoutMs,
      (w) => {
        const m = this.inbox.shift();
        if (m) w.resolve(m);
        else this.inboxWaiter = w;
      },
      () => (this.inboxWaiter = null),
    );
    if (raw === null) throw this.fail(new BleLinkError("ble.timeout", `the IQ did not answer during pairing (waiting for ${expect})`));
    let f: SessionFrame;
    try {
      f = decodeSessionFrame(raw);
    } catch (e) {
      if (e instanceof BleCodecError) throw this.fail(new BleLinkError("ble.protocol", e.message, { codec: e.code }));
      throw e;
    }
    if (f.type === "pakeResult" && f.status !== 0 && expect !== "pakeResult") throw this.ksError(f.status, "", expect);
    if (f.type !== expect) throw this.fail(new BleLinkError("ble.protocol", `expected ${expect} during pairing, got ${f.type}`, { codec: "ble.session.type" }));
    return { frame: f as Extract<SessionFrame, { type: T }>, raw };
  }

  /* ---------- frames in ---------- */

  private onFrame(frame: Uint8Array): void {
    if (this.failure) return;
    if (this.endpoint === null) {
      if (frame[0] !== HANDSHAKE_FLAGS) {
        this.fail(new BleLinkError("ble.protocol", "a segment arrived before the handshake response", { frame: toHex(frame) }));
        return;
      }
      try {
        const r = decodeHandshakeResponse(frame);
        this.handshake = { response: r, raw: frame };
        const w = this.handshakeWaiter;
        this.handshakeWaiter = null;
        w?.(r);
      } catch (e) {
        if (e instanceof BleCodecError) this.fail(new BleLinkError("ble.protocol", e.message, { codec: e.code }));
        else throw e;
      }
      return;
    }
    // A resent handshake answered twice: the copy is harmless.
    if (this.handshake && frame[0] === HANDSHAKE_FLAGS && toHex(frame) === toHex(this.handshake.raw)) return;
    this.endpoint.receive(frame);
  }

  private onMessage(message: Uint8Array): void {
    if (this.channel === null) {
      const w = this.inboxWaiter;
      this.inboxWaiter = null;
      if (w) w.resolve(message);
      else this.inbox.push(message);
      return;
    }
    let env;
    try {
      env = decodeResponse(this.channel.open(message));
    } catch (e) {
      if (e instanceof BleCodecError) {
        this.fail(new BleLinkError("ble.protocol", `the IQ sent a reply Lintel cannot read: ${e.message}`, { codec: e.code }));
        return;
      }
      throw e;
    }
    // Replies to an exchange already answered (a late original after a retry) are dropped.
    const p = this.pending;
    if (p && env.exchange === p.exchange) {
      this.pending = null;
      p.resolve(env.body);
    }
  }

  private onLinkDown(reason: string): void {
    if (this.rebooting) this.fail(new BleLinkError("ble.disconnected", "the IQ restarted; connect again", { reason }));
    else this.fail(new BleLinkError("ble.disconnected", `the Bluetooth link to the IQ dropped (${reason})`, { reason }));
  }

  /* ---------- failure, waiting, writing ---------- */

  /** Records the first failure, tears the link down and wakes every waiter; returns the error to throw. */
  private fail(e: BleLinkError): BleLinkError {
    if (this.failure) return this.failure;
    this.failure = e;
    this.endpoint?.close();
    this.handshakeWaiter = null;
    const iw = this.inboxWaiter;
    this.inboxWaiter = null;
    iw?.reject(e);
    const p = this.pending;
    this.pending = null;
    p?.resolve(null);
    this.wake?.();
    void this.link.disconnect().catch(() => undefined);
    return e;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Waits for `register` to deliver a value, up to `ms`; null on timeout. A failure
   * (disconnect, protocol error) rejects with the failure.
   */
  private waitFor<T>(ms: number, register: (w: Waiter<T>) => void, unregister: () => void): Promise<T | null> {
    this.throwIfFailed();
    return new Promise<T | null>((resolve, reject) => {
      let timer: TimerHandle | null = null;
      const finish = () => {
        if (timer) this.scheduler.cancel(timer);
        unregister();
        this.wake = null;
      };
      this.wake = () => {
        finish();
        reject(this.failure);
      };
      timer = this.scheduler.setTimer(ms, () => {
        timer = null;
        finish();
        resolve(null);
      });
      try {
        register({
          resolve: (v) => {
            finish();
            resolve(v);
          },
          reject: (e) => {
            finish();
            reject(e);
          },
        });
      } catch (e) {
        finish();
        reject(e);
      }
    });
  }

  private write(frame: Uint8Array): void {
    this.writes = this.writes
      .then(() => (this.failure ? undefined : this.link.write(frame)))
      .catch((e: unknown) => {
        this.fail(e instanceof BleLinkError ? e : new BleLinkError("ble.disconnected", `writing to the IQ failed: ${e instanceof Error ? e.message : String(e)}`));
      });
  }

  private endpointOrThrow(): BtpEndpoint {
    this.throwIfFailed();
    if (!this.endpoint) throw new BleLinkError("ble.protocol", "no transport yet");
    return this.endpoint;
  }

  private count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  private ksError(code: number, detail: string, op: string): KsError | BleLinkError {
    if (!(BLE_KS_CODES as readonly number[]).includes(code) || !ksRow(code)) {
      return this.fail(new BleLinkError("ble.protocol", `the IQ answered with KS code ${code}, which version 1 does not use`));
    }
    const row = ksRow(code)!;
    return new KsError(code as KsCode, { message: detail ? `${row.message} (${detail})` : row.message, details: { op, detail } });
  }

  /* ---------- commands ---------- */

  /** One request at a time (PROTOCOL.md §5): calls queue behind each other. */
  private request<K extends Request["op"]>(body: Extract<Request, { op: K }>): Promise<Extract<Response, { op: K }>> {
    const run = this.queue.then(() => this.exchangeOnce(body));
    this.queue = run.catch(() => undefined);
    return run as Promise<Extract<Response, { op: K }>>;
  }

  private async exchangeOnce(body: Request): Promise<Response> {
    this.throwIfFailed();
    const channel = this.channel;
    if (!channel) throw new BleLinkError("ble.protocol", "the session is not established");
    const exchange = this.nextExchange;
    this.nextExchange = this.nextExchange >= 0xffff ? 1 : this.nextExchange + 1;
    const plain = encodeRequest({ exchange, body });
    const timeout = LONG_COMMANDS.has(body.op) ? this.timings.longCommandTimeoutMs : this.timings.commandTimeoutMs;
    let sends = 0;
    let busy = 0;
    for (;;) {
      sends++;
      this.count(body.op);
      const reply = await this.waitFor<Response>(
        timeout,
        (w) => {
          this.pending = { exchange, resolve: (r) => (r ? w.resolve(r) : w.reject(this.failure)) };
          this.endpointOrThrow().send(channel.seal(plain));
        },
        () => (this.pending = null),
      );
      if (reply === null) {
        this.timeouts++;
        if (sends >= this.timings.commandAttempts) {
          throw new BleLinkError("ble.timeout", `the IQ did not answer ${body.op} after ${sends} tries of ${timeout / 1000} s`, { op: body.op, exchange });
        }
        continue; // same exchange id: the IQ replays its reply if it already acted
      }
      if (reply.op === "error") {
        if (reply.code === 3102 && busy < this.timings.busyRetries) {
          busy++;
          this.busyRetries++;
          sends = 0;
          await this.scheduler.sleep(this.timings.busyBackoffMs * 2 ** (busy - 1));
          this.throwIfFailed();
          continue;
        }
        throw this.ksError(reply.code, reply.detail, body.op);
      }
      if (reply.op !== body.op) throw this.fail(new BleLinkError("ble.protocol", `asked ${body.op}, the IQ answered ${reply.op}`, { exchange }));
      return reply;
    }
  }

  identify(): Promise<IqIdentity> {
    return this.request({ op: "identify" });
  }

  async setNetwork(config: NetworkConfig): Promise<void> {
    await this.request({ op: "network-set", config });
  }

  async wifiScan(): Promise<readonly WifiNetwork[]> {
    return (await this.request({ op: "wifi-scan" })).networks;
  }

  status(): Promise<IqStatus> {
    return this.request({ op: "status" });
  }

  attach(role: DeviceRole, deviceId: string, parentDeviceId: string | null): Promise<AttachResult> {
    return this.request({ op: "attach", role, deviceId, parentDeviceId });
  }

  async detach(deviceId: string): Promise<void> {
    await this.request({ op: "detach", deviceId });
  }

  async readTree(): Promise<readonly TreeNode[]> {
    return (await this.request({ op: "read-tree" })).nodes;
  }

  async blink(seconds: number): Promise<void> {
    await this.request({ op: "blink", seconds });
  }

  testOpen(deviceId: string): Promise<TestOpenResult> {
    return this.request({ op: "test-open", deviceId });
  }

  async updateFirmware(image: Uint8Array, version: string, onProgress?: (sentBytes: number, totalBytes: number) => void): Promise<void> {
    const sha256 = new Uint8Array(createHash("sha256").update(image).digest());
    const total = image.length;
    const begin = await this.request({ op: "fw-begin", imageSize: total, sha256, version });
    if (begin.resumeOffset > total) throw this.fail(new BleLinkError("ble.protocol", `the IQ resumes at ${begin.resumeOffset}, past the image's ${total} bytes`));
    let offset = begin.resumeOffset;
    onProgress?.(offset, total);
    // Every chunk moves forward unless the IQ corrects the offset; bound the corrections.
    let budget = Math.ceil(total / this.chunkSize) * 2 + 4;
    while (offset < total) {
      if (budget-- <= 0) throw this.fail(new BleLinkError("ble.protocol", "the IQ keeps moving the firmware offset"));
      const data = image.subarray(offset, Math.min(total, offset + this.chunkSize));
      const r = await this.request({ op: "fw-chunk", offset, data });
      if (r.nextOffset > total) throw this.fail(new BleLinkError("ble.protocol", `the IQ expects offset ${r.nextOffset}, past the image`));
      offset = r.nextOffset;
      onProgress?.(offset, total);
    }
    this.rebooting = true;
    try {
      await this.request({ op: "fw-commit" });
    } catch (e) {
      this.rebooting = false;
      throw e;
    }
  }

  async factoryReset(): Promise<void> {
    this.rebooting = true;
    try {
      await this.request({ op: "factory-reset" });
    } catch (e) {
      this.rebooting = false;
      throw e;
    }
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    if (!this.failure) this.fail(new BleLinkError("ble.disconnected", "the session was closed"));
    await this.writes;
    await this.link.disconnect().catch(() => undefined);
  }
}
