import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { vaultKeys, type CommissioningJob } from "../../../core/commissioning/index.ts";
import { adviceFor, ksRow, type AppError, type KsError } from "../../../core/errors/index.ts";
import { computeChecklist } from "../../../core/handover/checklist.ts";
import type { SyncView } from "../../../core/handover/records.ts";
import { FakeIq, lockDeviceId, makeRig, makeSite, peripheralOf, repeaterId, storePlan, type Rig, type Site } from "./fixtures.ts";

const CODE = "K7QX-2MPL";

/** The handover checklist's "Every IQ online" item for the site as it is (no cloud, sync or presets needed for it). */
function iqsOnline(site: Site) {
  const sync: SyncView = { checkpointSeq: 0, lastSyncedAt: null, pending: [], inflight: false, setAside: [], conflicts: [] };
  return computeChecklist({ store: site.store, sync, cloud: { kind: "signed-out" }, presets: null, now: site.clock.now() }).items.find((i) => i.id === "iqs-online");
}
const actor = "installer";

/** Device IDs for IQ1's plan: R1, R2, then the 8 locks on doors 1-8. */
function iq1DeviceIds(site: Site): { ref: string; deviceId: string }[] {
  return [
    { ref: "R1", deviceId: repeaterId(1) },
    { ref: "R2", deviceId: repeaterId(2) },
    ...site.doors.slice(0, 8).map((door, i) => ({ ref: door, deviceId: lockDeviceId(i + 1) })),
  ];
}

async function failure(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("did not fail");
}

describe("the commissioning flow", () => {
  let site: Site;
  let iqA: FakeIq;
  let iqB: FakeIq;
  let rig: Rig;

  beforeEach(() => {
    site = makeSite();
    storePlan(site);
    iqA = new FakeIq({ serial: "SN0001", code: CODE, wifi: { "Hotel-Staff": "correct horse battery" } });
    iqB = new FakeIq({ serial: "SN0002", code: "OTHER-CODE", mac: "00:1A:2B:3C:4D:5F", wifi: { "Hotel-Staff": "correct horse battery" } });
    rig = makeRig([iqA, iqB], { clock: site.clock, ids: site.ids });
  });
  afterEach(() => site.cleanup());

  const start = (extra: Record<string, unknown> = {}) =>
    rig.flow.start(site.store, { plannedIq: "IQ1", peripheralId: peripheralOf(iqA), activationCode: CODE, ...extra }, actor);
  const run = (jobId: string, options: Parameters<Rig["flow"]["run"]>[2] = {}) => rig.flow.run(site.store, jobId, options, actor);

  /** A job of IQ1 brought up to the attach step with Ethernet and every Device ID. */
  async function upToAttach(): Promise<CommissioningJob> {
    const job = await start();
    await rig.flow.setNetwork(site.store, job.id, { kind: "ethernet-dhcp" }, actor);
    rig.flow.setDeviceIds(site.store, job.id, iq1DeviceIds(site), actor);
    return run(job.id, { maxSteps: 5 });
  }

  it("starts from the plan's tree for the IQ, parents first, with a new IQ at its planned place", async () => {
    const job = await start();
    expect(job).toMatchObject({ step: "discover", status: "ready", planIqId: "IQ1", peripheralId: peripheralOf(iqA), serial: null });
    expect(job.devices.map((d) => [d.ref, d.role, d.parentRef])).toEqual([
      ["R1", "repeater", null],
      ["R2", "repeater", "R1"],
      ...site.doors.slice(0, 4).map((d) => [d, "lock", "R1"]),
      ...site.doors.slice(4, 8).map((d) => [d, "lock", "R2"]),
    ]);
    expect(job.devices.filter((d) => d.role === "lock").map((d) => d.lockId)).toEqual(site.doors.slice(0, 8).map((d) => site.lockOfDoor.get(d)));
    const iq = site.store.get("iq", job.iqId)!;
    expect(iq).toMatchObject({ name: "IQ1", serial: null, position: { floorId: site.floorId, x: 1, y: 1 } });
    // The activation code is in the vault, referenced by key; the site file holds the key only.
    expect(job.activationCodeRef).toBe(vaultKeys.activationCode(site.store.siteId, job.id));
    expect(rig.vault.entries.get(job.activationCodeRef!)).toBe(CODE);
  });

  it("refuses a second job for the same planned IQ and an unknown planned IQ", async () => {
    const job = await start();
    expect((await failure(() => start())).code).toBe("commissioning.already_started");
    expect(((await failure(() => start())).details as { jobId: string }).jobId).toBe(job.id);
    expect((await failure(() => start({ plannedIq: "IQ9" }))).code).toBe("commissioning.unknown_planned_iq");
  });

  it("runs every step to done, each transition one action, and records the IQ, the tree, the links and the tests", async () => {
    const job = await start();
    const journalBefore = site.store.journal({ limit: 10000 }).length;
    const steps: string[] = [];
    let j = job;
    for (const name of ["discover", "authenticate", "identify"]) {
      j = await run(j.id, { maxSteps: 1 });
      steps.push(name);
      expect(j.completed.map((c) => c.step)).toEqual(steps);
    }
    expect(j).toMatchObject({ step: "network", status: "ready" });
    // Without a network the step waits for the installer.
    j = await run(j.id, { maxSteps: 1 });
    expect(j).toMatchObject({ step: "network", status: "needs-input", waitingFor: "network" });
    j = await rig.flow.setNetwork(site.store, j.id, { kind: "ethernet-dhcp" }, actor);
    expect(j).toMatchObject({ status: "ready", network: { kind: "ethernet-dhcp" } });
    j = await run(j.id);
    expect(j).toMatchObject({ step: "attach", status: "needs-input", waitingFor: "device-ids" });
    j = rig.flow.setDeviceIds(site.store, j.id, iq1DeviceIds(site), actor);
    expect(j.status).toBe("ready");
    const progress: number[] = [];
    j = await run(j.id, { onProgress: (p) => progress.push(p.done) });
    expect(j).toMatchObject({ step: "done", status: "done", lastError: null, activationCodeRef: null });
    expect(j.completed.map((c) => c.step)).toEqual(["discover", "authenticate", "identify", "network", "cloud", "attach", "test"]);
    expect(progress).toContain(10);

    // Every stored change is one journaled action of the flow.
    const entries = site.store.journal({ limit: 10000 }).slice(journalBefore);
    const actions = [...new Map(entries.map((e) => [e.actionId, e.action])).values()];
    expect(actions.every((a) => a.startsWith("commissioning."))).toBe(true);
    expect(actions.filter((a) => a === "commissioning.attach")).toHaveLength(10);
    expect(actions.filter((a) => a === "commissioning.test")).toHaveLength(8);

    const iq = site.store.get("iq", j.iqId)!;
    expect(iq).toMatchObject({ serial: "SN0001", model: "IQ 2.0", firmware: "2.4.1", mac: "00:1A:2B:3C:4D:5E", network: { kind: "ethernet-dhcp" }, cloudConnected: true, activation: "activated" });
    const repeaters = site.store.list("repeater");
    const r1 = repeaters.find((r) => r.deviceId === repeaterId(1))!;
    const r2 = repeaters.find((r) => r.deviceId === repeaterId(2))!;
    expect(r1).toMatchObject({ name: "Repeater R1", parent: { kind: "iq", id: iq.id }, linkState: "attached", position: { x: 5, y: 5 } });
    expect(r2.parent).toEqual({ kind: "repeater", id: r1.id });
    const lock5 = site.store.get("lock", site.lockOfDoor.get(site.doors[4]!)!)!;
    expect(lock5).toMatchObject({ deviceId: lockDeviceId(5), parent: { kind: "repeater", id: r2.id }, linkState: "attached" });
    const rows = site.store.list("iqDevice");
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.deviceId === lockDeviceId(5))).toMatchObject({ iqId: iq.id, parentDeviceId: repeaterId(2), linkQuality: 70, rssi: -70 });
    const tests = site.store.list("doorTest");
    expect(tests).toHaveLength(8);
    expect(tests.every((t) => t.outcome === "opened" && t.latencyMs === 180 && t.iqId === iq.id)).toBe(true);
    // The IQ holds exactly the plan's tree, each device attached once.
    expect([...iqA.nodes.values()].map((n) => [n.deviceId, n.parentDeviceId]).sort()).toEqual(
      [[repeaterId(1), null], [repeaterId(2), repeaterId(1)], ...[1, 2, 3, 4].map((n) => [lockDeviceId(n), repeaterId(1)]), ...[5, 6, 7, 8].map((n) => [lockDeviceId(n), repeaterId(2)])].sort(),
    );
    expect(iqA.attachCount()).toBe(10);
    // The code is forgotten once the job is done.
    expect([...rig.vault.entries.keys()].some((k) => k.includes("activation-code"))).toBe(false);
  });

  it("keeps KS 1501 and its advice on a wrong activation code, forgets the code, and asks for it again", async () => {
    const job = await start({ activationCode: "WRONG-CODE" });
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "authenticate", status: "failed", attempts: 1, activationCodeRef: null });
    expect(failed.lastError).toMatchObject({ step: "authenticate", code: "ks.1501", ksCode: 1501, advice: adviceFor(ksRow(1501)!) });
    expect(rig.vault.entries.size).toBe(0);
    const waiting = await run(job.id);
    expect(waiting).toMatchObject({ step: "authenticate", status: "needs-input", waitingFor: "activation-code" });
    const next = await run(job.id, { activationCode: CODE, maxSteps: 1 });
    expect(next).toMatchObject({ step: "identify", status: "ready", attempts: 0, lastError: null });
    expect(iqA.failedCodes).toBe(1);
  });

  it("fails the cloud check with KS 3105 after reading the status a few times, and passes once the cloud answers", async () => {
    iqA.cloudReachable = false;
    const job = await start();
    await rig.flow.setNetwork(site.store, job.id, { kind: "ethernet-dhcp" }, actor);
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "cloud", status: "failed", attempts: 1 });
    expect(failed.lastError).toMatchObject({ code: "ks.3105", ksCode: 3105, advice: adviceFor(ksRow(3105)!) });
    expect(rig.sleeps).toEqual([1000, 1000, 1000]);
    expect(site.store.get("iq", job.iqId)).toMatchObject({ cloudConnected: false, activation: "not-activated" });
    expect(iqsOnline(site)).toMatchObject({ state: "failing", problems: [{ id: job.iqId, message: "not activated in the cloud (not-activated)" }] });
    expect((await run(job.id)).attempts).toBe(2);
    iqA.cloudReachable = true;
    const passed = await run(job.id, { maxSteps: 1 });
    expect(passed).toMatchObject({ step: "attach", status: "ready" });
    expect(passed.completed.at(-1)).toMatchObject({ step: "cloud", attempts: 3 });
    // Activated and online: what the handover checklist asks of every IQ.
    expect(site.store.get("iq", job.iqId)).toMatchObject({ cloudConnected: true, activation: "activated" });
    expect(iqsOnline(site)).toMatchObject({ state: "ok", problems: [] });
  });

  it("stores KS 2204 from the IQ with the device at fault, keeping what was attached before it", async () => {
    // The IQ already holds two locks from an earlier life: 15 more would make 17.
    const iq = new FakeIq({
      serial: "SN0009",
      code: CODE,
      tree: [
        { deviceId: "EE000001", role: "lock", parentDeviceId: null, linkQuality: 80 },
        { deviceId: "EE000002", role: "lock", parentDeviceId: null, linkQuality: 80 },
      ],
    });
    rig = makeRig([iq], { clock: site.clock, ids: site.ids });
    const job = await rig.flow.start(site.store, { peripheralId: peripheralOf(iq), activationCode: CODE }, actor);
    const picked = site.doors.slice(0, 15).map((door, i) => ({ ref: door, role: "lock" as const, parentRef: null, lockId: site.lockOfDoor.get(door)!, deviceId: lockDeviceId(i + 1) }));
    rig.flow.setDevices(site.store, job.id, picked, actor);
    await rig.flow.setNetwork(site.store, job.id, { kind: "ethernet-dhcp" }, actor);
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "attach", status: "failed", attempts: 1 });
    expect(failed.lastError).toMatchObject({ code: "ks.2204", ksCode: 2204, advice: adviceFor(ksRow(2204)!), refs: [site.doors[14]] });
    expect(failed.devices.filter((d) => d.attachedAt !== null)).toHaveLength(14);
    expect(site.store.list("iqDevice")).toHaveLength(14);
  });

  it("refuses a hand-picked tree that breaks a limit (2204) before writing anything", async () => {
    const job = await rig.flow.start(site.store, { peripheralId: peripheralOf(iqA), activationCode: CODE }, actor);
    const before = site.store.journal({ limit: 10000 }).length;
    const picked = [
      { ref: "R1", role: "repeater" as const, parentRef: null, deviceId: repeaterId(1) },
      { ref: "L1", role: "lock" as const, parentRef: null, lockId: site.lockOfDoor.get(site.doors[0]!)!, deviceId: lockDeviceId(1) },
    ];
    const e = (await failure(() => rig.flow.setDevices(site.store, job.id, picked, actor))) as KsError;
    expect(e.ksCode).toBe(2204);
    expect(site.store.journal({ limit: 10000 }).length).toBe(before);
    const e2 = await failure(() => rig.flow.setDevices(site.store, job.id, [{ ...picked[1]!, parentRef: null, ref: "L1" }, { ...picked[1]!, ref: "L2" }], actor));
    expect(e2.code).toBe("commissioning.device_id_in_use");
    expect((await failure(() => rig.flow.setDeviceIds(site.store, job.id, [{ ref: "nope", deviceId: "12345678" }], actor))).code).toBe("commissioning.unknown_slot");
    expect((await failure(() => rig.flow.setDevices(site.store, job.id, [{ ...picked[1]!, deviceId: "XYZ" }], actor))).code).toBe("commissioning.bad_device_id");
  });

  it("waits for a network, fails with advice when the IQ does not come up, and goes on once the passphrase is right", async () => {
    const job = await start();
    await rig.flow.setNetwork(site.store, job.id, { kind: "wifi", ssid: "Hotel-Staff", security: "wpa2-psk", passphrase: "wrong passphrase" }, actor);
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "network", status: "failed" });
    expect(failed.lastError).toMatchObject({ code: "commissioning.network_down", ksCode: null });
    expect(failed.lastError!.advice).toMatch(/passphrase/);
    expect(site.store.get("iq", job.iqId)!.network).toEqual({ kind: "unconfigured" });
    await rig.flow.setNetwork(site.store, job.id, { kind: "wifi", ssid: "Hotel-Staff", security: "wpa2-psk", passphrase: "correct horse battery" }, actor);
    const passed = await run(job.id, { maxSteps: 1 });
    expect(passed).toMatchObject({ step: "cloud", status: "ready" });
    expect(site.store.get("iq", job.iqId)!.network).toEqual({ kind: "wifi", ssid: "Hotel-Staff", security: "wpa2-psk", secretRef: vaultKeys.wifi(site.store.siteId, "Hotel-Staff") });
  });

  it("offers a joined Wi-Fi to the next IQ by name and hands its passphrase over from the vault", async () => {
    const a = await start();
    await rig.flow.setNetwork(site.store, a.id, { kind: "wifi", ssid: "Hotel-Staff", security: "wpa2-psk", passphrase: "correct horse battery" }, actor);
    expect(rig.flow.sharedWifi(site.store)).toEqual([]); // not joined yet
    await run(a.id, { maxSteps: 4 });
    const offered = rig.flow.sharedWifi(site.store);
    expect(offered).toEqual([{ ssid: "Hotel-Staff", security: "wpa2-psk", secretRef: vaultKeys.wifi(site.store.siteId, "Hotel-Staff"), usedBy: ["IQ1"] }]);
    expect(JSON.stringify(offered)).not.toContain("correct horse");

    const b = await rig.flow.start(site.store, { plannedIq: "IQ2", peripheralId: peripheralOf(iqB), activationCode: "OTHER-CODE" }, actor);
    await rig.flow.setNetwork(site.store, b.id, { kind: "shared-wifi", ssid: "Hotel-Staff" }, actor);
    const bDone = await run(b.id, { maxSteps: 5 });
    expect(bDone.step).toBe("attach");
    expect(iqB.network).toEqual({ kind: "wifi", ssid: "Hotel-Staff", security: "wpa2-psk", passphrase: "correct horse battery" });
    expect(site.store.get("iq", b.iqId)!.network).toMatchObject({ kind: "wifi", secretRef: vaultKeys.wifi(site.store.siteId, "Hotel-Staff") });
    expect([...rig.vault.entries.keys()].filter((k) => k.includes("/wifi/"))).toHaveLength(1);
    expect((await failure(() => rig.flow.setNetwork(site.store, b.id, { kind: "shared-wifi", ssid: "Guest" }, actor))).code).toBe("commissioning.wifi_not_shared");
  });

  it("resumes after the app died mid-attach: same step, no device attached twice", async () => {
    const job = await upToAttach();
    expect(job).toMatchObject({ step: "attach", status: "ready" });
    // The IQ takes the third device, then the app dies before storing it.
    let attaches = 0;
    iqA.afterAttach = () => {
      if (++attaches === 3) site.store.close();
    };
    expect((await failure(() => run(job.id))).code).toBe("store.closed");
    iqA.afterAttach = null;

    const store = site.reopen();
    const resumed = store.get("commissioningJob", job.id)!;
    expect(resumed).toMatchObject({ step: "attach", status: "ready" });
    expect(resumed.devices.filter((d) => d.attachedAt !== null).map((d) => d.ref)).toEqual(["R1", "R2"]);

    rig.restart(); // a new process: no session, the code comes from the vault
    const done = await rig.flow.run(store, job.id, {}, actor);
    expect(done).toMatchObject({ step: "done", status: "done" });
    for (const { deviceId } of iq1DeviceIds(site)) expect(iqA.attachCount(deviceId), deviceId).toBe(1);
    expect(store.list("iqDevice")).toHaveLength(10);
    expect(store.list("lock").filter((l) => l.deviceId !== null)).toHaveLength(8);
    expect(iqA.sessionsOpened).toBe(2);
  });

  it("resumes a job stored between steps at that step, and refuses to continue on another IQ", async () => {
    const job = await start();
    await run(job.id, { maxSteps: 3 });
    const store = site.reopen();
    expect(store.get("commissioningJob", job.id)).toMatchObject({ step: "network", serial: "SN0001" });
    rig.restart();
    await rig.flow.setNetwork(store, job.id, { kind: "ethernet-dhcp" }, actor);
    // The installer's laptop now reaches the other IQ under the stored handle.
    const wrong = await rig.flow.run(store, job.id, { peripheralId: peripheralOf(iqB), activationCode: "OTHER-CODE" }, actor);
    expect(wrong).toMatchObject({ step: "network", status: "failed" });
    expect(wrong.lastError).toMatchObject({ code: "commissioning.wrong_iq" });
    expect(iqB.network).toBeNull();
    const right = await rig.flow.run(store, job.id, { peripheralId: peripheralOf(iqA), activationCode: CODE, maxSteps: 1 }, actor);
    expect(right).toMatchObject({ step: "cloud", status: "ready" });
  });

  it("retries a step whose link dropped: a new session, and the attach goes on where it stopped", async () => {
    const job = await upToAttach();
    iqA.dropOn = "attach";
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "attach", status: "failed" });
    expect(failed.lastError).toMatchObject({ code: "ble.disconnected", ksCode: null, refs: ["R1"] });
    expect(failed.lastError!.advice).toMatch(/metres/);
    const done = await run(job.id);
    expect(done.step).toBe("done");
    expect(iqA.attachCount(repeaterId(1))).toBe(2); // the dropped one and its retry
    expect(iqA.attachCount(repeaterId(2))).toBe(1);
  });

  it("moves a device the IQ holds under another parent instead of attaching it twice", async () => {
    // From an earlier visit the IQ holds R1, and lock 5 under R1 where the plan wants it under R2.
    iqA.nodes.set(repeaterId(1), { deviceId: repeaterId(1), role: "repeater", parentDeviceId: null, linkQuality: 88 });
    iqA.nodes.set(lockDeviceId(5), { deviceId: lockDeviceId(5), role: "lock", parentDeviceId: repeaterId(1), linkQuality: 50 });
    const job = await upToAttach();
    const done = await run(job.id);
    expect(done.step).toBe("done");
    expect(iqA.calls.filter((c) => c.op === "detach").map((c) => c.args[0])).toEqual([lockDeviceId(5)]);
    expect(iqA.attachCount(repeaterId(1))).toBe(0);
    expect(iqA.attachCount(lockDeviceId(5))).toBe(1);
    expect(iqA.nodes.get(lockDeviceId(5))!.parentDeviceId).toBe(repeaterId(2));
    expect(site.store.list("iqDevice").find((d) => d.deviceId === repeaterId(1))).toMatchObject({ linkQuality: 88, rssi: null });
  });

  it("records doors that did not open, retests only those, and can finish accepting failures", async () => {
    const job = await upToAttach();
    iqA.setDoor(lockDeviceId(3), "no-response", 0);
    iqA.setDoor(lockDeviceId(6), "refused", 40);
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "test", status: "failed" });
    expect(failed.lastError).toMatchObject({ code: "commissioning.doors_not_opened", refs: [site.doors[2], site.doors[5]] });
    expect(failed.devices.find((d) => d.ref === site.doors[5])!.test).toMatchObject({ outcome: "refused", latencyMs: 40 });
    iqA.setDoor(lockDeviceId(3), "opened", 210);
    const before = iqA.calls.filter((c) => c.op === "test-open").length;
    const again = await run(job.id);
    expect(iqA.calls.filter((c) => c.op === "test-open").length - before).toBe(2);
    expect(again.lastError!.refs).toEqual([site.doors[5]]);
    const done = await run(job.id, { acceptFailedTests: true });
    expect(done).toMatchObject({ step: "done", status: "done" });
    expect(site.store.list("doorTest").map((t) => t.outcome).filter((o) => o !== "opened")).toEqual(["no-response", "refused", "refused", "refused"]);
  });

  it("rewinds a finished job to test the doors again, and changing a Device ID goes back to attach", async () => {
    const job = await upToAttach();
    const done = await run(job.id);
    expect(done.step).toBe("done");
    const rewound = rig.flow.rewind(site.store, job.id, "test", actor);
    expect(rewound).toMatchObject({ step: "test", status: "ready", finishedAt: null });
    expect(rewound.devices.every((d) => d.test === null)).toBe(true);
    expect((await failure(() => rig.flow.rewind(site.store, job.id, "done", actor))).code).toBe("commissioning.rewind_forward");
    const changed = rig.flow.setDeviceIds(site.store, job.id, [{ ref: site.doors[0]!, deviceId: "00ABCDEF" }], actor);
    expect(changed).toMatchObject({ step: "attach", status: "ready" });
    const again = await run(job.id, { activationCode: CODE });
    expect(again.step).toBe("done");
    expect(iqA.nodes.has("00ABCDEF")).toBe(true);
    expect(site.store.get("lock", site.lockOfDoor.get(site.doors[0]!)!)!.deviceId).toBe("00ABCDEF");
  });

  it("gives a planned door without a lock one when it is attached", async () => {
    const door = site.doors[0]!;
    site.store.act({ name: "test.unlock" }, (tx) => tx.remove("lock", site.lockOfDoor.get(door)!));
    const job = await upToAttach();
    expect(job.devices.find((d) => d.ref === door)).toMatchObject({ lockId: null, doorId: door });
    const done = await run(job.id);
    expect(done.step).toBe("done");
    const lock = site.store.list("lock").find((l) => l.doorId === door)!;
    expect(lock).toMatchObject({ name: "Room 101", deviceId: lockDeviceId(1), hardware: { kind: "escutcheon" }, linkState: "attached" });
    expect(done.devices.find((d) => d.ref === door)!.lockId).toBe(lock.id);
  });

  it("refuses at identify an IQ the site already has under another name, and a model it does not know", async () => {
    site.store.act({ name: "test.iq" }, (tx) => tx.insert("iq", { name: "Old lobby IQ", serial: "SN0001" }));
    const job = await start();
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "identify", status: "failed" });
    expect(failed.lastError).toMatchObject({ code: "commissioning.serial_in_use", message: expect.stringContaining("Old lobby IQ") });
    expect(site.store.get("iq", job.iqId)!.serial).toBeNull();

    iqB.model = "IQ9";
    const other = await rig.flow.start(site.store, { plannedIq: "IQ2", peripheralId: peripheralOf(iqB), activationCode: "OTHER-CODE" }, actor);
    expect((await run(other.id)).lastError).toMatchObject({ code: "commissioning.unknown_model" });
  });

  it("refuses a second run of a job while one is going", async () => {
    const job = await start();
    const first = run(job.id);
    expect((await failure(() => run(job.id))).code).toBe("commissioning.busy");
    await first;
  });

  it("says why Bluetooth cannot be used, and waits for an IQ to be chosen", async () => {
    rig.central.setState("powered-off");
    const job = await start();
    const failed = await run(job.id);
    expect(failed).toMatchObject({ step: "discover", status: "failed" });
    expect(failed.lastError).toMatchObject({ code: "ble.powered-off" });
    expect(failed.lastError!.message).toMatch(/switched off/);
    rig.central.setState("powered-on");
    const noPeripheral = await rig.flow.start(site.store, { plannedIq: "IQ2" }, actor);
    expect(noPeripheral).toMatchObject({ status: "needs-input", waitingFor: "peripheral" });
    const next = await run(noPeripheral.id, { peripheralId: peripheralOf(iqB), maxSteps: 1 });
    expect(next).toMatchObject({ step: "authenticate" });
    expect(await run(noPeripheral.id)).toMatchObject({ step: "authenticate", status: "needs-input", waitingFor: "activation-code" });
  });

  it("blinks and scans Wi-Fi on the job's IQ, asking for the code when it has none", async () => {
    const job = await start();
    await rig.flow.blink(site.store, job.id, 5);
    expect(iqA.calls.filter((c) => c.op === "blink").map((c) => c.args[0])).toEqual([5]);
    expect((await rig.flow.wifiScan(site.store, job.id)).map((w) => w.ssid)).toEqual(["Hotel-Staff"]);
    const other = await rig.flow.start(site.store, { plannedIq: "IQ2", peripheralId: peripheralOf(iqB) }, actor);
    expect((await failure(() => rig.flow.blink(site.store, other.id, 5))).code).toBe("commissioning.needs_input");
    await rig.flow.blinkPeripheral(peripheralOf(iqB), "OTHER-CODE", 3);
    expect(iqB.calls.filter((c) => c.op === "blink")).toHaveLength(1);
    expect(((await failure(() => rig.flow.blinkPeripheral(peripheralOf(iqB), "BAD", 3))) as KsError).ksCode).toBe(1501);
  });

  it("keeps activation codes in memory only when there is no vault", async () => {
    rig = makeRig([iqA], { clock: site.clock, ids: site.ids, vault: undefined });
    const job = await start();
    expect(job.activationCodeRef).toBeNull();
    expect(await run(job.id, { maxSteps: 3 })).toMatchObject({ step: "network" });
    rig.restart();
    await rig.flow.setNetwork(site.store, job.id, { kind: "ethernet-dhcp" }, actor);
    expect(await run(job.id)).toMatchObject({ step: "network", status: "needs-input", waitingFor: "activation-code" });
    expect((await failure(() => rig.flow.setNetwork(site.store, job.id, { kind: "wifi", ssid: "X", security: "wpa2-psk", passphrase: "12345678" }, actor))).code).toBe("vault.unavailable");
  });
});
