/**
 * The session layer (PROTOCOL.md §4): SPAKE2+ (RFC 9383, P256-SHA256-HKDF-SHA256-
 * HMAC-SHA256) keyed by the IQ's activation code as Matter's PASE does, HKDF for the
 * session keys, AES-128-CCM with strictly increasing counters. Randomness is passed
 * in; curve maths is @noble/curves, hashing and ciphers are Node's crypto.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { ByteReader, ByteWriter, fromHex } from "./bytes.ts";
import { BleCodecError } from "./errors.ts";

type Point = ReturnType<typeof p256.Point.fromBytes>;
const Point = p256.Point;
const ORDER = p256.Point.Fn.ORDER;

/** RFC 9383 §4 fixed points for P-256 (uncompressed SEC1). */
export const SPAKE2P_M = fromHex(
  "04886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20",
);
export const SPAKE2P_N = fromHex(
  "04d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b4907d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e656edbe7",
);
const M = Point.fromBytes(SPAKE2P_M);
const N = Point.fromBytes(SPAKE2P_N);

export const PBKDF_MIN_ITERATIONS = 1000;
export const PBKDF_MAX_ITERATIONS = 100_000;
export const SALT_MIN = 16;
export const SALT_MAX = 32;
/** Prefix of the SPAKE2+ context, hashed with both parameter frames (Matter's PASE does the same). */
export const CONTEXT_PREFIX = "Lintel IQ PAKE v1";
export const TAG_SIZE = 16;

/** Randomness is injected: tests and the simulator pass a seeded source. */
export type RandomBytes = (n: number) => Uint8Array;

function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function scalarToBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let x = v;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function le64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * w0 and w1 from the activation code: PBKDF2-HMAC-SHA256 over its UTF-8 bytes, 80
 * bytes out, each 40-byte half reduced mod the group order (Matter §3.9, RFC 9383 §3.2).
 */
export function deriveW0W1(activationCode: string, salt: Uint8Array, iterations: number): { readonly w0: bigint; readonly w1: bigint } {
  checkParams(salt.length, iterations);
  const out = new Uint8Array(pbkdf2Sync(new TextEncoder().encode(activationCode), salt, iterations, 80, "sha256"));
  return { w0: toBig(out.subarray(0, 40)) % ORDER, w1: toBig(out.subarray(40, 80)) % ORDER };
}

function checkParams(saltLength: number, iterations: number): void {
  if (saltLength < SALT_MIN || saltLength > SALT_MAX) throw new BleCodecError("ble.session.param", `salt of ${saltLength} bytes; ${SALT_MIN}..${SALT_MAX} allowed`);
  if (!Number.isInteger(iterations) || iterations < PBKDF_MIN_ITERATIONS || iterations > PBKDF_MAX_ITERATIONS) {
    throw new BleCodecError("ble.session.param", `${iterations} PBKDF2 iterations; ${PBKDF_MIN_ITERATIONS}..${PBKDF_MAX_ITERATIONS} allowed`);
  }
}

/** L = w1·P: what the IQ stores instead of w1, so a stolen IQ cannot impersonate Lintel. */
export function registrationRecord(w1: bigint): Uint8Array {
  return Point.BASE.multiply(w1).toBytes(false);
}

/** A uniform non-zero scalar from 40 random bytes (bias below 2^-64). */
export function randomScalar(random: RandomBytes): bigint {
  return (toBig(random(40)) % (ORDER - 1n)) + 1n;
}

function decodePoint(bytes: Uint8Array, what: string): Point {
  if (bytes.length !== 65 || bytes[0] !== 0x04) throw new BleCodecError("ble.session.point", `${what} is not an uncompressed P-256 point`);
  let p: Point;
  try {
    p = Point.fromBytes(bytes);
    p.assertValidity();
  } catch {
    throw new BleCodecError("ble.session.point", `${what} is not on P-256`);
  }
  if (p.equals(Point.ZERO)) throw new BleCodecError("ble.session.point", `${what} is the identity`);
  return p;
}

function encodeNonIdentity(p: Point, what: string): Uint8Array {
  if (p.equals(Point.ZERO)) throw new BleCodecError("ble.session.point", `${what} is the identity`);
  return p.toBytes(false);
}

/** Identities and context bound into the transcript. */
export interface Spake2pContext {
  readonly context: Uint8Array;
  readonly idProver: Uint8Array;
  readonly idVerifier: Uint8Array;
}

/** Every value of RFC 9383's key schedule, so tests can check each against Appendix C. */
export interface KeySchedule {
  readonly tt: Uint8Array;
  readonly kMain: Uint8Array;
  readonly kConfirmP: Uint8Array;
  readonly kConfirmV: Uint8Array;
  readonly confirmP: Uint8Array;
  readonly confirmV: Uint8Array;
  readonly kShared: Uint8Array;
}

function keySchedule(ctx: Spake2pContext, shareP: Uint8Array, shareV: Uint8Array, z: Uint8Array, v: Uint8Array, w0: bigint): KeySchedule {
  const w0b = scalarToBytes(w0);
  const tt = concat(
    ...[ctx.context, ctx.idProver, ctx.idVerifier, SPAKE2P_M, SPAKE2P_N, shareP, shareV, z, v, w0b].flatMap((p) => [le64(p.length), p]),
  );
  const kMain = new Uint8Array(createHash("sha256").update(tt).digest());
  const keys = new Uint8Array(hkdfSync("sha256", kMain, new Uint8Array(0), "ConfirmationKeys", 64));
  const kConfirmP = keys.slice(0, 32);
  const kConfirmV = keys.slice(32, 64);
  const kShared = new Uint8Array(hkdfSync("sha256", kMain, new Uint8Array(0), "SharedKey", 32));
  const confirmP = new Uint8Array(createHmac("sha256", kConfirmP).update(shareV).digest());
  const confirmV = new Uint8Array(createHmac("sha256", kConfirmV).update(shareP).digest());
  return { tt, kMain, kConfirmP, kConfirmV, confirmP, confirmV, kShared };
}

/** Prover (Lintel): shareP = x·P + w0·M. */
export function proverShare(w0: bigint, x: bigint): Uint8Array {
  return encodeNonIdentity(Point.BASE.multiply(x).add(M.multiply(w0)), "shareP");
}

/** Verifier (IQ): from shareP, its share, its confirmation and what it expects back. */
export function verifierRespond(
  ctx: Spake2pContext,
  record: { readonly w0: bigint; readonly L: Uint8Array },
  y: bigint,
  shareP: Uint8Array,
): KeySchedule & { readonly shareV: Uint8Array } {
  const X = decodePoint(shareP, "shareP");
  const L = decodePoint(record.L, "L");
  const shareV = encodeNonIdentity(Point.BASE.multiply(y).add(N.multiply(record.w0)), "shareV");
  const unmasked = X.subtract(M.multiply(record.w0));
  const z = encodeNonIdentity(unmasked.multiply(y), "Z");
  const v = encodeNonIdentity(L.multiply(y), "V");
  return { shareV, ...keySchedule(ctx, shareP, shareV, z, v, record.w0) };
}

/** Prover: checks the IQ's confirmation (`ble.session.confirm` = wrong activation code) and returns its own. */
export function proverFinish(
  ctx: Spake2pContext,
  secret: { readonly w0: bigint; readonly w1: bigint },
  x: bigint,
  shareP: Uint8Array,
  shareV: Uint8Array,
  confirmV: Uint8Array,
): KeySchedule {
  const Y = decodePoint(shareV, "shareV");
  const unmasked = Y.subtract(N.multiply(secret.w0));
  const z = encodeNonIdentity(unmasked.multiply(x), "Z");
  const v = encodeNonIdentity(unmasked.multiply(secret.w1), "V");
  const ks = keySchedule(ctx, shareP, shareV, z, v, secret.w0);
  checkConfirmation(ks.confirmV, confirmV);
  return ks;
}

/** Constant-time comparison of a received confirmation. */
export function checkConfirmation(expected: Uint8Array, received: Uint8Array): void {
  if (received.length !== expected.length || !timingSafeEqual(expected, received)) {
    throw new BleCodecError("ble.session.confirm", "key confirmation failed: wrong activation code or tampered exchange");
  }
}

/** The SPAKE2+ context for one pairing: both parameter frames, as sent, hashed. */
export function pakeContext(paramRequest: Uint8Array, paramResponse: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(CONTEXT_PREFIX).update(paramRequest).update(paramResponse).digest());
}

export interface SessionKeys {
  /** Initiator (Lintel) to responder (IQ). */
  readonly i2r: Uint8Array;
  readonly r2i: Uint8Array;
  /** Bound into later attestation; unused in v1 but derived so the layout is fixed. */
  readonly challenge: Uint8Array;
}

/** HKDF-SHA256(K_shared, salt = empty, info = "SessionKeys") → 48 bytes, split as in Matter. */
export function deriveSessionKeys(kShared: Uint8Array): SessionKeys {
  const k = new Uint8Array(hkdfSync("sha256", kShared, new Uint8Array(0), "SessionKeys", 48));
  return { i2r: k.slice(0, 16), r2i: k.slice(16, 32), challenge: k.slice(32, 48) };
}

/* ---------------- session frames ---------------- */

export const SESSION_TYPES = {
  paramRequest: 0x10,
  paramResponse: 0x11,
  pake1: 0x12,
  pake2: 0x13,
  pake3: 0x14,
  pakeResult: 0x15,
  secure: 0x20,
} as const;

export type SessionFrame =
  | { readonly type: "paramRequest"; readonly initiatorRandom: Uint8Array }
  | { readonly type: "paramResponse"; readonly responderRandom: Uint8Array; readonly iterations: number; readonly salt: Uint8Array }
  | { readonly type: "pake1"; readonly shareP: Uint8Array }
  | { readonly type: "pake2"; readonly shareV: Uint8Array; readonly confirmV: Uint8Array }
  | { readonly type: "pake3"; readonly confirmP: Uint8Array }
  /** 0 = session established; otherwise a KS code (1501 wrong activation code). */
  | { readonly type: "pakeResult"; readonly status: number }
  | { readonly type: "secure"; readonly counter: number; readonly sealed: Uint8Array };

function fixed(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new BleCodecError("ble.frame.field", `${what} is ${n} bytes, got ${b.length}`);
}

export function encodeSessionFrame(f: SessionFrame): Uint8Array {
  const w = new ByteWriter().u8(SESSION_TYPES[f.type]);
  switch (f.type) {
    case "paramRequest":
      fixed(f.initiatorRandom, 32, "initiator random");
      return w.bytes(f.initiatorRandom).finish();
    case "paramResponse":
      fixed(f.responderRandom, 32, "responder random");
      checkParams(f.salt.length, f.iterations);
      return w.bytes(f.responderRandom).u32(f.iterations).u8(f.salt.length).bytes(f.salt).finish();
    case "pake1":
      fixed(f.shareP, 65, "shareP");
      return w.bytes(f.shareP).finish();
    case "pake2":
      fixed(f.shareV, 65, "shareV");
      fixed(f.confirmV, 32, "confirmV");
      return w.bytes(f.shareV).bytes(f.confirmV).finish();
    case "pake3":
      fixed(f.confirmP, 32, "confirmP");
      return w.bytes(f.confirmP).finish();
    case "pakeResult":
      return w.u16(f.status, "status").finish();
    case "secure":
      if (f.counter < 1) throw new BleCodecError("ble.frame.field", "counters start at 1");
      if (f.sealed.length < TAG_SIZE) throw new BleCodecError("ble.frame.truncated", "sealed payload shorter than its tag");
      return w.u32(f.counter, "counter").bytes(f.sealed).finish();
  }
}

export function decodeSessionFrame(bytes: Uint8Array): SessionFrame {
  const r = new ByteReader(bytes);
  const t = r.u8("session frame type");
  let f: SessionFrame;
  switch (t) {
    case SESSION_TYPES.paramRequest:
      f = { type: "paramRequest", initiatorRandom: r.take(32, "initiator random") };
      break;
    case SESSION_TYPES.paramResponse: {
      const responderRandom = r.take(32, "responder random");
      const iterations = r.u32("iterations");
      const saltLength = r.u8("salt length");
      checkParams(saltLength, iterations);
      f = { type: "paramResponse", responderRandom, iterations, salt: r.take(saltLength, "salt") };
      break;
    }
    case SESSION_TYPES.pake1:
      f = { type: "pake1", shareP: r.take(65, "shareP") };
      break;
    case SESSION_TYPES.pake2:
      f = { type: "pake2", shareV: r.take(65, "shareV"), confirmV: r.take(32, "confirmV") };
      break;
    case SESSION_TYPES.pake3:
      f = { type: "pake3", confirmP: r.take(32, "confirmP") };
      break;
    case SESSION_TYPES.pakeResult:
      f = { type: "pakeResult", status: r.u16("status") };
      break;
    case SESSION_TYPES.secure: {
      const counter = r.u32("counter");
      if (counter < 1) throw new BleCodecError("ble.frame.field", "counters start at 1");
      const sealed = r.rest();
      if (sealed.length < TAG_SIZE) throw new BleCodecError("ble.frame.truncated", "sealed payload shorter than its tag");
      return { type: "secure", counter, sealed };
    }
    default:
      throw new BleCodecError("ble.session.type", `unknown session frame type 0x${t.toString(16)}`);
  }
  r.end(f.type);
  return f;
}

/** 13-byte CCM nonce: direction (0 = I2R, 1 = R2I), counter u32 LE, 8 zero bytes. */
export function nonce(direction: 0 | 1, counter: number): Uint8Array {
  const n = new Uint8Array(13);
  n[0] = direction;
  new DataView(n.buffer).setUint32(1, counter, true);
  return n;
}

/**
 * One side of an established session. Counters start at 1 and only go up; a frame
 * whose counter is not above the last accepted one is a replay or reordering and
 * is refused before decryption.
 */
export class SecureChannel {
  private sendCounter = 0;
  private lastReceived = 0;
  constructor(
    private readonly keys: SessionKeys,
    private readonly role: "initiator" | "responder",
  ) {}

  seal(plaintext: Uint8Array): Uint8Array {
    if (this.sendCounter >= 0xffffffff) throw new BleCodecError("ble.session.counter_exhausted", "send counter exhausted: pair again");
    const counter = ++this.sendCounter;
    const dir = this.role === "initiator" ? 0 : 1;
    const key = dir === 0 ? this.keys.i2r : this.keys.r2i;
    const aad = new ByteWriter().u8(SESSION_TYPES.secure).u32(counter).finish();
    const c = createCipheriv("aes-128-ccm", key, nonce(dir, counter), { authTagLength: TAG_SIZE });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    c.final();
    return concat(aad, body, c.getAuthTag());
  }

  open(frame: Uint8Array): Uint8Array {
    const f = decodeSessionFrame(frame);
    if (f.type !== "secure") throw new BleCodecError("ble.session.type", `expected a secure frame, got ${f.type}`);
    if (f.counter <= this.lastReceived) throw new BleCodecError("ble.session.replay", `counter ${f.counter} is not above ${this.lastReceived}`);
    const dir = this.role === "initiator" ? 1 : 0;
    const key = dir === 0 ? this.keys.i2r : this.keys.r2i;
    const cut = f.sealed.length - TAG_SIZE;
    let plain: Uint8Array;
    try {
      const d = createDecipheriv("aes-128-ccm", key, nonce(dir, f.counter), { authTagLength: TAG_SIZE });
      d.setAuthTag(f.sealed.subarray(cut));
      d.setAAD(frame.subarray(0, 5), { plaintextLength: cut });
      plain = new Uint8Array(d.update(f.sealed.subarray(0, cut)));
      d.final();
    } catch {
      throw new BleCodecError("ble.session.auth", "frame failed authentication");
    }
    this.lastReceived = f.counter;
    return plain;
  }
}
