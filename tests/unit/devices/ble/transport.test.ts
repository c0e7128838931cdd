import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Segmenter } from "../../../../core/devices/ble/btp.ts";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import type { BleLinkError } from "../../../../core/devices/ble/errors.ts";
import { BtpEndpoint } from "../../../../core/devices/ble/transport.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";
import { prng } from "../../../support/byte-fuzz.ts";

const FC_SEED = Number(process.env.FC_SEED ?? 20261125);

interface Pair {
  readonly a: BtpEndpoint;
  readonly b: BtpEndpoint;
  readonly got: { readonly a: Uint8Array[]; readonly b: Uint8Array[] };
  readonly failures: BleLinkError[];
  readonly wire: { readonly aToB: Uint8Array[]; readonly bToA: Uint8Array[] };
}

/** Two endpoints on a FIFO pipe with 5 ms latency that loses frames at `loss` (seeded). */
function pair(s: VirtualScheduler, o: { loss?: number; seed?: number; segmentSize?: number; window?: number } = {}): Pair {
  const rnd = prng(o.seed ?? 1);
  const got = { a: [] as Uint8Array[], b: [] as Uint8Array[] };
  const failures: BleLinkError[] = [];
  const wire = { aToB: [] as Uint8Array[], bToA: [] as Uint8Array[] };
  const endpoints: { a?: BtpEndpoint; b?: BtpEndpoint } = {};
  const make = (me: "a" | "b", peer: "a" | "b") =>
    new BtpEndpoint({
      segmentSize: o.segmentSize ?? 244,
      windowSize: o.window ?? 8,
      scheduler: s,
      transmit: (f) => {
        (me === "a" ? wire.aToB : wire.bToA).push(f);
        const lost = rnd() < (o.loss ?? 0);
        s.setTimer(5, () => {
          if (!lost) endpoints[peer]!.receive(f);
        });
      },
      onMessage: (m) => got[me].push(m),
      onFailure: (e) => failures.push(e),
    });
  endpoints.a = make("a", "b");
  endpoints.b = make("b", "a");
  return { a: endpoints.a, b: endpoints.b, got, failures, wire };
}

function message(n: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + salt) & 0xff);
}

describe("BtpEndpoint", () => {
  it("delivers messages both ways, each once and in order, on a clean pipe", async () => {
    const s = new VirtualScheduler();
    const p = pair(s);
    const fromA = [message(1, 1), message(700, 2), message(4096, 3)];
    const fromB = [message(50, 4), message(2000, 5)];
    fromA.forEach((m) => p.a.send(m));
    fromB.forEach((m) => p.b.send(m));
    await s.advance(10_000);
    expect(p.got.b).toEqual(fromA);
    expect(p.got.a).toEqual(fromB);
    expect(p.failures).toEqual([]);
    expect(p.a.stats.retransmissions + p.b.stats.retransmissions).toBe(0);
    expect(p.a.idle && p.b.idle).toBe(true);
  });

  it("property: any loss up to 20 %, any window and segment size — every message arrives once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          loss: fc.double({ min: 0, max: 0.2, noNaN: true }),
          seed: fc.integer({ min: 1, max: 2 ** 31 }),
          segmentSize: fc.integer({ min: 20, max: 244 }),
          window: fc.integer({ min: 1, max: 16 }),
          sizes: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 4 }),
        }),
        async ({ loss, seed, segmentSize, window, sizes }) => {
          const s = new VirtualScheduler();
          const p = pair(s, { loss, seed, segmentSize, window });
          const msgs = sizes.map((n, i) => message(n, i));
          msgs.forEach((m, i) => (i % 2 === 0 ? p.a : p.b).send(m));
          while (p.got.a.length + p.got.b.length < msgs.length && p.failures.length === 0 && s.now() < 3_600_000) await s.advance(10_000);
          expect(p.failures.map((f) => f.code)).toEqual([]);
          expect(p.got.b).toEqual(msgs.filter((_, i) => i % 2 === 0));
          expect(p.got.a).toEqual(msgs.filter((_, i) => i % 2 === 1));
        },
      ),
      { seed: FC_SEED, numRuns: 40 },
    );
  }, 60_000);

  it("acknowledges a lone segment with a bare ack after the ack delay, and piggy-backs when it can", async () => {
    const s = new VirtualScheduler();
    const p = pair(s);
    p.a.send(fromHex("aa"));
    await s.advance(30);
    expect(p.wire.bToA).toEqual([]); // still holding the ack, hoping to piggy-back
    await s.advance(100);
    expect(p.wire.bToA.map(toHex)).toEqual(["080000"]); // bare ack of 0, next sequence 0
    p.a.send(fromHex("bb"));
    await s.advance(10);
    p.b.send(fromHex("cc")); // the reply carries the ack
    await s.advance(10);
    expect(toHex(p.wire.bToA[1]!)).toBe("0d0100 0100cc".replace(" ", ""));
  });

  it("answers a duplicate at once with the ack it lost", async () => {
    const s = new VirtualScheduler();
    const p = pair(s);
    const tx = new Segmenter(244);
    const [seg] = tx.split(fromHex("aa"));
    p.b.receive(seg!);
    await s.advance(100);
    p.b.receive(seg!);
    expect(p.wire.bToA.map(toHex)).toEqual(["080000", "080000"]);
    expect(p.got.b).toHaveLength(1);
    expect(p.b.stats.duplicatesReceived).toBe(1);
  });

  it("holds a segment that overtook a lost one until the gap is filled", async () => {
    const s = new VirtualScheduler();
    const p = pair(s, { segmentSize: 20 });
    const tx = new Segmenter(20);
    const segs = tx.split(message(40, 9)); // three segments
    p.b.receive(segs[0]!);
    p.b.receive(segs[2]!);
    expect(p.got.b).toEqual([]);
    p.b.receive(segs[1]!);
    expect(p.got.b).toEqual([message(40, 9)]);
    expect(p.b.stats.outOfOrderReceived).toBe(1);
  });

  it("gives up with ble.timeout when nothing is acknowledged for 15 s", async () => {
    const s = new VirtualScheduler();
    const p = pair(s, { loss: 1 });
    p.a.send(fromHex("aabb"));
    await s.advance(14_000);
    expect(p.failures).toEqual([]);
    await s.advance(2_000);
    expect(p.failures.map((f) => f.code)).toEqual(["ble.timeout"]);
    expect(p.a.stats.retransmissions).toBeGreaterThan(5);
    expect(() => p.a.send(fromHex("cc"))).toThrow(/closed/);
  });

  it("refuses a peer that breaks the protocol with ble.protocol and the codec's code", () => {
    const cases: readonly [string, string][] = [
      ["08 05 00", "ble.btp.ack"], // acks a segment never sent
      ["05 80 0100 aa", "ble.btp.sequence"], // far outside the window
      ["65 6c 01 f4 00 06", "ble.btp.flags"], // a handshake frame after the handshake
    ];
    for (const [hex, codec] of cases) {
      const s = new VirtualScheduler();
      const p = pair(s);
      p.b.receive(fromHex(hex));
      expect(p.failures.map((f) => [f.code, (f.details as { codec: string }).codec])).toEqual([["ble.protocol", codec]]);
      expect(p.b.isClosed).toBe(true);
    }
    const s = new VirtualScheduler();
    const p = pair(s, { segmentSize: 20 });
    p.b.receive(new Uint8Array(21));
    expect((p.failures[0]!.details as { codec: string }).codec).toBe("ble.frame.too_large");
  });
});
