import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import { vaultKeys } from "../../../core/commissioning/index.ts";
import { createLintelApp } from "../../../core/app/lintel-app.ts";
import type { KsError } from "../../../core/errors/index.ts";
import type { Scheduler } from "../../../core/ports/scheduler.ts";
import { useAppSession } from "../../support/app-session.ts";
import { FakeCentral, FakeIq, openFakeSession } from "../../support/fake-iq.ts";

const ctx = { transport: "cli", actor: "installer" } as const;
const PASSPHRASE = "Tr0ub4dor&3-hotel-staff";
const CODES = ["K7QF-29XM", "M3RD-8PQZ"];

/** Waits nothing: the fake IQs answer at once, so no status poll ever sleeps long. */
const instant: Scheduler = { now: () => 0, sleep: async () => undefined, setTimer: () => ({ timerId: 0 }), cancel: () => undefined };

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("commissioning over the router, on a real site file", () => {
  let central: FakeCentral;
  let boxes: FakeIq[];
  /** Two planned IQs in radio range, both knowing the staff Wi-Fi: new ones for every test. */
  const session = useAppSession(() => {
    boxes = [
      new FakeIq({ serial: "SN24A0001", code: CODES[0]!, rssi: -58, wifi: { "Hotel-Staff": PASSPHRASE } }),
      new FakeIq({ serial: "SN24A0002", code: CODES[1]!, rssi: -71, mac: "00:1A:2B:3C:4D:99", wifi: { "Hotel-Staff": PASSPHRASE } }),
    ];
    central = new FakeCentral(boxes);
    return { actor: ctx.actor, tmpPrefix: "lintel-commissioning-api-", idSeed: 11, extras: { ble: central, openIqSession: openFakeSession, scheduler: instant } };
  });
  const { call, failure } = session;

  /** Sticker IDs for every device of a job: repeaters AB<n>, locks CD<n>. */
  function stickers(view: Output<"commissioning.get">, offset: number) {
    return view.job.devices.map((d, i) => ({ ref: d.ref, deviceId: `${d.role === "repeater" ? "AB" : "CD"}${(offset + i).toString(16).toUpperCase().padStart(6, "0")}` }));
  }

  it("commissions the planned IQs from scan to tested doors, shares the Wi-Fi, and keeps every secret out of the data folder", async () => {
    expect(await call<Output<"ble.state">>("ble.state")).toEqual({ state: "powered-on", kind: "simulated", message: "Bluetooth is on." });
    expect((await call<Output<"app.info">>("app.info")).bluetooth).toBe("simulated");
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    // A plan as an installer might edit it: the ground floor's locks straight on IQ1, the first floor's on a repeater of IQ2.
    const doors = await call<Output<"doors.list">>("doors.list", { siteId });
    const floors = [...new Set(doors.map((d) => d.door.floorId))];
    const onFloor = (f: string) => doors.filter((d) => d.door.floorId === f).map((d) => d.door.id);
    await call("plan.save", {
      siteId,
      plan: {
        format: "lintel-plan/1",
        iqs: floors.map((f, i) => ({ id: `IQ${i + 1}`, floor: f, x: 24, y: 8 })),
        repeaters: [{ id: "R1", floor: floors[1], x: 30, y: 8, parent: "IQ2" }],
        locks: [...onFloor(floors[0]!).map((door) => ({ door, parent: "IQ1" })), ...onFloor(floors[1]!).map((door) => ({ door, parent: "R1" }))],
        cost: 2.5,
      },
    });
    const planned = await call<Output<"commissioning.plannedIqs">>("commissioning.plannedIqs", { siteId });
    expect(planned.map((p) => [p.planIqId, p.repeaters, p.locks])).toEqual([["IQ1", 0, 10], ["IQ2", 1, 10]]);
    expect(planned.every((p) => p.jobId === null)).toBe(true);

    const scan = await call<Output<"ble.scan">>("ble.scan", { siteId, durationMs: 1000 });
    expect(scan.map((s) => [s.serial, s.rssi, s.known])).toEqual([["SN24A0001", -58, null], ["SN24A0002", -71, null]]);
    expect(session.events.filter(([n]) => n === "ble.discovered")).toHaveLength(2);
    await call("ble.blink", { peripheralId: scan[1]!.peripheralId, activationCode: CODES[1], seconds: 5 });
    expect(boxes[1]!.calls.map((c) => c.op)).toEqual(["blink"]);

    const jobs: Output<"commissioning.get">[] = [];
    for (const [i, p] of planned.entries()) {
      const box = boxes[i]!;
      let view = await call<Output<"commissioning.start">>("commissioning.start", { siteId, plannedIq: p.planIqId, peripheralId: FakeCentral.peripheralIdOf(box), activationCode: CODES[i] });
      view = await call<Output<"commissioning.run">>("commissioning.run", { siteId, jobId: view.job.id });
      expect(view.job).toMatchObject({ step: "network", status: "needs-input", waitingFor: "network" });
      if (i === 0) {
        expect(await call("commissioning.sharedWifi", { siteId })).toEqual([]);
        const seen = await call<Output<"commissioning.wifiScan">>("commissioning.wifiScan", { siteId, jobId: view.job.id });
        expect(seen.map((w) => w.ssid)).toEqual(["Hotel-Staff"]);
        view = await call("commissioning.setNetwork", { siteId, jobId: view.job.id, network: { kind: "wifi", ssid: "Hotel-Staff", security: "wpa2-psk", passphrase: PASSPHRASE } });
      } else {
        // One click: the network the first IQ joined, by name only.
        const shared = await call<Output<"commissioning.sharedWifi">>("commissioning.sharedWifi", { siteId });
        expect(shared).toEqual([{ ssid: "Hotel-Staff", security: "wpa2-psk", usedBy: [jobs[0]!.iq.name] }]);
        view = await call("commissioning.setNetwork", { siteId, jobId: view.job.id, network: { kind: "shared-wifi", ssid: "Hotel-Staff" } });
      }
      expect(JSON.stringify(view)).not.toContain(PASSPHRASE);
      view = await call("commissioning.step", { siteId, jobId: view.job.id });
      expect(view.job).toMatchObject({ step: "cloud", status: "ready" });
      view = await call("commissioning.run", { siteId, jobId: view.job.id });
      expect(view.job).toMatchObject({ step: "attach", status: "needs-input", waitingFor: "device-ids" });
      view = await call("commissioning.setDeviceIds", { siteId, jobId: view.job.id, devices: stickers(view, i * 100) });
      view = await call("commissioning.run", { siteId, jobId: view.job.id });
      expect(view.job).toMatchObject({ step: "done", status: "done" });
      expect(view).toMatchObject({ attached: view.devices, opened: view.locks });
      expect(box.network).toMatchObject({ kind: "wifi", passphrase: PASSPHRASE });
      jobs.push(view);
    }

    const progress = session.events.filter(([n]) => n === "commissioning.progress").map(([, p]) => p as { jobId: string; step: string; done: number; total: number });
    expect(progress.some((p) => p.step === "test" && p.done === p.total && p.total > 0)).toBe(true);
    expect(session.events).toContainEqual(["site.changed", { siteId, action: "commissioning.run" }]);

    for (const job of jobs) {
      const asBuilt = await call<Output<"commissioning.asBuilt">>("commissioning.asBuilt", { siteId, iqId: job.job.iqId });
      expect(asBuilt.differences).toEqual([]);
      expect(asBuilt.built).toHaveLength(job.devices);
      expect(asBuilt.built.every((b) => b.linkQuality !== null && b.attachedAt !== null)).toBe(true);
      expect(asBuilt.built.filter((b) => b.role === "lock").every((b) => b.lastTest?.outcome === "opened")).toBe(true);
      expect(asBuilt.iq.network).toMatchObject({ kind: "wifi", ssid: "Hotel-Staff", secretRef: expect.stringContaining("/wifi/") });
    }
    const rescan = await call<Output<"ble.scan">>("ble.scan", { siteId });
    expect(rescan[0]!.known).toEqual({ iqId: jobs[0]!.job.iqId, name: jobs[0]!.iq.name, jobId: jobs[0]!.job.id });

    // A commissioned IQ cannot be deleted, nor replaced by one that is not empty.
    const del = (await failure("iqs.delete", { siteId, iqId: jobs[0]!.job.iqId })) as KsError;
    expect(del.ksCode).toBe(2209);
    const rep = (await failure("iqs.replace", { siteId, oldIqId: jobs[0]!.job.iqId, newIqId: jobs[1]!.job.iqId })) as KsError;
    expect([rep.ksCode, (rep.details as { reason: string }).reason]).toEqual([2206, "not-empty"]);
    const iqs = await call<Output<"iqs.list">>("iqs.list", { siteId });
    expect(iqs.find((r) => r.iq.id === jobs[0]!.job.iqId)).toMatchObject({ attached: jobs[0]!.devices, job: { job: { step: "done" } } });
    // The demo's own uncommissioned IQs are empty: they can go.
    const empty = iqs.find((r) => r.attached === 0 && r.job === null)!;
    expect(await call("iqs.delete", { siteId, iqId: empty.iq.id })).toEqual({ deleted: true });

    // Every transition was a journaled commissioning action.
    const journal = session.app.workspace.get(siteId).journal({ limit: 10000 });
    const actions = new Set(journal.filter((e) => e.entity === "commissioningJob").map((e) => e.action));
    expect([...actions].every((a) => a.startsWith("commissioning.") || a.startsWith("iqs."))).toBe(true);

    // The passphrase and the activation codes are nowhere in the data folder: not in the
    // site file, not in its WAL, not in the vault (encrypted), not anywhere else.
    const secrets = [PASSPHRASE, ...CODES].map((s) => Buffer.from(s, "utf8"));
    const scanFolder = () => {
      const files = filesUnder(session.dataDir);
      expect(files.some((f) => f.endsWith(".lintel-wal") || f.endsWith("-wal"))).toBe(true);
      expect(files.some((f) => f.endsWith("secrets.vault.json"))).toBe(true);
      for (const f of files) for (const s of secrets) expect(readFileSync(f).includes(s), `${s.toString()} in ${f}`).toBe(false);
    };
    scanFolder();
    // ... yet the vault gives it back for the next IQ.
    expect(await session.app.vault!.get(vaultKeys.wifi(siteId, "Hotel-Staff"))).toBe(PASSPHRASE);
  });

  it("answers without a radio, saying why, and refuses to scan", async () => {
    const bare = createLintelApp({ dataDir: join(session.dataDir, "bare"), transport: "cli" });
    try {
      const state = (await bare.router.call("ble.state", {}, ctx)) as Output<"ble.state">;
      expect(state).toMatchObject({ state: "unavailable", kind: null });
      expect(state.message).toMatch(/simulated IQs/);
      await expect(bare.router.call("ble.scan", {}, ctx)).rejects.toMatchObject({ code: "ble.unavailable" });
    } finally {
      bare.close();
    }
  });

  it("reports the adapter's state changes as events and says when Bluetooth is off", async () => {
    central.setState("powered-off");
    expect(session.events).toContainEqual(["ble.stateChanged", { state: "powered-off", kind: "simulated", message: "Bluetooth is switched off. Switch it on, then retry." }]);
    expect((await failure("ble.scan", {})).code).toBe("ble.powered-off");
  });

  it("refuses bad input at the boundary: a short WPA passphrase, a bad Device ID", async () => {
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const view = await call<Output<"commissioning.start">>("commissioning.start", { siteId, name: "Spare", peripheralId: FakeCentral.peripheralIdOf(boxes[0]!) });
    const short = (await failure("commissioning.setNetwork", { siteId, jobId: view.job.id, network: { kind: "wifi", ssid: "X", security: "wpa2-psk", passphrase: "short" } })) as KsError;
    expect(short.ksCode).toBe(1100);
    const lockId = (await call<Output<"doors.list">>("doors.list", { siteId }))[0]!.lock!.id;
    const bad = await failure("commissioning.setDevices", { siteId, jobId: view.job.id, devices: [{ ref: "L1", role: "lock", parentRef: null, lockId, deviceId: "nothex!" }] });
    expect((bad as KsError).ksCode).toBe(1100);
    const tooMany = (await failure("commissioning.setDevices", {
      siteId,
      jobId: view.job.id,
      devices: Array.from({ length: 7 }, (_, i) => ({ ref: `R${i}`, role: "repeater", parentRef: null, deviceId: `AB00000${i}` })),
    })) as KsError;
    expect(tooMany.ksCode).toBe(2204);
  });
});
