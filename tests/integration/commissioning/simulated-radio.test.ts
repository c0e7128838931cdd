import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import { createAppRadio, radioFromEnv, type AppRadio } from "../../../core/app/radio.ts";
import { DEMO_BOXES, demoSiteFleet } from "../../../core/demo/demo-fleet.ts";
import { createNobleCentral } from "../../../core/devices/ble/noble/central.ts";
import { createSimulatedCentral } from "../../../core/devices/ble/sim/central.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { VirtualScheduler } from "../../../core/ports/scheduler.ts";
import { MemoryVault } from "../../unit/commissioning/fixtures.ts";

const ctx = { transport: "browser", actor: "installer" } as const;

/**
 * The app's switchable radio (core/app/radio.ts) over the router: real Bluetooth that
 * cannot load says why; the simulated IQs switch on and off; and the demo fleet can
 * build whatever tree the planner gives the demo hotel, from the labels it shows.
 */
describe("the app's radio: real Bluetooth or the simulated IQs", () => {
  let dir: string;
  let app: LintelApp;
  let radio: AppRadio;
  let vs: VirtualScheduler;
  const call = <T>(name: string, input: unknown = {}) => vs.run(app.router.call(name, input, ctx) as Promise<T>, { limitMs: 24 * 3_600_000 });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-radio-"));
    vs = new VirtualScheduler();
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    radio = createAppRadio({
      // noble as on a machine without an adapter: requiring it throws.
      real: () =>
        createNobleCentral({
          load: () => {
            throw Object.assign(new Error("Address family not supported by protocol"), { code: "EAFNOSUPPORT" });
          },
        }),
      simulated: () => createSimulatedCentral({ iqs: demoSiteFleet(), scheduler: vs, seed: 4 }),
    });
    app = createLintelApp({ dataDir: dir, transport: "browser", clock, ids: uuidv7Source(clock, seededRandom(8)), ble: radio, scheduler: radio.scheduler, tagReaders: { usb: "off" },
      // In memory: virtual time runs only while no real I/O is pending (the file vault's would be).
      vault: new MemoryVault(),
    });
  });

  afterEach(() => {
    app.close();
    radio.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("says why real Bluetooth is unavailable, and switches the simulated IQs on and off", async () => {
    const state = await call<Output<"ble.state">>("ble.state");
    expect(state).toMatchObject({ state: "unavailable", kind: "noble" });
    expect(state.message).toContain("(EAFNOSUPPORT: Address family not supported by protocol)");
    expect((await call<Output<"app.info">>("app.info")).bluetooth).toBe("unavailable");
    expect(await call("ble.simulator")).toEqual({ available: true, on: false, labels: [], wifi: [] });
    await expect(call("ble.scan", {})).rejects.toMatchObject({ code: "ble.unavailable" });

    const events: unknown[] = [];
    app.events.subscribe((name, payload) => name === "ble.stateChanged" && events.push(payload));
    expect(await call("ble.useSimulated", { on: true })).toEqual({ state: "powered-on", kind: "simulated", message: "Bluetooth is on." });
    expect(events).toEqual([{ state: "powered-on", kind: "simulated", message: "Bluetooth is on." }]);
    expect((await call<Output<"app.info">>("app.info")).bluetooth).toBe("simulated");
    const sim = await call<Output<"ble.simulator">>("ble.simulator");
    expect(sim.labels.map((l) => [l.serial, l.activationCode, l.repeaters.length, l.locks.length])).toEqual(DEMO_BOXES.map((b) => [b.serial, b.activationCode, 6, 16]));
    const heard = await call<Output<"ble.scan">>("ble.scan", { durationMs: 1500 });
    expect(heard.map((h) => h.serial)).toEqual(DEMO_BOXES.map((b) => b.serial)); // strongest first, as the boxes are listed

    expect(await call("ble.useSimulated", { on: false })).toMatchObject({ state: "unavailable", kind: "noble" });
    expect(await call("ble.simulator")).toEqual({ available: true, on: false, labels: [], wifi: [] });
  });

  it("commissions every IQ of the demo hotel's automatic plan from the simulated labels, built exactly as planned", async () => {
    await call("ble.useSimulated", { on: true });
    const { siteId } = await call<Output<"sites.openDemo">>("sites.openDemo");
    await app.router.call("plan.run", { siteId, timeLimitS: 1 }, ctx);
    const planned = await call<Output<"commissioning.plannedIqs">>("commissioning.plannedIqs", { siteId });
    expect(planned.length).toBeGreaterThanOrEqual(2);
    expect(planned.length).toBeLessThanOrEqual(DEMO_BOXES.length);
    const { labels } = await call<Output<"ble.simulator">>("ble.simulator");
    const heard = await call<Output<"ble.scan">>("ble.scan", { siteId, durationMs: 1500 });

    for (const [i, p] of planned.entries()) {
      const label = labels[i]!;
      let v = await call<Output<"commissioning.start">>("commissioning.start", {
        siteId,
        plannedIq: p.planIqId,
        peripheralId: heard.find((h) => h.serial === label.serial)!.peripheralId,
        activationCode: label.activationCode,
      });
      v = await call("commissioning.setNetwork", { siteId, jobId: v.job.id, network: label.ethernetCable ? { kind: "ethernet-dhcp" } : label.simCard ? { kind: "cellular", apn: label.simCard.apn, pin: label.simCard.pin } : { kind: "wifi", ssid: "Site-Office", security: "wpa2-psk", passphrase: "correct-horse-42" } });
      v = await call("commissioning.run", { siteId, jobId: v.job.id });
      expect(v.job).toMatchObject({ step: "attach", waitingFor: "device-ids" });
      // Repeaters in the job's order take the box's repeater stickers, locks its lock stickers.
      let r = 0;
      let l = 0;
      const devices = v.job.devices.map((d) => ({ ref: d.ref, deviceId: d.role === "repeater" ? label.repeaters[r++]! : label.locks[l++]! }));
      await call("commissioning.setDeviceIds", { siteId, jobId: v.job.id, devices });
      v = await call("commissioning.run", { siteId, jobId: v.job.id });
      expect(v.job).toMatchObject({ step: "done", status: "done", lastError: null });
      expect([v.attached, v.opened]).toEqual([v.devices, v.locks]);
      const built = await call<Output<"commissioning.asBuilt">>("commissioning.asBuilt", { siteId, iqId: v.job.iqId });
      expect(built.differences).toEqual([]);
      expect(built.built.every((b) => b.linkQuality !== null && b.linkQuality > 0)).toBe(true);
    }
  });

  it("reads its start-up choice from the environment, and keeps noble unloaded until it is asked", () => {
    let loads = 0;
    const lazy = createAppRadio({ real: () => (loads++, createNobleCentral({ load: () => { throw new Error("no adapter"); } })), startSimulated: true, simulated: () => createSimulatedCentral({ scheduler: vs }) });
    expect([lazy.kind, lazy.state(), loads]).toEqual(["simulated", "powered-on", 0]);
    lazy.useSimulated(false);
    expect([lazy.kind, lazy.state(), lazy.unavailableReason(), loads]).toEqual(["noble", "unavailable", "no adapter", 1]);
    expect(radioFromEnv({ LINTEL_SIMULATED_IQS: "1" }).simulated).toBe(true);
    expect(radioFromEnv({ LINTEL_SIMULATED_IQS: "1" }, { startSimulated: false }).simulated).toBe(false);
  });

  it("starts on the simulated IQs when real Bluetooth is unavailable, unless told otherwise", () => {
    const noRadio = () => createNobleCentral({ load: () => { throw new Error("EAFNOSUPPORT"); } });
    const poweredOn = () => createSimulatedCentral({ scheduler: vs });
    expect(radioFromEnv({}, { real: noRadio }).simulated).toBe(true);
    expect(radioFromEnv({ LINTEL_SIMULATED_IQS: "0" }, { real: noRadio }).simulated).toBe(false);
    // A laptop whose Bluetooth works starts on it.
    expect(radioFromEnv({}, { real: poweredOn }).simulated).toBe(false);
  });

  it("runs the flow's waits on the simulator's time while it is on", async () => {
    radio.useSimulated(true);
    const t0 = vs.now();
    await vs.run(radio.scheduler.sleep(60_000));
    expect(vs.now() - t0).toBe(60_000);
    const fired: number[] = [];
    const timer = radio.scheduler.setTimer(5_000, () => fired.push(vs.now()));
    radio.scheduler.cancel(timer);
    radio.scheduler.setTimer(1_000, () => fired.push(vs.now()));
    await vs.advance(10_000);
    expect(fired).toEqual([t0 + 61_000]);
  });
});
