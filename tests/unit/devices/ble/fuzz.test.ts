import { describe, expect, it } from "vitest";
import {
  Reassembler,
  SendWindow,
  Segmenter,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  decodeSegment,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
} from "../../../../core/devices/ble/btp.ts";
import { fromHex } from "../../../../core/devices/ble/bytes.ts";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "../../../../core/devices/ble/commands.ts";
import { BleCodecError } from "../../../../core/devices/ble/errors.ts";
import { SecureChannel, decodeSessionFrame, deriveSessionKeys, encodeSessionFrame } from "../../../../core/devices/ble/session.ts";
import { FuzzTally, mutate, prng } from "../../../support/byte-fuzz.ts";


const keys = deriveSessionKeys(new Uint8Array(32).fill(5));

/** Valid frames of every layer, for mutation. */
function corpus(): Uint8Array[] {
  const tx = new Segmenter(40);
  const iq = new SecureChannel(keys, "responder");
  return [
    encodeHandshakeRequest({ versions: [2, 1], attMtu: 247, windowSize: 6 }),
    encodeHandshakeResponse({ version: 1, segmentSize: 244, windowSize: 6 }),
    ...tx.split(Uint8Array.from({ length: 150 }, (_, i) => i)),
    tx.ackOnly(3),
    encodeRequest({ exchange: 3, body: { op: "network-set", config: { kind: "ethernet-static", address: "10.0.0.2", prefixLength: 8, gateway: "10.0.0.1", dns: ["1.1.1.1", "8.8.8.8"] } } }),
    encodeRequest({ exchange: 4, body: { op: "network-set", config: { kind: "wifi", ssid: "Shop", security: "wpa3-sae", passphrase: "correct horse" } } }),
    encodeRequest({ exchange: 5, body: { op: "network-set", config: { kind: "cellular", apn: "iot.example", pin: "0000" } } }),
    encodeRequest({ exchange: 9, body: { op: "attach", role: "repeater", deviceId: "00112233AABBCCDD", parentDeviceId: "12345678" } }),
    encodeRequest({ exchange: 10, body: { op: "fw-chunk", offset: 8, data: new Uint8Array(30).fill(1) } }),
    fromHex(`0a 0f00 00000100 ${"ab".repeat(32)} 05 322e302e31`),
    encodeResponse({ exchange: 1, body: { op: "identify", serial: "SN0001", model: "IQ2", firmware: "1.2.3", mac: "00:1A:2B:3C:4D:5E" } }),
    encodeResponse({ exchange: 8, body: { op: "status", uplink: "cellular", linkUp: true, address: "10.1.2.3", cloud: "unknown", rssi: -90, uptimeSeconds: 77 } }),
    encodeResponse({ exchange: 7, body: { op: "wifi-scan", networks: [{ ssid: "A", rssi: -40, security: "open", channel: 1 }] } }),
    encodeResponse({ exchange: 12, body: { op: "read-tree", nodes: [{ deviceId: "0011AABB", role: "lock", parentDeviceId: null, linkQuality: 50 }] } }),
    encodeResponse({ exchange: 2, body: { op: "error", code: 2208, detail: "activation failed" } }),
    encodeSessionFrame({ type: "paramResponse", responderRandom: new Uint8Array(32), iterations: 2000, salt: new Uint8Array(20) }),
    encodeSessionFrame({ type: "pake3", confirmP: new Uint8Array(32) }),
    iq.seal(fromHex("84 0800 00 00 00000000 02 7f 00000000")),
  ];
}

/** Byte values this format cares about, for the mutator. */
const EDGES = [0, 1, 0x7f, 0x80, 0xff];

describe("fuzz: every decoder and the Reassembler", () => {
  it("≥ 100,000 random and mutated frames: no crash, no hang, only BleCodecError", () => {
    const rnd = prng(0x1e7e1);
    const seeds = corpus();
    const decoders: readonly ((b: Uint8Array) => unknown)[] = [
      decodeHandshakeRequest,
      decodeHandshakeResponse,
      decodeSegment,
      decodeRequest,
      decodeResponse,
      decodeSessionFrame,
    ];
    const tally = new FuzzTally(BleCodecError);
    const { run, codes, foreign } = tally;

    let rx = new Reassembler(40, 8, 512);
    const channel = new SecureChannel(keys, "initiator");
    const window = new SendWindow(8);
    const started = performance.now();
    const INPUTS = 100_000;
    for (let i = 0; i < INPUTS; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = Uint8Array.from({ length: Math.floor(rnd() * 70) }, () => Math.floor(rnd() * 256));
      } else {
        input = mutate(seeds[Math.floor(rnd() * seeds.length)] ?? new Uint8Array(0), rnd, EDGES);
      }
      for (const d of decoders) run(() => d(input));
      run(() => rx.push(input));
      if (i % 64 === 0) {
        // Keep the reassembler near valid states: a fresh one with a good Begin, then mutants.
        rx = new Reassembler(40, 8, 512);
        run(() => rx.push(fromHex("01 00 2000 0102030405")));
      }
      if (i % 10 === 0) run(() => channel.open(input));
      if (i % 10 === 1) run(() => window.acknowledged(input[0] ?? 0));
    }
    const ms = performance.now() - started;
    const summary = { inputs: INPUTS, calls: tally.calls, accepted: tally.accepted, ms: Math.round(ms), codes: Object.fromEntries([...codes].sort()) };
    console.log(`[ble fuzz] ${JSON.stringify(summary)}`);

    expect(foreign).toEqual([]);
    expect(tally.calls).toBeGreaterThan(7 * INPUTS);
    expect(codes.size).toBeGreaterThan(15);
  }, 60_000);
});
