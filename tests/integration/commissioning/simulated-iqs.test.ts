import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommissioningFlow, type CommissioningJob, type RunOptions } from "../../../core/commissioning/index.ts";
import { openIqSession } from "../../../core/devices/ble/client.ts";
import { DEMO_WIFI, demoFleet, demoLockId, demoRepeaterId } from "../../../core/devices/ble/sim/fleet.ts";
import { createSimulatedCentral, type SimulatedCentral } from "../../../core/devices/ble/sim/central.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { VirtualScheduler } from "../../../core/ports/scheduler.ts";
import { SiteStore } from "../../../core/store/index.ts";
import type { MeshPlan } from "../../../core/topology/format.ts";
import { MemoryVault } from "../../unit/commissioning/fixtures.ts";

/**
 * The flow against the other side of the real protocol stack: simulated IQs on a
 * simulated GATT link (BTP framing, SPAKE2+, sealed commands) in virtual time.
 */
describe("commissioning the demo fleet over the simulated link", () => {
  let dir: string;
  let path: string;
  let store: SiteStore;
  let scheduler: VirtualScheduler;
  let central: SimulatedCentral;
  let vault: MemoryVault;
  let flow: CommissioningFlow;
  let doors: string[];
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const ids = uuidv7Source(clock, seededRandom(21));
  const storeDeps = { clock, ids, actor: "installer" };
  const [A, B] = demoFleet();

  const newFlow = () =>
    new CommissioningFlow({ clock, ids, central, openSession: (link, code) => openIqSession(link, code), vault, sleep: (ms) => scheduler.sleep(ms) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-commissioning-sim-"));
    path = join(dir, "site.lintel");
    store = SiteStore.create(path, { name: "Warehouse" }, storeDeps);
    doors = store.act({ name: "test.doors" }, (tx) => {
      const floor = tx.insert("floor", { name: "Hall", level: 0, widthM: 60, depthM: 30 });
      return Array.from({ length: 16 }, (_, i) => {
        const door = tx.insert("door", { floorId: floor.id, name: `Door ${i + 1}`, x: 3 * i + 1, y: 10 });
        tx.insert("lock", { doorId: door.id, name: `Door ${i + 1}`, hardware: { kind: "escutcheon", generation: "bluenet" } });
        return door.id;
      });
    });
    // The demo IQs' intended tree: both repeaters on the IQ, doors 1-8 on the first, 9-16 on the second.
    const plan: MeshPlan = {
      format: "lintel-plan/1",
      iqs: [{ id: "IQ-A", floor: store.list("floor")[0]!.id, x: 1, y: 1 }],
      repeaters: [
        { id: "R1", floor: store.list("floor")[0]!.id, x: 10, y: 10, parent: "IQ-A" },
        { id: "R2", floor: store.list("floor")[0]!.id, x: 30, y: 10, parent: "IQ-A" },
      ],
      locks: doors.map((door, i) => ({ door, parent: i < 8 ? "R1" : "R2" })),
      cost: 2,
    };
    store.act({ name: "test.plan" }, (tx) => tx.insert("plan", { label: "Demo", source: "edited", plan, previousId: null }));
    scheduler = new VirtualScheduler();
    central = createSimulatedCentral({ scheduler, seed: 7, link: { connectionIntervalMs: 30, lossRate: 0.05 } });
    vault = new MemoryVault();
    flow = newFlow();
  });

  afterEach(async () => {
    await scheduler.run(flow.close());
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (jobId: string, options: RunOptions = {}) => scheduler.run(flow.run(store, jobId, options, "installer"));
  const stickersOf = (tag: string) => [
    { ref: "R1", deviceId: demoRepeaterId(tag, 1) },
    { ref: "R2", deviceId: demoRepeaterId(tag, 2) },
    ...doors.map((door, i) => ({ ref: door, deviceId: demoLockId(tag, i + 1) })),
  ];

  async function startOn(serial: string, code: string): Promise<CommissioningJob> {
    const heard = await scheduler.run(central.scan({ durationMs: 1500 }));
    const iq = heard.find((h) => h.serial === serial)!;
    return flow.start(store, { plannedIq: "IQ-A", peripheralId: iq.peripheralId, activationCode: code }, "installer");
  }

  it("runs a planned IQ from discover to every door tested, in simulated seconds", async () => {
    const job = await startOn(A!.serial, A!.activationCode);
    await flow.setNetwork(store, job.id, { kind: "ethernet-dhcp" }, "installer");
    flow.setDeviceIds(store, job.id, stickersOf("A1"), "installer");
    const t0 = scheduler.now();
    const done = await run(job.id);
    const simulatedMs = scheduler.now() - t0;
    expect(done).toMatchObject({ step: "done", status: "done", lastError: null });
    expect(store.get("iq", done.iqId)).toMatchObject({ serial: A!.serial, model: "IQ 2.0", firmware: "2.3.1", cloudConnected: true });
    const sim = central.iq(A!.serial);
    expect(sim.attachedTree()).toHaveLength(18);
    expect(sim.executed.get("attach")).toBe(18);
    expect(store.list("doorTest").filter((t) => t.outcome === "opened")).toHaveLength(16);
    const rows = store.list("iqDevice");
    expect(rows).toHaveLength(18);
    expect(rows.every((r) => r.linkQuality !== null && r.rssi !== null && r.rssi < 0)).toBe(true);
    // Issue 4's budget: 20 s of link time for 2 repeaters and 16 locks at a 30 ms interval with 5% loss.
    expect(simulatedMs).toBeLessThan(20_000);
  });

  it("shares the Wi-Fi with IQ B, survives a wrong code and an app killed mid-attach, attaching nothing twice", async () => {
    const job = await startOn(B!.serial, "WRONG-000");
    const wrong = await run(job.id);
    expect(wrong.lastError).toMatchObject({ ksCode: 1501 });
    const office = DEMO_WIFI[0]!;
    await flow.setNetwork(store, job.id, { kind: "wifi", ssid: office.ssid, security: "wpa2-psk", passphrase: office.passphrase }, "installer");
    flow.setDeviceIds(store, job.id, stickersOf("B2"), "installer");
    // The laptop's app dies after the sixth device is attached (its store closes under the flow).
    let attached = 0;
    const dying = run(job.id, {
      activationCode: B!.activationCode,
      onProgress: (p) => {
        if (p.job.step === "attach" && p.done > 0 && ++attached === 6) store.close();
      },
    });
    await expect(dying).rejects.toMatchObject({ code: "store.closed" });
    await scheduler.run(flow.close()); // the OS drops the link with the process

    store = SiteStore.open(path, storeDeps);
    const stored = store.get("commissioningJob", job.id)!;
    expect(stored).toMatchObject({ step: "attach", status: "ready" });
    expect(stored.devices.filter((d) => d.attachedAt !== null)).toHaveLength(6);
    flow = newFlow();
    const done = await run(job.id);
    expect(done).toMatchObject({ step: "done" });
    const sim = central.iq(B!.serial);
    expect(sim.attachedTree()).toHaveLength(18);
    expect(sim.executed.get("attach")).toBe(18); // the seventh was carried out before the kill and only recorded after it
    expect(store.list("iq")[0]!.network).toMatchObject({ kind: "wifi", ssid: office.ssid, secretRef: expect.any(String) });
    expect(JSON.stringify(store.list("commissioningJob"))).not.toContain(office.passphrase);
    expect(flow.sharedWifi(store).map((w) => w.ssid)).toEqual([office.ssid]);
  });
});
