/** The simulated central (BleCentral) and link: scan, connect, adapter states, MTU, bytes on air. */
import { describe, expect, it } from "vitest";
import { openIqSession } from "../../../../core/devices/ble/client.ts";
import type { BleAdapterState, DiscoveredIq } from "../../../../core/devices/ble/port.ts";
import { createSimulatedCentral } from "../../../../core/devices/ble/sim/central.ts";
import { PDU_OVERHEAD } from "../../../../core/devices/ble/sim/link.ts";
import { simRandom } from "../../../../core/devices/ble/sim/random.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";

const A = "SN24A0001";
const B = "SN24A0002";

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => "resolved",
    (e: unknown) => e,
  );
}

describe("SimulatedCentral", () => {
  it("scans on virtual time: both demo IQs by RSSI, each reported as it is heard", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s });
    const heard: DiscoveredIq[] = [];
    const found = await s.run(central.scan({ durationMs: 3000, onFound: (d) => heard.push(d) }));
    expect(s.now()).toBe(3000);
    expect(found.map((d) => [d.serial, d.localName])).toEqual([
      [A, `IQ-${A}`],
      [B, `IQ-${B}`],
    ]);
    expect(found[0]!.rssi).toBeGreaterThan(found[1]!.rssi);
    expect(new Set(heard.map((d) => d.serial))).toEqual(new Set([A, B]));
  });

  it("a connected IQ stops advertising; an aborted scan is ble.aborted", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s });
    const r = await s.run(async () => {
      await central.connect(A, { timeoutMs: 5000 });
      const found = await central.scan({ durationMs: 1000 });
      const ac = new AbortController();
      s.setTimer(100, () => ac.abort());
      return { found, aborted: await rejection(central.scan({ durationMs: 5000, signal: ac.signal })) };
    });
    expect(r.found.map((d) => d.serial)).toEqual([B]);
    expect(r.aborted).toMatchObject({ code: "ble.aborted" });
  });

  it("adapter states: off refuses scans with the state, tells listeners, and drops links", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s, initialState: "unauthorized" });
    const seen: BleAdapterState[] = [];
    central.onStateChange((st) => seen.push(st));
    expect(await s.run(rejection(central.scan({ durationMs: 10 })))).toMatchObject({ code: "ble.unavailable", details: { state: "unauthorized" } });
    central.setAdapterState("powered-on");
    const r = await s.run(async () => {
      const q = await openIqSession(await central.connect(A, { timeoutMs: 5000 }), "K7QF-29XM", { random: simRandom(3).bytes });
      central.setAdapterState("powered-off");
      return { during: await rejection(q.identify()), connect: await rejection(central.connect(B, { timeoutMs: 100 })) };
    });
    expect(seen).toEqual(["powered-on", "powered-off"]);
    expect(r.during).toMatchObject({ code: "ble.disconnected" });
    expect(r.connect).toMatchObject({ code: "ble.unavailable", details: { state: "powered-off" } });
  });

  it("connect: unknown is ble.not_found; refused or rebooting past the timeout is ble.timeout; after the reboot it works", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s });
    const r = await s.run(async () => {
      const unknown = await rejection(central.connect("NOPE", { timeoutMs: 1000 }));
      central.iq(A).faults.refuseConnections = 1;
      const refused = await rejection(central.connect(A, { timeoutMs: 1000 }));
      central.rebootIq(B, 5000);
      const early = await rejection(central.connect(B, { timeoutMs: 1000 }));
      const t = s.now();
      const link = await central.connect(B, { timeoutMs: 10_000 });
      return { unknown, refused, early, waited: s.now() - t, mtu: link.mtu };
    });
    expect(r.unknown).toMatchObject({ code: "ble.not_found" });
    expect(r.refused).toMatchObject({ code: "ble.timeout" });
    expect(r.early).toMatchObject({ code: "ble.timeout" });
    expect(r.waited).toBeGreaterThanOrEqual(4000 - 1000);
    expect(r.mtu).toBe(247);
  });

  it("negotiates the smaller MTU, and commissions over a 23-byte MTU too", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s, link: { attMtu: 23 } });
    const r = await s.run(async () => {
      const link = await central.connect(A, { timeoutMs: 5000 });
      const q = await openIqSession(link, "K7QF-29XM", { random: simRandom(4).bytes });
      await q.attach("repeater", "0EA100000101", null);
      await q.updateFirmware(new Uint8Array(5000).fill(1), "2.9.0");
      return { mtu: link.mtu, negotiated: q.negotiated };
    });
    expect(r.mtu).toBe(23);
    expect(r.negotiated).toMatchObject({ segmentSize: 20 });
    expect(central.iq(A).firmware).toBe("2.9.0");
  });

  it("counts every frame on air with its PDU overhead", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s, link: { lossRate: 0.1 } });
    const stats = await s.run(async () => {
      const link = await central.connect(A, { timeoutMs: 5000 });
      const q = await openIqSession(link, "K7QF-29XM", { random: simRandom(5).bytes });
      await q.identify();
      return central.linkTo(A)!.stats;
    });
    expect(stats.airBytes).toBe(stats.gattBytes + PDU_OVERHEAD * (stats.framesToIq + stats.framesToCentral));
    expect(stats.framesToIq).toBeGreaterThan(3);
  });

  it("the IQ drops a connection that does not pair within 60 s", async () => {
    const s = new VirtualScheduler();
    const central = createSimulatedCentral({ scheduler: s });
    const reason = await s.run(async () => {
      const link = await central.connect(A, { timeoutMs: 5000 });
      return new Promise<string>((resolve) => link.onDisconnect(resolve));
    });
    expect(reason).toMatch(/60 s/);
    expect(s.now()).toBeGreaterThanOrEqual(60_000);
  });
});
