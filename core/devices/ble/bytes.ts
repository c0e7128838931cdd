import { BleCodecError } from "./errors.ts";

/** UTF-8 must be valid on the wire: a lenient decoder would hide firmware bugs. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });
const UTF8_OUT = new TextEncoder();

/**
 * Reads little-endian fields from a frame; running off the end is a typed
 * `ble.frame.truncated`, never a RangeError.
 */
export class ByteReader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) {
      throw new BleCodecError("ble.frame.truncated", `${what}: need ${n} byte(s), ${this.remaining} left`);
    }
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.bytes[this.at++] ?? 0;
  }

  i8(what = "i8"): number {
    const v = this.u8(what);
    return v >= 0x80 ? v - 0x100 : v;
  }

  u16(what = "u16"): number {
    this.need(2, what);
    const v = (this.bytes[this.at] ?? 0) | ((this.bytes[this.at + 1] ?? 0) << 8);
    this.at += 2;
    return v;
  }

  u32(what = "u32"): number {
    this.need(4, what);
    const b = this.bytes;
    const v = ((b[this.at] ?? 0) | ((b[this.at + 1] ?? 0) << 8) | ((b[this.at + 2] ?? 0) << 16)) + (b[this.at + 3] ?? 0) * 0x1000000;
    this.at += 4;
    return v;
  }

  take(n: number, what = "bytes"): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  rest(): Uint8Array {
    return this.take(this.remaining, "rest");
  }

  /** A string prefixed by its byte length (u8), UTF-8, at most `max` bytes. */
  str8(what: string, max = 255): string {
    const len = this.u8(`${what} length`);
    if (len > max) throw new BleCodecError("ble.frame.field", `${what}: ${len} bytes, at most ${max}`);
    const raw = this.take(len, what);
    try {
      return UTF8.decode(raw);
    } catch {
      throw new BleCodecError("ble.frame.utf8", `${what}: not valid UTF-8`);
    }
  }

  /** Every frame has an exact size: bytes left over mean the peer speaks another layout. */
  end(what: string): void {
    if (this.remaining !== 0) throw new BleCodecError("ble.frame.trailing", `${what}: ${this.remaining} unexpected trailing byte(s)`);
  }
}

/** Builds a frame; values out of range are refused rather than silently wrapped. */
export class ByteWriter {
  private readonly parts: number[] = [];

  private range(v: number, max: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new BleCodecError("ble.frame.field", `${what}: ${v} is out of range 0..${max}`);
  }

  u8(v: number, what = "u8"): this {
    this.range(v, 0xff, what);
    this.parts.push(v);
    return this;
  }

  i8(v: number, what = "i8"): this {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new BleCodecError("ble.frame.field", `${what}: ${v} is out of range -128..127`);
    this.parts.push(v & 0xff);
    return this;
  }

  u16(v: number, what = "u16"): this {
    this.range(v, 0xffff, what);
    this.parts.push(v & 0xff, v >>> 8);
    return this;
  }

  u32(v: number, what = "u32"): this {
    this.range(v, 0xffffffff, what);
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    return this;
  }

  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }

  str8(s: string, what: string, max = 255): this {
    const raw = UTF8_OUT.encode(s);
    if (raw.length > max) throw new BleCodecError("ble.frame.field", `${what}: ${raw.length} bytes, at most ${max}`);
    return this.u8(raw.length).bytes(raw);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Lower-case hex, as the spec's worked examples print bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Parses hex written with optional spaces (spec examples); for tests and fixtures. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new BleCodecError("ble.frame.field", "not an even-length hex string");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
