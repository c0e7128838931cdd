import { describe, expect, it } from "vitest";
import {
  Reassembler,
  Segmenter,
  SendWindow,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  decodeSegment,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  encodeSegment,
  negotiateHandshake,
} from "../../../../core/devices/ble/btp.ts";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import { BleCodecError } from "../../../../core/devices/ble/errors.ts";
import { errorCodeOf } from "../../../support/codec-errors.ts";

const codeOf = errorCodeOf(BleCodecError);

describe("BTP handshake", () => {
  it("decodes the spec's request example", () => {
    expect(decodeHandshakeRequest(fromHex("656c 12000000 f700 06"))).toEqual({ versions: [2, 1], attMtu: 247, windowSize: 6 });
  });
  it("encodes a request", () => {
    expect(toHex(encodeHandshakeRequest({ versions: [1], attMtu: 247, windowSize: 6 }))).toBe("656c01000000f70006");
  });
  it("decodes and encodes the spec's response example", () => {
    expect(decodeHandshakeResponse(fromHex("656c 01 f400 06"))).toEqual({ version: 1, segmentSize: 244, windowSize: 6 });
    expect(toHex(encodeHandshakeResponse({ version: 1, segmentSize: 244, windowSize: 6 }))).toBe("656c01f40006");
  });
  it("round-trips", () => {
    const req = { versions: [9, 4, 3, 1], attMtu: 0, windowSize: 64 };
    expect(decodeHandshakeRequest(encodeHandshakeRequest(req))).toEqual(req);
  });
  it("negotiates version, segment size and window", () => {
    const iq = { versions: [1], attMtu: 185, maxWindowSize: 4 };
    expect(negotiateHandshake({ versions: [2, 1], attMtu: 247, windowSize: 6 }, iq)).toEqual({ version: 1, segmentSize: 182, windowSize: 4 });
    expect(negotiateHandshake({ versions: [1], attMtu: 0, windowSize: 2 }, { ...iq, attMtu: 23 })).toEqual({ version: 1, segmentSize: 20, windowSize: 2 });
    expect(codeOf(() => negotiateHandshake({ versions: [3, 2], attMtu: 0, windowSize: 2 }, iq))).toBe("ble.btp.version");
  });
  it("refuses bad handshakes with typed errors", () => {
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656c01000000f700")))).toBe("ble.frame.truncated");
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656d01000000f70006")))).toBe("ble.btp.handshake");
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656c00000000f70006")))).toBe("ble.btp.handshake");
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656c10000000f70006")))).toBe("ble.btp.handshake");
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656c010000001400 06")))).toBe("ble.btp.mtu");
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656c01000000f70000")))).toBe("ble.btp.window");
    expect(codeOf(() => decodeHandshakeRequest(fromHex("656c01000000f7000600")))).toBe("ble.frame.trailing");
    expect(codeOf(() => decodeHandshakeResponse(fromHex("656c01f50006")))).toBe("ble.btp.mtu");
    expect(codeOf(() => decodeHandshakeResponse(fromHex("656c10f40006")))).toBe("ble.btp.version");
  });
});

describe("BTP segments", () => {
  it("decodes a single-segment message (Begin|End)", () => {
    expect(decodeSegment(fromHex("05 00 0300 010203"))).toEqual({
      begin: true,
      cont: false,
      end: true,
      ack: null,
      sequence: 0,
      messageLength: 3,
      payload: fromHex("010203"),
    });
  });
  it("decodes a bare ack and a Continue|End with ack", () => {
    expect(decodeSegment(fromHex("08 05 02"))).toEqual({ begin: false, cont: false, end: false, ack: 5, sequence: 2, messageLength: null, payload: new Uint8Array(0) });
    expect(decodeSegment(fromHex("0e 07 03 aa"))).toEqual({ begin: false, cont: true, end: true, ack: 7, sequence: 3, messageLength: null, payload: fromHex("aa") });
  });
  it("round-trips", () => {
    const s = { begin: true, cont: false, end: false, ack: 255, sequence: 128, messageLength: 4000, payload: new Uint8Array(10).fill(7) };
    expect(decodeSegment(encodeSegment(s))).toEqual(s);
    expect(toHex(encodeSegment(s))).toBe(`09ff80a00f${"07".repeat(10)}`);
  });
  it("refuses impossible flag combinations", () => {
    expect(codeOf(() => decodeSegment(fromHex("10 00 aa")))).toBe("ble.btp.flags");
    expect(codeOf(() => decodeSegment(fromHex("03 00 0100 aa")))).toBe("ble.btp.flags");
    expect(codeOf(() => decodeSegment(fromHex("00 00")))).toBe("ble.btp.flags");
    expect(codeOf(() => decodeSegment(fromHex("04 00 aa")))).toBe("ble.btp.flags");
    expect(codeOf(() => decodeSegment(fromHex("08 00 01 aa")))).toBe("ble.btp.flags");
    expect(codeOf(() => decodeSegment(fromHex("02 00")))).toBe("ble.btp.length");
    expect(codeOf(() => decodeSegment(fromHex("05 00 0000")))).toBe("ble.btp.length");
    expect(codeOf(() => decodeSegment(fromHex("05 00 01")))).toBe("ble.frame.truncated");
    expect(codeOf(() => decodeSegment(new Uint8Array(0)))).toBe("ble.frame.truncated");
  });
});

describe("Segmenter → Reassembler", () => {
  const message = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);

  it("cuts a message to the segment size, numbering from 0, and reassembles it", () => {
    const tx = new Segmenter(244);
    const segs = tx.split(message);
    expect(segs.map((s) => s.length)).toEqual([244, 244, 244, 244, 36]);
    expect(toHex(segs[0]!.subarray(0, 4))).toBe("0100e803");
    expect(segs.map((s) => s[1])).toEqual([0, 1, 2, 3, 4]);
    const rx = new Reassembler(244, 8);
    const out = segs.map((s) => rx.push(s));
    expect(out.slice(0, 4).every((r) => r.message === null)).toBe(true);
    expect(out[4]!.message).toEqual(message);
    expect(rx.takeAck()).toBe(4);
    expect(rx.takeAck()).toBeNull();
  });

  it("works at the minimum segment size and wraps sequence numbers", () => {
    const tx = new Segmenter(20);
    const rx = new Reassembler(20, 64);
    for (let round = 0; round < 6; round++) {
      const segs = tx.split(message, round === 0 ? null : 1);
      let got: Uint8Array | null = null;
      for (const s of segs) {
        got = rx.push(s).message ?? got;
        rx.takeAck();
      }
      expect(got).toEqual(message);
    }
    expect(tx.nextSequence).toBe((6 * 56) & 0xff);
  });

  it("the wrapped first segment carries the piggy-backed ack", () => {
    const tx = new Segmenter(244);
    const [first] = tx.split(fromHex("aabb"), 9);
    expect(toHex(first!)).toBe("0d0900 0200aabb".replace(" ", ""));
  });

  it("rejects out-of-order, missing Begin, double Begin, short and oversized messages", () => {
    const seg = (hex: string) => fromHex(hex);
    expect(codeOf(() => new Reassembler(244, 4).push(seg("05 01 0100 aa")))).toBe("ble.btp.sequence");
    expect(codeOf(() => new Reassembler(244, 4).push(seg("06 00 aa")))).toBe("ble.btp.no_begin");
    const rx = new Reassembler(244, 4);
    rx.push(seg("01 00 0300 aa"));
    expect(codeOf(() => rx.push(seg("01 01 0300 aa")))).toBe("ble.btp.unexpected_begin");
    expect(codeOf(() => rx.push(seg("06 01 aa")))).toBe("ble.btp.length"); // End one byte short
    expect(codeOf(() => rx.push(seg("06 01 aabbcc")))).toBe("ble.btp.length"); // too long
    expect(codeOf(() => rx.push(seg("02 01 aabb")))).toBe("ble.btp.length"); // complete without End
    expect(rx.push(seg("06 01 bbcc")).message).toEqual(fromHex("aabbcc"));
    expect(codeOf(() => new Reassembler(244, 4, 100).push(seg("01 00 6500 aa")))).toBe("ble.btp.message_size");
    expect(codeOf(() => new Reassembler(20, 4).push(new Uint8Array(21)))).toBe("ble.frame.too_large");
  });

  it("enforces the receive window and lets bare acks through it", () => {
    const rx = new Reassembler(244, 2);
    rx.push(fromHex("01 00 0300 aa"));
    rx.push(fromHex("02 01 aa"));
    expect(rx.push(fromHex("08 00 02")).ack).toBe(0);
    expect(codeOf(() => rx.push(fromHex("06 02 aa")))).toBe("ble.btp.window");
    expect(rx.takeAck()).toBe(1);
    expect(rx.push(fromHex("06 02 aa")).message).toEqual(fromHex("aaaaaa"));
  });

  it("bare acks take no sequence number, so a lost one leaves no gap", () => {
    const tx = new Segmenter(244);
    tx.split(fromHex("aa"));
    expect(toHex(tx.ackOnly(5))).toBe("080501");
    expect(toHex(tx.ackOnly(5))).toBe("080501");
    expect(tx.nextSequence).toBe(1);
    const rx = new Reassembler(244, 4);
    expect(rx.push(fromHex("08 05 07")).ack).toBe(5); // its number is informative only
    expect(rx.expectedSequence).toBe(0);
    expect(rx.push(fromHex("05 00 0100 bb")).message).toEqual(fromHex("bb"));
  });

  it("refuses empty and oversized messages on the way out", () => {
    expect(codeOf(() => new Segmenter(244).split(new Uint8Array(0)))).toBe("ble.btp.message_size");
    expect(codeOf(() => new Segmenter(244).split(new Uint8Array(4097)))).toBe("ble.btp.message_size");
    expect(codeOf(() => new Segmenter(19))).toBe("ble.btp.mtu");
  });
});

describe("SendWindow", () => {
  it("holds at most the window and acks cumulatively", () => {
    const w = new SendWindow(3);
    w.sent(254);
    w.sent(255);
    w.sent(0);
    expect(w.canSend()).toBe(false);
    expect(codeOf(() => w.sent(1))).toBe("ble.btp.window");
    w.acknowledged(255);
    expect(w.unacknowledged).toBe(1);
    expect(codeOf(() => w.acknowledged(254))).toBe("ble.btp.ack");
    w.acknowledged(0);
    expect(w.unacknowledged).toBe(0);
  });
});
