/**
 * Application commands carried inside the secure session (PROTOCOL.md §5): one
 * fixed little-endian layout per opcode, so the IQ firmware needs no parser
 * library. Every decoder checks exact length, ranges and enums.
 */
import { ByteReader, ByteWriter } from "./bytes.ts";
import { BleCodecError } from "./errors.ts";

export const OPCODES = {
  identify: 0x01,
  "network-set": 0x02,
  "wifi-scan": 0x03,
  status: 0x04,
  attach: 0x05,
  detach: 0x06,
  "read-tree": 0x07,
  blink: 0x08,
  "test-open": 0x09,
  "fw-begin": 0x0a,
  "fw-chunk": 0x0b,
  "fw-commit": 0x0c,
  "factory-reset": 0x0d,
} as const;
export type CommandName = keyof typeof OPCODES;
/** Replies set the top bit of the request's opcode. */
export const RESPONSE_BIT = 0x80;
export const ERROR_OPCODE = 0xff;
/** Typed in full so a stray factory reset cannot come from one flipped bit. */
export const FACTORY_RESET_MAGIC = 0x54455352; // "RSET" little-endian
export const FW_CHUNK_MAX = 4000;

/** The KS codes an IQ may answer with over BLE (see advice.ts for what each means). */
export const BLE_KS_CODES = [1101, 1501, 2204, 2206, 2207, 2208, 2209, 3102, 3103, 3104, 3105] as const;
export type BleKsCode = (typeof BLE_KS_CODES)[number];

export type WifiSecurity = "open" | "wpa2-psk" | "wpa3-sae";
export type DeviceRole = "repeater" | "lock";
export type Uplink = "none" | "ethernet" | "wifi" | "cellular";
export type CloudState = "unknown" | "reachable" | "unreachable";
export type TestOpenOutcome = "opened" | "no-response" | "refused";

export type NetworkConfig =
  | { readonly kind: "ethernet-dhcp" }
  | { readonly kind: "ethernet-static"; readonly address: string; readonly prefixLength: number; readonly gateway: string; readonly dns: readonly string[] }
  | { readonly kind: "wifi"; readonly ssid: string; readonly security: WifiSecurity; readonly passphrase: string }
  | { readonly kind: "cellular"; readonly apn: string; readonly pin: string | null };

export type Request =
  | { readonly op: "identify" }
  | { readonly op: "network-set"; readonly config: NetworkConfig }
  | { readonly op: "wifi-scan" }
  | { readonly op: "status" }
  | { readonly op: "attach"; readonly role: DeviceRole; readonly deviceId: string; readonly parentDeviceId: string | null }
  | { readonly op: "detach"; readonly deviceId: string }
  | { readonly op: "read-tree" }
  | { readonly op: "blink"; readonly seconds: number }
  | { readonly op: "test-open"; readonly deviceId: string }
  | { readonly op: "fw-begin"; readonly imageSize: number; readonly sha256: Uint8Array; readonly version: string }
  | { readonly op: "fw-chunk"; readonly offset: number; readonly data: Uint8Array }
  | { readonly op: "fw-commit" }
  | { readonly op: "factory-reset" };

export interface WifiNetwork {
  readonly ssid: string;
  readonly rssi: number;
  readonly security: WifiSecurity;
  readonly channel: number;
}

export interface TreeNode {
  readonly deviceId: string;
  readonly role: DeviceRole;
  /** null when attached straight to the IQ. */
  readonly parentDeviceId: string | null;
  /** 0..100, the IQ's estimate of the radio link to its parent. */
  readonly linkQuality: number;
}

export type Response =
  | { readonly op: "identify"; readonly serial: string; readonly model: string; readonly firmware: string; readonly mac: string }
  | { readonly op: "network-set" }
  | { readonly op: "wifi-scan"; readonly networks: readonly WifiNetwork[] }
  | {
      readonly op: "status";
      readonly uplink: Uplink;
      readonly linkUp: boolean;
      readonly address: string | null;
      readonly cloud: CloudState;
      readonly rssi: number | null;
      readonly uptimeSeconds: number;
    }
  | { readonly op: "attach"; readonly linkQuality: number; readonly rssi: number }
  | { readonly op: "detach" }
  | { readonly op: "read-tree"; readonly nodes: readonly TreeNode[] }
  | { readonly op: "blink" }
  | { readonly op: "test-open"; readonly outcome: TestOpenOutcome; readonly latencyMs: number }
  | { readonly op: "fw-begin"; readonly resumeOffset: number }
  | { readonly op: "fw-chunk"; readonly nextOffset: number }
  | { readonly op: "fw-commit" }
  | { readonly op: "factory-reset" }
  | { readonly op: "error"; readonly code: BleKsCode; readonly detail: string };

/** Request or reply with the exchange id that pairs them. */
export interface Envelope<T> {
  readonly exchange: number;
  readonly body: T;
}

/** A two-way table between names and wire bytes; unknown bytes are typed errors. */
function table<T extends string>(what: string, entries: readonly (readonly [T, number])[]) {
  const byName = new Map<T, number>(entries);
  const byByte = new Map<number, T>(entries.map(([n, b]) => [b, n]));
  return {
    write(w: ByteWriter, name: T): void {
      const b = byName.get(name);
      if (b === undefined) throw new BleCodecError("ble.cmd.kind", `${what}: unknown value ${String(name)}`);
      w.u8(b);
    },
    read(r: ByteReader): T {
      const b = r.u8(what);
      const name = byByte.get(b);
      if (name === undefined) throw new BleCodecError("ble.cmd.kind", `${what}: unknown byte 0x${b.toString(16)}`);
      return name;
    },
  };
}

const NETWORK_KIND = table<NetworkConfig["kind"]>("network kind", [
  ["ethernet-dhcp", 1],
  ["ethernet-static", 2],
  ["wifi", 3],
  ["cellular", 4],
]);
const SECURITY = table<WifiSecurity>("wifi security", [
  ["open", 0],
  ["wpa2-psk", 1],
  ["wpa3-sae", 2],
]);
const ROLE = table<DeviceRole>("device role", [
  ["repeater", 1],
  ["lock", 2],
]);
const UPLINK = table<Uplink>("uplink", [
  ["none", 0],
  ["ethernet", 1],
  ["wifi", 2],
  ["cellular", 3],
]);
const CLOUD = table<CloudState>("cloud state", [
  ["unknown", 0],
  ["reachable", 1],
  ["unreachable", 2],
]);
const OUTCOME = table<TestOpenOutcome>("test-open outcome", [
  ["opened", 0],
  ["no-response", 1],
  ["refused", 2],
]);

const OP_BY_BYTE = new Map<number, CommandName>(Object.entries(OPCODES).map(([n, b]) => [b, n as CommandName]));

function field(ok: boolean, message: string): void {
  if (!ok) throw new BleCodecError("ble.frame.field", message);
}

const DEVICE_ID = /^[0-9A-F]{8,16}$/;
function writeDeviceId(w: ByteWriter, id: string, what = "device id"): void {
  if (!DEVICE_ID.test(id)) throw new BleCodecError("ble.cmd.device_id", `${what} "${id}" is not 8..16 upper-case hex characters`);
  w.str8(id, what);
}
function readDeviceId(r: ByteReader, what = "device id"): string {
  const id = r.str8(what, 16);
  if (!DEVICE_ID.test(id)) throw new BleCodecError("ble.cmd.device_id", `${what} is not 8..16 upper-case hex characters`);
  return id;
}
/** Empty string on the wire means "the IQ itself". */
function writeParent(w: ByteWriter, id: string | null): void {
  if (id === null) w.u8(0);
  else writeDeviceId(w, id, "parent device id");
}
function readParent(r: ByteReader): string | null {
  const len = r.u8("parent device id length");
  if (len === 0) return null;
  const raw = r.take(len, "parent device id");
  const id = String.fromCharCode(...raw);
  if (!DEVICE_ID.test(id)) throw new BleCodecError("ble.cmd.device_id", "parent device id is not 8..16 upper-case hex characters");
  return id;
}

function writeIpv4(w: ByteWriter, ip: string, what: string): void {
  const parts = ip.split(".");
  const ok = parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
  if (!ok) throw new BleCodecError("ble.frame.field", `${what} "${ip}" is not a dotted IPv4 address`);
  for (const p of parts) w.u8(Number(p));
}
function readIpv4(r: ByteReader, what: string): string {
  return Array.from(r.take(4, what)).join(".");
}

function writeMac(w: ByteWriter, mac: string): void {
  if (!/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(mac)) throw new BleCodecError("ble.frame.field", `MAC "${mac}" is not AA:BB:CC:DD:EE:FF`);
  for (const p of mac.split(":")) w.u8(parseInt(p, 16));
}
function readMac(r: ByteReader): string {
  return Array.from(r.take(6, "MAC"), (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(":");
}

function checkPercent(v: number, what: string): void {
  field(Number.isInteger(v) && v >= 0 && v <= 100, `${what} ${v} is outside 0..100`);
}

function writeNetwork(w: ByteWriter, c: NetworkConfig): void {
  NETWORK_KIND.write(w, c.kind);
  switch (c.kind) {
    case "ethernet-dhcp":
      return;
    case "ethernet-static":
      writeIpv4(w, c.address, "address");
      field(Number.isInteger(c.prefixLength) && c.prefixLength >= 1 && c.prefixLength <= 32, `prefix length ${c.prefixLength}`);
      w.u8(c.prefixLength);
      writeIpv4(w, c.gateway, "gateway");
      field(c.dns.length <= 2, "at most 2 DNS servers");
      w.u8(c.dns.length);
      for (const d of c.dns) writeIpv4(w, d, "dns");
      return;
    case "wifi":
      checkWifi(c.ssid, c.security, c.passphrase, (s) => new TextEncoder().encode(s).length);
      w.str8(c.ssid, "ssid", 32);
      SECURITY.write(w, c.security);
      w.str8(c.passphrase, "passphrase", 63);
      return;
    case "cellular":
      checkCellular(c.apn, c.pin);
      w.str8(c.apn, "apn", 100);
      w.str8(c.pin ?? "", "pin", 8);
      return;
    default:
      return assertNever(c);
  }
}

function checkWifi(ssid: string, security: WifiSecurity, passphrase: string, size: (s: string) => number): void {
  field(size(ssid) >= 1 && size(ssid) <= 32, "SSID is 1..32 bytes");
  const p = size(passphrase);
  if (security === "open") field(p === 0, "an open network has no passphrase");
  else field(p >= 8 && p <= 63, "a WPA passphrase is 8..63 bytes");
}

function checkCellular(apn: string, pin: string | null): void {
  field(apn.length >= 1 && /^[\x21-\x7e]+$/.test(apn), "APN is 1..100 printable ASCII characters");
  if (pin !== null) field(/^[0-9]{4,8}$/.test(pin), "SIM PIN is 4..8 digits");
}

function readNetwork(r: ByteReader): NetworkConfig {
  const kind = NETWORK_KIND.read(r);
  switch (kind) {
    case "ethernet-dhcp":
      return { kind };
    case "ethernet-static": {
      const address = readIpv4(r, "address");
      const prefixLength = r.u8("prefix length");
      field(prefixLength >= 1 && prefixLength <= 32, `prefix length ${prefixLength}`);
      const gateway = readIpv4(r, "gateway");
      const n = r.u8("dns count");
      field(n <= 2, "at most 2 DNS servers");
      const dns: string[] = [];
      for (let i = 0; i < n; i++) dns.push(readIpv4(r, "dns"));
      return { kind, address, prefixLength, gateway, dns };
    }
    case "wifi": {
      const ssid = r.str8("ssid", 32);
      const security = SECURITY.read(r);
      const passphrase = r.str8("passphrase", 63);
      checkWifi(ssid, security, passphrase, (s) => new TextEncoder().encode(s).length);
      return { kind, ssid, security, passphrase };
    }
    case "cellular": {
      const apn = r.str8("apn", 100);
      const pinText = r.str8("pin", 8);
      const pin = pinText === "" ? null : pinText;
      checkCellular(apn, pin);
      return { kind, apn, pin };
    }
    default:
      return assertNever(kind);
  }
}

function assertNever(x: never): never {
  throw new BleCodecError("ble.cmd.kind", `unhandled ${String(x)}`);
}

function header(op: number, exchange: number): ByteWriter {
  return new ByteWriter().u8(op).u16(exchange, "exchange id");
}

export function encodeRequest(env: Envelope<Request>): Uint8Array {
  const q = env.body;
  const w = header(OPCODES[q.op], env.exchange);
  switch (q.op) {
    case "identify":
    case "wifi-scan":
    case "status":
    case "read-tree":
    case "fw-commit":
      break;
    case "factory-reset":
      w.u32(FACTORY_RESET_MAGIC);
      break;
    case "network-set":
      writeNetwork(w, q.config);
      break;
    case "attach":
      ROLE.write(w, q.role);
      writeDeviceId(w, q.deviceId);
      writeParent(w, q.parentDeviceId);
      break;
    case "detach":
    case "test-open":
      writeDeviceId(w, q.deviceId);
      break;
    case "blink":
      field(Number.isInteger(q.seconds) && q.seconds >= 1 && q.seconds <= 60, "blink lasts 1..60 s");
      w.u8(q.seconds);
      break;
    case "fw-begin":
      field(q.imageSize >= 1, "firmware image is not empty");
      field(q.sha256.length === 32, "SHA-256 is 32 bytes");
      w.u32(q.imageSize, "image size").bytes(q.sha256).str8(q.version, "version", 32);
      break;
    case "fw-chunk":
      field(q.data.length >= 1 && q.data.length <= FW_CHUNK_MAX, `chunk is 1..${FW_CHUNK_MAX} bytes`);
      w.u32(q.offset, "offset").bytes(q.data);
      break;
    default:
      return assertNever(q);
  }
  return w.finish();
}

export function decodeRequest(bytes: Uint8Array): Envelope<Request> {
  const r = new ByteReader(bytes);
  const opByte = r.u8("opcode");
  const op = OP_BY_BYTE.get(opByte);
  if (op === undefined) throw new BleCodecError("ble.cmd.opcode", `unknown request opcode 0x${opByte.toString(16)}`);
  const exchange = r.u16("exchange id");
  let body: Request;
  switch (op) {
    case "identify":
    case "wifi-scan":
    case "status":
    case "read-tree":
    case "fw-commit":
      body = { op };
      break;
    case "factory-reset":
      field(r.u32("reset magic") === FACTORY_RESET_MAGIC, "factory reset without its magic number");
      body = { op };
      break;
    case "network-set":
      body = { op, config: readNetwork(r) };
      break;
    case "attach":
      body = { op, role: ROLE.read(r), deviceId: readDeviceId(r), parentDeviceId: readParent(r) };
      break;
    case "detach":
    case "test-open":
      body = { op, deviceId: readDeviceId(r) };
      break;
    case "blink": {
      const seconds = r.u8("seconds");
      field(seconds >= 1 && seconds <= 60, "blink lasts 1..60 s");
      body = { op, seconds };
      break;
    }
    case "fw-begin": {
      const imageSize = r.u32("image size");
      field(imageSize >= 1, "firmware image is not empty");
      body = { op, imageSize, sha256: r.take(32, "sha256"), version: r.str8("version", 32) };
      break;
    }
    case "fw-chunk": {
      const offset = r.u32("offset");
      const data = r.rest();
      field(data.length >= 1 && data.length <= FW_CHUNK_MAX, `chunk is 1..${FW_CHUNK_MAX} bytes`);
      body = { op, offset, data };
      break;
    }
    default:
      return assertNever(op);
  }
  r.end(op);
  return { exchange, body };
}

export function encodeResponse(env: Envelope<Response>): Uint8Array {
  const s = env.body;
  const w = header(s.op === "error" ? ERROR_OPCODE : OPCODES[s.op] | RESPONSE_BIT, env.exchange);
  switch (s.op) {
    case "network-set":
    case "detach":
    case "blink":
    case "fw-commit":
    case "factory-reset":
      break;
    case "identify":
      w.str8(s.serial, "serial", 32).str8(s.model, "model", 32).str8(s.firmware, "firmware", 32);
      writeMac(w, s.mac);
      break;
    case "wifi-scan":
      field(s.networks.length <= 32, "at most 32 networks");
      w.u8(s.networks.length);
      for (const n of s.networks) {
        w.str8(n.ssid, "ssid", 32);
        w.i8(n.rssi, "rssi");
        SECURITY.write(w, n.security);
        field(Number.isInteger(n.channel) && n.channel >= 1 && n.channel <= 196, `channel ${n.channel}`);
        w.u8(n.channel);
      }
      break;
    case "status":
      UPLINK.write(w, s.uplink);
      w.u8(s.linkUp ? 1 : 0);
      writeIpv4(w, s.address ?? "0.0.0.0", "address");
      CLOUD.write(w, s.cloud);
      field(s.rssi === null || (s.rssi >= -127 && s.rssi <= 0), "rssi is -127..0 dBm");
      w.i8(s.rssi ?? 127, "rssi");
      w.u32(s.uptimeSeconds, "uptime");
      break;
    case "attach":
      checkPercent(s.linkQuality, "link quality");
      field(s.rssi >= -127 && s.rssi <= 0, "rssi is -127..0 dBm");
      w.u8(s.linkQuality).i8(s.rssi);
      break;
    case "read-tree":
      field(s.nodes.length <= 64, "at most 64 nodes");
      w.u8(s.nodes.length);
      for (const n of s.nodes) {
        writeDeviceId(w, n.deviceId);
        ROLE.write(w, n.role);
        writeParent(w, n.parentDeviceId);
        checkPercent(n.linkQuality, "link quality");
        w.u8(n.linkQuality);
      }
      break;
    case "test-open":
      OUTCOME.write(w, s.outcome);
      w.u16(s.latencyMs, "latency");
      break;
    case "fw-begin":
      w.u32(s.resumeOffset, "resume offset");
      break;
    case "fw-chunk":
      w.u32(s.nextOffset, "next offset");
      break;
    case "error":
      field((BLE_KS_CODES as readonly number[]).includes(s.code), `KS code ${s.code} is not one an IQ sends`);
      w.u16(s.code).str8(s.detail, "detail", 128);
      break;
    default:
      return assertNever(s);
  }
  return w.finish();
}

export function decodeResponse(bytes: Uint8Array): Envelope<Response> {
  const r = new ByteReader(bytes);
  const opByte = r.u8("opcode");
  const exchange = r.u16("exchange id");
  if (opByte === ERROR_OPCODE) {
    const code = r.u16("KS code");
    if (!(BLE_KS_CODES as readonly number[]).includes(code)) throw new BleCodecError("ble.frame.field", `KS code ${code} is not one an IQ sends`);
    const detail = r.str8("detail", 128);
    r.end("error");
    return { exchange, body: { op: "error", code: code as BleKsCode, detail } };
  }
  const op = opByte & RESPONSE_BIT ? OP_BY_BYTE.get(opByte & ~RESPONSE_BIT) : undefined;
  if (op === undefined) throw new BleCodecError("ble.cmd.opcode", `unknown response opcode 0x${opByte.toString(16)}`);
  let body: Response;
  switch (op) {
    case "network-set":
    case "detach":
    case "blink":
    case "fw-commit":
    case "factory-reset":
      body = { op };
      break;
    case "identify":
      body = { op, serial: r.str8("serial", 32), model: r.str8("model", 32), firmware: r.str8("firmware", 32), mac: readMac(r) };
      break;
    case "wifi-scan": {
      const n = r.u8("network count");
      field(n <= 32, "at most 32 networks");
      const networks: WifiNetwork[] = [];
      for (let i = 0; i < n; i++) {
        const ssid = r.str8("ssid", 32);
        const rssi = r.i8("rssi");
        const security = SECURITY.read(r);
        const channel = r.u8("channel");
        field(channel >= 1 && channel <= 196, `channel ${channel}`);
        networks.push({ ssid, rssi, security, channel });
      }
      body = { op, networks };
      break;
    }
    case "status": {
      const uplink = UPLINK.read(r);
      const up = r.u8("link up");
      field(up <= 1, "link up is 0 or 1");
      const address = readIpv4(r, "address");
      const cloud = CLOUD.read(r);
      const rssi = r.i8("rssi");
      field(rssi === 127 || rssi <= 0, "rssi is -127..0 dBm or 127 (none)");
      body = { op, uplink, linkUp: up === 1, address: address === "0.0.0.0" ? null : address, cloud, rssi: rssi === 127 ? null : rssi, uptimeSeconds: r.u32("uptime") };
      break;
    }
    case "attach": {
      const linkQuality = r.u8("link quality");
      checkPercent(linkQuality, "link quality");
      const rssi = r.i8("rssi");
      field(rssi <= 0, "rssi is -127..0 dBm");
      body = { op, linkQuality, rssi };
      break;
    }
    case "read-tree": {
      const n = r.u8("node count");
      field(n <= 64, "at most 64 nodes");
      const nodes: TreeNode[] = [];
      for (let i = 0; i < n; i++) {
        const deviceId = readDeviceId(r);
        const role = ROLE.read(r);
        const parentDeviceId = readParent(r);
        const linkQuality = r.u8("link quality");
        checkPercent(linkQuality, "link quality");
        nodes.push({ deviceId, role, parentDeviceId, linkQuality });
      }
      body = { op, nodes };
      break;
    }
    case "test-open":
      body = { op, outcome: OUTCOME.read(r), latencyMs: r.u16("latency") };
      break;
    case "fw-begin":
      body = { op, resumeOffset: r.u32("resume offset") };
      break;
    case "fw-chunk":
      body = { op, nextOffset: r.u32("next offset") };
      break;
    default:
      return assertNever(op);
  }
  r.end(op);
  return { exchange, body };
}
