/**
 * Fuzzing the stateful layers: garbled and hostile frames thrown at the transport
 * endpoint, at the simulated IQ's connection and at Lintel's session must end in a
 * typed refusal (the link is closed), never in an exception escaping to the caller.
 */
import { describe, expect, it } from "vitest";
import { Segmenter, encodeHandshakeRequest, encodeHandshakeResponse } from "../../../../core/devices/ble/btp.ts";
import { openIqSession } from "../../../../core/devices/ble/client.ts";
import { encodeRequest } from "../../../../core/devices/ble/commands.ts";
import { BleLinkError } from "../../../../core/devices/ble/errors.ts";
import type { GattLink } from "../../../../core/devices/ble/port.ts";
import { SecureChannel, deriveSessionKeys, encodeSessionFrame } from "../../../../core/devices/ble/session.ts";
import { SimIq } from "../../../../core/devices/ble/sim/iq.ts";
import type { PeripheralPort } from "../../../../core/devices/ble/sim/link.ts";
import { IqConnection } from "../../../../core/devices/ble/sim/peripheral.ts";
import { simRandom } from "../../../../core/devices/ble/sim/random.ts";
import { BtpEndpoint } from "../../../../core/devices/ble/transport.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";
import { mutate, prng } from "../../../support/byte-fuzz.ts";

const EDGES = [0, 1, 0x7f, 0x80, 0xff, 0x65, 0x08];

/** Valid frames a peer might send after the handshake: segments of every session frame type and a sealed request. */
function corpus(): Uint8Array[] {
  const tx = new Segmenter(40);
  const channel = new SecureChannel(deriveSessionKeys(new Uint8Array(32).fill(1)), "initiator");
  return [
    encodeHandshakeRequest({ versions: [1], attMtu: 247, windowSize: 8 }),
    ...tx.split(encodeSessionFrame({ type: "paramRequest", initiatorRandom: new Uint8Array(32).fill(3) })),
    ...tx.split(encodeSessionFrame({ type: "pake1", shareP: Uint8Array.of(4, ...new Uint8Array(64).fill(9)) })),
    ...tx.split(encodeSessionFrame({ type: "pake3", confirmP: new Uint8Array(32) })),
    ...tx.split(channel.seal(encodeRequest({ exchange: 1, body: { op: "identify" } }))),
    tx.ackOnly(0),
    tx.ackOnly(3),
  ];
}

describe("fuzz: stateful layers", () => {
  it("BtpEndpoint: 30,000 random and mutated frames — only typed failures, never a throw", () => {
    const rnd = prng(0xb7b7);
    const seeds = corpus().slice(1);
    const codes = new Map<string, number>();
    let endpoint: BtpEndpoint | null = null;
    const s = new VirtualScheduler();
    const fresh = () =>
      new BtpEndpoint({
        segmentSize: 40,
        windowSize: 8,
        scheduler: s,
        transmit: () => undefined,
        onMessage: () => undefined,
        onFailure: (e) => {
          expect(e).toBeInstanceOf(BleLinkError);
          const c = (e.details as { codec?: string } | undefined)?.codec ?? e.code;
          codes.set(c, (codes.get(c) ?? 0) + 1);
        },
      });
    for (let i = 0; i < 30_000; i++) {
      if (!endpoint || endpoint.isClosed || i % 50 === 0) endpoint = fresh();
      const input = i % 3 === 0 ? Uint8Array.from({ length: Math.floor(rnd() * 50) }, () => Math.floor(rnd() * 256)) : mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd, EDGES);
      endpoint.receive(input);
    }
    expect(codes.size).toBeGreaterThan(5);
  });

  it("the simulated IQ: 20,000 mutated frames after a good handshake — it drops the link, never throws", () => {
    const rnd = prng(0x1a1a);
    const seeds = corpus();
    const s = new VirtualScheduler();
    const iq = new SimIq({ serial: "FZ", activationCode: "fuzz", pbkdfIterations: 1000 }, s);
    let drops = 0;
    let sent = 0;
    for (let conn = 0; conn < 400; conn++) {
      let write: (f: Uint8Array) => void = () => undefined;
      let dropped = false;
      const port: PeripheralPort = {
        mtu: 247,
        notify: () => void sent++,
        onWrite: (l) => void (write = l),
        onDisconnect: () => undefined,
        disconnect: () => {
          dropped = true;
          drops++;
        },
      };
      new IqConnection(iq, port, { scheduler: s, random: simRandom(conn).bytes });
      write(encodeHandshakeRequest({ versions: [1], attMtu: 247, windowSize: 8 }));
      for (let k = 0; k < 50 && !dropped; k++) write(mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd, EDGES));
    }
    expect(drops).toBeGreaterThan(300);
    expect(sent).toBeGreaterThan(400);
  });

  it("Lintel's session: a peer answering garbage after a valid handshake is a BleLinkError, every time", async () => {
    const rnd = prng(0x5e55);
    const seeds = corpus().slice(1);
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const s = new VirtualScheduler();
      const notify = new Set<(f: Uint8Array) => void>();
      let writes = 0;
      const link: GattLink & { scheduler: VirtualScheduler } = {
        mtu: 247,
        scheduler: s,
        async write() {
          writes++;
          const reply = writes === 1 ? encodeHandshakeResponse({ version: 1, segmentSize: 40, windowSize: 8 }) : mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd, EDGES);
          s.setTimer(5, () => notify.forEach((l) => l(reply)));
        },
        onNotify: (l) => (notify.add(l), () => notify.delete(l)),
        onDisconnect: () => () => undefined,
        disconnect: async () => undefined,
      };
      const e = await s.run(openIqSession(link, "code", { random: simRandom(i).bytes }).then(
        () => null,
        (err: unknown) => err,
      ));
      expect(e).toBeInstanceOf(BleLinkError);
      codes.add((e as BleLinkError).code);
    }
    expect([...codes].every((c) => c === "ble.protocol" || c === "ble.timeout")).toBe(true);
  });
});
