import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type Envelope,
  type Request,
  type Response,
} from "../../../../core/devices/ble/commands.ts";
import { BleCodecError } from "../../../../core/devices/ble/errors.ts";
import { errorCodeOf } from "../../../support/codec-errors.ts";

const codeOf = errorCodeOf(BleCodecError);

/** Hex written by hand from PROTOCOL.md §5, and the structure it must decode to. */
const REQUESTS: readonly (readonly [string, string, Envelope<Request>])[] = [
  ["identify", "01 0100", { exchange: 1, body: { op: "identify" } }],
  ["ethernet DHCP", "02 0200 01", { exchange: 2, body: { op: "network-set", config: { kind: "ethernet-dhcp" } } }],
  [
    "ethernet static",
    "02 0300 02 c0a8010a 18 c0a80101 01 08080808",
    { exchange: 3, body: { op: "network-set", config: { kind: "ethernet-static", address: "192.168.1.10", prefixLength: 24, gateway: "192.168.1.1", dns: ["8.8.8.8"] } } },
  ],
  [
    "wi-fi join",
    "02 0400 03 04 53686f70 01 08 70617373776f7264",
    { exchange: 4, body: { op: "network-set", config: { kind: "wifi", ssid: "Shop", security: "wpa2-psk", passphrase: "password" } } },
  ],
  ["cellular", "02 0500 04 03 696f74 04 31323334", { exchange: 5, body: { op: "network-set", config: { kind: "cellular", apn: "iot", pin: "1234" } } }],
  ["cellular without PIN", "02 0600 04 03 696f74 00", { exchange: 6, body: { op: "network-set", config: { kind: "cellular", apn: "iot", pin: null } } }],
  ["wi-fi scan", "03 0700", { exchange: 7, body: { op: "wifi-scan" } }],
  ["status", "04 0800", { exchange: 8, body: { op: "status" } }],
  [
    "attach lock to IQ",
    "05 0900 02 08 3030313141414242 00",
    { exchange: 9, body: { op: "attach", role: "lock", deviceId: "0011AABB", parentDeviceId: null } },
  ],
  [
    "attach lock under repeater",
    "05 0a00 02 08 3030313141414242 08 3132333435363738",
    { exchange: 10, body: { op: "attach", role: "lock", deviceId: "0011AABB", parentDeviceId: "12345678" } },
  ],
  ["detach", "06 0b00 08 3030313141414242", { exchange: 11, body: { op: "detach", deviceId: "0011AABB" } }],
  ["read tree", "07 0c00", { exchange: 12, body: { op: "read-tree" } }],
  ["blink", "08 0d00 0a", { exchange: 13, body: { op: "blink", seconds: 10 } }],
  ["test open", "09 0e00 08 3030313141414242", { exchange: 14, body: { op: "test-open", deviceId: "0011AABB" } }],
  [
    "firmware begin",
    `0a 0f00 00000100 ${"ab".repeat(32)} 05 322e302e31`,
    { exchange: 15, body: { op: "fw-begin", imageSize: 65536, sha256: new Uint8Array(32).fill(0xab), version: "2.0.1" } },
  ],
  ["firmware chunk", "0b 1000 00100000 deadbeef", { exchange: 16, body: { op: "fw-chunk", offset: 4096, data: fromHex("deadbeef") } }],
  ["firmware commit", "0c 1100", { exchange: 17, body: { op: "fw-commit" } }],
  ["factory reset", "0d 1200 52534554", { exchange: 18, body: { op: "factory-reset" } }],
];

const RESPONSES: readonly (readonly [string, string, Envelope<Response>])[] = [
  [
    "identify",
    "81 0100 06 534e30303031 03 495132 05 312e322e33 001a2b3c4d5e",
    { exchange: 1, body: { op: "identify", serial: "SN0001", model: "IQ2", firmware: "1.2.3", mac: "00:1A:2B:3C:4D:5E" } },
  ],
  ["network set", "82 0200", { exchange: 2, body: { op: "network-set" } }],
  [
    "wi-fi scan",
    "83 0700 02 04 53686f70 c4 01 06 04 47756573 b0 00 0b",
    {
      exchange: 7,
      body: {
        op: "wifi-scan",
        networks: [
          { ssid: "Shop", rssi: -60, security: "wpa2-psk", channel: 6 },
          { ssid: "Gues", rssi: -80, security: "open", channel: 11 },
        ],
      },
    },
  ],
  [
    "status",
    "84 0800 02 01 c0a8012a 01 c5 10270000",
    { exchange: 8, body: { op: "status", uplink: "wifi", linkUp: true, address: "192.168.1.42", cloud: "reachable", rssi: -59, uptimeSeconds: 10000 } },
  ],
  [
    "status, offline",
    "84 0800 00 00 00000000 02 7f 00000000",
    { exchange: 8, body: { op: "status", uplink: "none", linkUp: false, address: null, cloud: "unreachable", rssi: null, uptimeSeconds: 0 } },
  ],
  ["attach", "85 0900 4b b5", { exchange: 9, body: { op: "attach", linkQuality: 75, rssi: -75 } }],
  [
    "read tree",
    "87 0c00 02 08 3132333435363738 01 00 5a 08 3030313141414242 02 08 3132333435363738 46",
    {
      exchange: 12,
      body: {
        op: "read-tree",
        nodes: [
          { deviceId: "12345678", role: "repeater", parentDeviceId: null, linkQuality: 90 },
          { deviceId: "0011AABB", role: "lock", parentDeviceId: "12345678", linkQuality: 70 },
        ],
      },
    },
  ],
  ["test open", "89 0e00 00 f401", { exchange: 14, body: { op: "test-open", outcome: "opened", latencyMs: 500 } }],
  ["firmware begin (resume)", "8a 0f00 00400000", { exchange: 15, body: { op: "fw-begin", resumeOffset: 16384 } }],
  ["firmware chunk", "8b 1000 04100000", { exchange: 16, body: { op: "fw-chunk", nextOffset: 4100 } }],
  ["error 1501", "ff 0100 dd05 00", { exchange: 1, body: { op: "error", code: 1501, detail: "" } }],
  ["error 3105", "ff 0800 210c 05 6e6f20756c", { exchange: 8, body: { op: "error", code: 3105, detail: "no ul" } }],
  ["error 2204", "ff 0900 9c08 00", { exchange: 9, body: { op: "error", code: 2204, detail: "" } }],
];

describe("command requests", () => {
  it.each(REQUESTS)("%s: fixed hex decodes to the fixed structure and back", (_name, hex, env) => {
    expect(decodeRequest(fromHex(hex))).toEqual(env);
    expect(toHex(encodeRequest(env))).toBe(hex.replace(/\s+/g, ""));
  });
});

describe("command responses", () => {
  it.each(RESPONSES)("%s: fixed hex decodes to the fixed structure and back", (_name, hex, env) => {
    expect(decodeResponse(fromHex(hex))).toEqual(env);
    expect(toHex(encodeResponse(env))).toBe(hex.replace(/\s+/g, ""));
  });
  it("carries each KS code the IQ may send", () => {
    for (const code of [1501, 2204, 2206, 2207, 2208, 3105] as const) {
      const env: Envelope<Response> = { exchange: 0xbeef, body: { op: "error", code, detail: "why" } };
      expect(decodeResponse(encodeResponse(env))).toEqual(env);
    }
  });
});

describe("refusals", () => {
  it.each([
    ["unknown opcode", () => decodeRequest(fromHex("7e 0100")), "ble.cmd.opcode"],
    ["response opcode as request", () => decodeRequest(fromHex("81 0100")), "ble.cmd.opcode"],
    ["request opcode as response", () => decodeResponse(fromHex("01 0100")), "ble.cmd.opcode"],
    ["unknown network kind", () => decodeRequest(fromHex("02 0200 09")), "ble.cmd.kind"],
    ["trailing bytes", () => decodeRequest(fromHex("01 0100 00")), "ble.frame.trailing"],
    ["truncated", () => decodeRequest(fromHex("02 03")), "ble.frame.truncated"],
    ["lower-case device id", () => decodeRequest(fromHex("06 0b00 08 3030313161616262")), "ble.cmd.device_id"],
    ["short WPA passphrase", () => decodeRequest(fromHex("02 0400 03 04 53686f70 01 03 616263")), "ble.frame.field"],
    ["open network with passphrase", () => decodeRequest(fromHex("02 0400 03 04 53686f70 00 08 70617373776f7264")), "ble.frame.field"],
    ["bad PIN", () => decodeRequest(fromHex("02 0500 04 03 696f74 02 3132")), "ble.frame.field"],
    ["invalid UTF-8", () => decodeRequest(fromHex("02 0400 03 02 c328 00 00")), "ble.frame.utf8"],
    ["reset without magic", () => decodeRequest(fromHex("0d 1200 00000000")), "ble.frame.field"],
    ["unknown KS code", () => decodeResponse(fromHex("ff 0100 e803 00")), "ble.frame.field"],
    ["link quality over 100", () => decodeResponse(fromHex("85 0900 65 b5")), "ble.frame.field"],
    ["encoding a bad IP", () => encodeRequest({ exchange: 1, body: { op: "network-set", config: { kind: "ethernet-static", address: "300.1.1.1", prefixLength: 24, gateway: "1.1.1.1", dns: [] } } }), "ble.frame.field"],
  ] as const)("%s", (_n, f, code) => {
    expect(codeOf(f)).toBe(code);
  });
});
