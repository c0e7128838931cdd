/**
 * The central's protocol stack (client.ts over transport.ts) against the simulated IQ
 * on a simulated link, on virtual time: whole commissionings in milliseconds.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as btp from "../../../../core/devices/ble/btp.ts";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import { openIqSession, type IqSession } from "../../../../core/devices/ble/client.ts";
import { decodeResponse } from "../../../../core/devices/ble/commands.ts";
import { BleLinkError } from "../../../../core/devices/ble/errors.ts";
import type { GattLink } from "../../../../core/devices/ble/port.ts";
import { createSimulatedCentral, type SimulatedCentral, type SimulatedCentralOptions } from "../../../../core/devices/ble/sim/central.ts";
import { demoFleet, demoLockId, demoRepeaterId, demoTree } from "../../../../core/devices/ble/sim/fleet.ts";
import * as ses from "../../../../core/devices/ble/session.ts";
import { SimIq, type SimIqConfig } from "../../../../core/devices/ble/sim/iq.ts";
import { IqConnection } from "../../../../core/devices/ble/sim/peripheral.ts";
import { simRandom } from "../../../../core/devices/ble/sim/random.ts";
import { BtpEndpoint } from "../../../../core/devices/ble/transport.ts";
import { KsError } from "../../../../core/errors/index.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";

const A = "SN24A0001";
const CODE_A = "K7QF-29XM";

function setup(options: Omit<SimulatedCentralOptions, "scheduler"> = {}): { s: VirtualScheduler; central: SimulatedCentral } {
  const s = new VirtualScheduler();
  return { s, central: createSimulatedCentral({ scheduler: s, seed: 7, ...options }) };
}

async function open(central: SimulatedCentral, serial = A, code = CODE_A, seed = 1): Promise<IqSession> {
  const link = await central.connect(serial, { timeoutMs: 10_000 });
  return openIqSession(link, code, { random: simRandom(seed).bytes });
}

/** The bench's sequence: identify, network, status, every attach, read-tree, every test-open. */
async function commission(q: IqSession, serial = A) {
  const identity = await q.identify();
  await q.setNetwork({ kind: "ethernet-dhcp" });
  const status = await q.status();
  const plan = demoTree(serial);
  const attached = [];
  for (const p of plan) attached.push(await q.attach(p.role, p.deviceId, p.parentDeviceId));
  const tree = await q.readTree();
  const opens = [];
  for (const p of plan.filter((x) => x.role === "lock")) opens.push(await q.testOpen(p.deviceId));
  return { identity, status, attached, tree, opens };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => "resolved",
    (e: unknown) => e,
  );
}

describe("IQ session over the simulated link", () => {
  it("commissions a demo IQ: identity, network, the planned tree, every door opened", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => commission(await open(central)));
    expect(r.identity).toMatchObject({ serial: A, model: "IQ2", firmware: "2.3.1" });
    expect(r.status).toMatchObject({ uplink: "ethernet", linkUp: true, cloud: "reachable" });
    expect(r.tree.map((n) => [n.deviceId, n.role, n.parentDeviceId])).toEqual(demoTree(A).map((p) => [p.deviceId, p.role, p.parentDeviceId]));
    expect(r.attached.every((a) => a.linkQuality > 40 && a.rssi < 0)).toBe(true);
    expect(r.opens.map((o) => o.outcome)).toEqual(Array(16).fill("opened"));
    expect(central.iq(A).attachedTree()).toHaveLength(18);
  });

  it("reads the Wi-Fi list and joins with the shared passphrase (IQ B has no cable)", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central, "SN24A0002", "M3RD-8PQZ");
      const networks = await q.wifiScan();
      await q.setNetwork({ kind: "ethernet-dhcp" });
      const noCable = await q.status();
      await q.setNetwork({ kind: "wifi", ssid: "Site-Office", security: "wpa2-psk", passphrase: "wrong-passphrase" });
      const wrong = await q.status();
      await q.setNetwork({ kind: "wifi", ssid: "Site-Office", security: "wpa2-psk", passphrase: "correct-horse-42" });
      return { networks, noCable, wrong, joined: await q.status() };
    });
    expect(r.networks.map((n) => n.ssid)).toEqual(["Site-Office", "Site-Guest", "Warehouse-5G"]);
    expect(r.noCable).toMatchObject({ uplink: "ethernet", linkUp: false, cloud: "unreachable" });
    expect(r.wrong).toMatchObject({ uplink: "wifi", linkUp: false, address: null });
    expect(r.joined).toMatchObject({ uplink: "wifi", linkUp: true, cloud: "reachable", rssi: -52 });
  });

  it("a wrong activation code is KS 1501, and five in a row lock pairing for 60 s", async () => {
    const { s, central } = setup();
    const codes = await s.run(async () => {
      const out: unknown[] = [];
      for (let i = 0; i < 5; i++) out.push(await rejection(open(central, A, "K7QF-29XN", 10 + i)));
      // The right code during the brake is refused too …
      out.push(await rejection(open(central, A, CODE_A)));
      await s.sleep(61_000);
      // … and accepted after it.
      const q = await open(central, A, CODE_A);
      out.push((await q.identify()).serial);
      return out;
    });
    for (const e of codes.slice(0, 6)) expect(e).toBeInstanceOf(KsError);
    expect(codes.slice(0, 6).map((e) => (e as KsError).ksCode)).toEqual([1501, 1501, 1501, 1501, 1501, 1501]);
    expect(codes[6]).toBe(A);
  });

  it("codes are case-sensitive", async () => {
    const { s, central } = setup();
    const e = await s.run(rejection(open(central, A, CODE_A.toLowerCase())));
    expect(e).toMatchObject({ ksCode: 1501 });
  });

  it.each([0.05, 0.1, 0.2])("completes a commissioning with %s packet loss", async (lossRate) => {
    const { s, central } = setup({ link: { lossRate }, seed: Math.round(lossRate * 1000) });
    const r = await s.run(async () => {
      const q = await open(central);
      const c = await commission(q);
      return { c, stats: q.stats(), air: central.linkTo(A)!.stats };
    });
    expect(r.c.tree).toHaveLength(18);
    expect(r.c.opens.every((o) => o.outcome === "opened")).toBe(true);
    expect(r.air.lostFrames).toBeGreaterThan(0);
    expect(r.stats.transport!.retransmissions).toBeGreaterThan(0);
    // Each command carried out exactly once despite the losses.
    expect(central.iq(A).executed.get("attach")).toBe(18);
    expect(central.iq(A).executed.get("test-open")).toBe(16);
  });

  it("refuses a 17th lock with 2204", async () => {
    const locks = Array.from({ length: 17 }, (_, i) => ({ deviceId: `0D00000000${String(i).padStart(2, "0")}`, role: "lock" as const, links: { IQ: -60 } }));
    const cfg: SimIqConfig = { serial: "SN17", activationCode: "CODE-17", devices: locks, pbkdfIterations: 1000 };
    const { s, central } = setup({ iqs: [cfg] });
    const r = await s.run(async () => {
      const q = await open(central, "SN17", "CODE-17");
      for (const l of locks.slice(0, 16)) await q.attach("lock", l.deviceId, null);
      return rejection(q.attach("lock", locks[16]!.deviceId, null));
    });
    expect(r).toBeInstanceOf(KsError);
    expect(r).toMatchObject({ ksCode: 2204, details: { op: "attach" } });
    expect(central.iq("SN17").attachedTree()).toHaveLength(16);
  });

  it("refuses a lock directly on an IQ that has repeaters with 2204, and an unknown device with 3104", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central);
      await q.attach("repeater", demoRepeaterId("A1", 1), null);
      return [await rejection(q.attach("lock", demoLockId("A1", 1), null)), await rejection(q.attach("lock", "00000000DEADBEEF", demoRepeaterId("A1", 1)))];
    });
    expect(r.map((e) => (e as KsError).ksCode)).toEqual([2204, 3104]);
  });

  it("a link dropped mid-firmware is a typed disconnect, and the next session resumes at the IQ's offset", async () => {
    const { s, central } = setup({ link: { lossRate: 0.02 } });
    const image = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 31 + 7) & 0xff);
    const r = await s.run(async () => {
      central.iq(A).faults.dropLinkAfterBytes = 20_000; // walks out of range during the transfer
      const q1 = await open(central);
      const first = await rejection(q1.updateFirmware(image, "2.4.0"));
      const held = central.iq(A).stagedFirmware();
      await s.sleep(3000);
      const q2 = await open(central, A, CODE_A, 2);
      const progress: number[] = [];
      const link2 = central.linkTo(A)!;
      await q2.updateFirmware(image, "2.4.0", (sent) => progress.push(sent));
      const secondBytes = link2.stats.gattBytesToIq;
      await s.sleep(central.iq(A).latencies.reboot + 1000);
      const q3 = await open(central, A, CODE_A, 3);
      return { first, held, progress, secondBytes, after: await q3.identify() };
    });
    expect(r.first).toBeInstanceOf(BleLinkError);
    expect(r.first).toMatchObject({ code: "ble.disconnected" });
    expect(r.held!.received).toBeGreaterThan(0);
    expect(r.progress[0]).toBe(r.held!.received);
    expect(r.progress.at(-1)).toBe(image.length);
    expect(r.secondBytes).toBeLessThan(image.length - r.held!.received + 4000);
    expect(r.after.firmware).toBe("2.4.0");
    expect(central.iq(A).stagedFirmware()).toBeNull();
  });

  it("a busy IQ (3102) is asked again after a back-off; too busy is KS 3102", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central);
      central.iq(A).faults.busy = 2;
      const id = await q.identify();
      const retried = q.stats().busyRetries;
      central.iq(A).faults.busy = 50;
      const e = await rejection(q.status());
      return { id, retried, e };
    });
    expect(r.id.serial).toBe(A);
    expect(r.retried).toBe(2);
    expect(central.iq(A).executed.get("identify")).toBe(1);
    expect(r.e).toMatchObject({ ksCode: 3102 });
  });

  it("a lost reply is asked for again under the same exchange id and replayed, not carried out twice", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central);
      central.iq(A).faults.loseReplies = 1;
      const a = await q.attach("repeater", demoRepeaterId("A1", 1), null);
      return { a, stats: q.stats() };
    });
    expect(r.a.linkQuality).toBeGreaterThan(0);
    expect(r.stats.timeouts).toBe(1);
    expect(r.stats.roundTrips.attach).toBe(2);
    expect(central.iq(A).executed.get("attach")).toBe(1);
  });

  it("an IQ that stops answering is ble.timeout after the retries", async () => {
    const { s, central } = setup();
    const e = await s.run(async () => {
      const q = await open(central);
      central.iq(A).faults.loseReplies = 3;
      return rejection(q.status());
    });
    expect(e).toMatchObject({ code: "ble.timeout" });
  });

  it("a reboot mid-step surfaces as ble.disconnected, and later calls fail the same way", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central);
      const pending = rejection(q.attach("repeater", demoRepeaterId("A1", 1), null));
      await s.sleep(100);
      central.rebootIq(A);
      return { during: await pending, after: await rejection(q.identify()) };
    });
    expect(r.during).toMatchObject({ code: "ble.disconnected" });
    expect(r.after).toMatchObject({ code: "ble.disconnected" });
  });

  it("error replies carry the IQ's KS code: 3104, 2209 before a reset of a non-empty IQ", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central);
      const notAttached = await rejection(q.testOpen(demoLockId("A1", 3)));
      await q.attach("repeater", demoRepeaterId("A1", 1), null);
      const notEmpty = await rejection(q.factoryReset());
      await q.detach(demoRepeaterId("A1", 1));
      await q.factoryReset();
      const afterReset = await rejection(q.status());
      return { notAttached, notEmpty, afterReset };
    });
    expect(r.notAttached).toMatchObject({ ksCode: 3104 });
    expect(r.notEmpty).toMatchObject({ ksCode: 2209 });
    expect(r.afterReset).toMatchObject({ code: "ble.disconnected" });
  });

  it("an abort while pairing is ble.aborted, and the link is closed", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const link = await central.connect(A, { timeoutMs: 10_000 });
      const ac = new AbortController();
      s.setTimer(100, () => ac.abort());
      const e = await rejection(openIqSession(link, CODE_A, { random: simRandom(9).bytes, signal: ac.signal }));
      await s.sleep(100);
      return { e, up: central.linkTo(A) !== null };
    });
    expect(r.e).toMatchObject({ code: "ble.aborted" });
    expect(r.up).toBe(false);
  });

  it("serialises concurrent calls: one request at a time", async () => {
    const { s, central } = setup();
    const r = await s.run(async () => {
      const q = await open(central);
      return Promise.all([q.identify(), q.status(), q.readTree()]);
    });
    expect(r[0].serial).toBe(A);
    expect(r[1].op).toBe("status");
    expect(r[2]).toEqual([]);
  });

  it("firmware: a fresh image starts at 0 and the IQ checks its SHA-256", async () => {
    const { s, central } = setup();
    const image = new Uint8Array(9000).fill(3);
    await s.run(async () => {
      const q = await open(central);
      await q.updateFirmware(image, "9.9.9");
    });
    expect(central.iq(A).firmware).toBe("9.9.9");
    expect(createHash("sha256").update(image).digest("hex")).toHaveLength(64);
  });
});

describe("IQ session against broken peers", () => {
  /** A link whose far end answers with `reply(frame)` (or nothing). */
  function fakeLink(s: VirtualScheduler, reply: (frame: Uint8Array) => Uint8Array | null): GattLink & { scheduler: VirtualScheduler } {
    const notify = new Set<(f: Uint8Array) => void>();
    return {
      mtu: 247,
      scheduler: s,
      async write(frame) {
        const r = reply(frame);
        if (r) s.setTimer(10, () => notify.forEach((l) => l(r)));
      },
      onNotify: (l) => (notify.add(l), () => notify.delete(l)),
      onDisconnect: () => () => undefined,
      disconnect: async () => undefined,
    };
  }

  it("no handshake answer: ble.timeout after the resends", async () => {
    const s = new VirtualScheduler();
    let sends = 0;
    const e = await s.run(rejection(openIqSession(fakeLink(s, () => (sends++, null)), "x")));
    expect(e).toMatchObject({ code: "ble.timeout" });
    expect(sends).toBe(5);
  });

  it("garbage instead of a handshake: ble.protocol with the codec's code", async () => {
    const s = new VirtualScheduler();
    const e = await s.run(rejection(openIqSession(fakeLink(s, () => Uint8Array.of(0x65, 0x6c, 0x01, 0xff, 0x00, 0x06)), "x")));
    expect(e).toBeInstanceOf(BleLinkError);
    expect(e).toMatchObject({ code: "ble.protocol", details: { codec: "ble.btp.mtu" } });
  });

  it("a segment before the handshake answer: ble.protocol", async () => {
    const s = new VirtualScheduler();
    const e = await s.run(rejection(openIqSession(fakeLink(s, () => Uint8Array.of(0x05, 0x00, 0x01, 0x00, 0x10)), "x")));
    expect(e).toMatchObject({ code: "ble.protocol" });
  });

  it("the demo fleet has the serials, codes and 18 devices the flow relies on", () => {
    const fleet = demoFleet();
    expect(fleet.map((c) => [c.serial, c.activationCode, c.devices?.length])).toEqual([
      ["SN24A0001", "K7QF-29XM", 18],
      ["SN24A0002", "M3RD-8PQZ", 18],
    ]);
  });
});

describe("the simulated IQ driven by hand (no client.ts)", () => {
  it("answers the handshake per §3.2, pairs, and refuses an unreadable body with 1101 naming the exchange", async () => {
    const s = new VirtualScheduler();
    const iq = new SimIq({ serial: "HAND", activationCode: "hand-made", pbkdfIterations: 1000 }, s);
    let toIq: (f: Uint8Array) => void = () => undefined;
    const fromIq: Uint8Array[] = [];
    let central: BtpEndpoint | null = null;
    const inbox: Uint8Array[] = [];
    new IqConnection(
      iq,
      {
        mtu: 247,
        notify: (f) => (central ? s.setTimer(1, () => central!.receive(f)) : fromIq.push(f)),
        onWrite: (l) => void (toIq = l),
        onDisconnect: () => undefined,
        disconnect: () => undefined,
      },
      { scheduler: s, random: simRandom(5).bytes },
    );
    toIq(btp.encodeHandshakeRequest({ versions: [1], attMtu: 247, windowSize: 16 }));
    expect(toHex(fromIq[0]!)).toBe("656c01f40010"); // version 1, segment 244, window 16
    central = new BtpEndpoint({
      segmentSize: 244,
      windowSize: 16,
      scheduler: s,
      transmit: (f) => void s.setTimer(1, () => toIq(f)),
      onMessage: (m) => inbox.push(m),
      onFailure: (e) => {
        throw e;
      },
    });
    const next = async () => {
      while (inbox.length === 0) await s.advance(10);
      return inbox.shift()!;
    };
    const random = simRandom(6).bytes;
    const paramRequest = ses.encodeSessionFrame({ type: "paramRequest", initiatorRandom: random(32) });
    central.send(paramRequest);
    const paramResponse = await next();
    const params = ses.decodeSessionFrame(paramResponse);
    if (params.type !== "paramResponse") throw new Error(params.type);
    const secret = ses.deriveW0W1("hand-made", params.salt, params.iterations);
    const x = ses.randomScalar(random);
    const shareP = ses.proverShare(secret.w0, x);
    central.send(ses.encodeSessionFrame({ type: "pake1", shareP }));
    const pake2 = ses.decodeSessionFrame(await next());
    if (pake2.type !== "pake2") throw new Error(pake2.type);
    const ctx = { context: ses.pakeContext(paramRequest, paramResponse), idProver: new Uint8Array(0), idVerifier: new Uint8Array(0) };
    const ks = ses.proverFinish(ctx, secret, x, shareP, pake2.shareV, pake2.confirmV);
    central.send(ses.encodeSessionFrame({ type: "pake3", confirmP: ks.confirmP }));
    expect(toHex(await next())).toBe("150000");
    const channel = new ses.SecureChannel(ses.deriveSessionKeys(ks.kShared), "initiator");

    central.send(channel.seal(fromHex("05 2a00 09 08 3030313141414242 00"))); // attach with role byte 9
    const bad = decodeResponse(channel.open(await next()));
    expect(bad.exchange).toBe(42);
    expect(bad.body).toMatchObject({ op: "error", code: 1101 });
    expect((bad.body as { detail: string }).detail).toMatch(/^ble\.cmd\.kind/);
    central.send(channel.seal(fromHex("42 2b00")));
    expect(decodeResponse(channel.open(await next())).body).toMatchObject({ op: "error", code: 1101, detail: expect.stringMatching(/^ble\.cmd\.opcode/) });
    central.send(channel.seal(fromHex("01 2c00")));
    expect(decodeResponse(channel.open(await next())).body).toMatchObject({ op: "identify", serial: "HAND" });
    expect(iq.executed.get("identify")).toBe(1);
  });
});
