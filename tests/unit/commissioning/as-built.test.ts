import { afterEach, describe, expect, it } from "vitest";
import { asBuiltOf } from "../../../core/commissioning/index.ts";
import { FakeIq, lockDeviceId, makeRig, makeSite, peripheralOf, repeaterId, storePlan, type Site } from "./fixtures.ts";

describe("the as-built tree against the plan", () => {
  let site: Site;
  afterEach(() => site.cleanup());

  it("lists missing, extra and wrong-parent devices, with link quality, RSSI and the latest door test", async () => {
    site = makeSite();
    storePlan(site);
    const box = new FakeIq({ serial: "SN0001", code: "A", tree: [{ deviceId: "EE0000FF", role: "repeater", parentDeviceId: null, linkQuality: 40 }] });
    const rig = makeRig([box], { clock: site.clock, ids: site.ids });
    const job = await rig.flow.start(site.store, { plannedIq: "IQ1", peripheralId: peripheralOf(box), activationCode: "A" }, "installer");
    await rig.flow.setNetwork(site.store, job.id, { kind: "ethernet-dhcp" }, "installer");
    rig.flow.setDeviceIds(site.store, job.id, [
      { ref: "R1", deviceId: repeaterId(1) },
      { ref: "R2", deviceId: repeaterId(2) },
      ...site.doors.slice(0, 8).map((door, i) => ({ ref: door, deviceId: lockDeviceId(i + 1) })),
    ], "installer");
    const done = await rig.flow.run(site.store, job.id, {}, "installer");
    expect(done.step).toBe("done");

    const clean = asBuiltOf(site.store, job.iqId);
    expect(clean.iq).toMatchObject({ serial: "SN0001", model: "IQ 2.0", network: { kind: "ethernet-dhcp" }, cloudConnected: true });
    expect(clean.planIsLatest).toBe(true);
    expect(clean.built).toHaveLength(10);
    const lock2 = clean.built.find((b) => b.deviceId === lockDeviceId(2))!;
    expect(lock2).toMatchObject({ role: "lock", parent: { kind: "repeater", name: "Repeater R1" }, linkQuality: 80, rssi: -65, lastTest: { outcome: "opened", latencyMs: 180 } });
    // The IQ's own stray repeater is the only difference.
    expect(clean.differences).toEqual([expect.objectContaining({ kind: "extra", deviceId: "EE0000FF", id: null })]);

    // Someone moves door 4's lock onto R2, unhooks door 8's lock and hangs door 12's lock on the IQ.
    const r2 = site.store.list("repeater").find((r) => r.deviceId === repeaterId(2))!;
    const lockOf = (i: number) => site.lockOfDoor.get(site.doors[i]!)!;
    site.store.act({ name: "test.edit" }, (tx) => {
      tx.update("lock", lockOf(3), (l) => ({ ...l, parent: { kind: "repeater", id: r2.id } }));
      tx.update("lock", lockOf(7), (l) => ({ ...l, parent: null }));
      tx.update("lock", lockOf(11), (l) => ({ ...l, parent: { kind: "iq", id: job.iqId } }));
    });
    const view = asBuiltOf(site.store, job.iqId);
    const byKind = (k: string) => view.differences.filter((d) => d.kind === k);
    expect(byKind("missing")).toEqual([expect.objectContaining({ ref: site.doors[7], role: "lock" })]);
    expect(byKind("wrong-parent")).toEqual([expect.objectContaining({ ref: site.doors[3], expectedParent: "Repeater R1", actualParent: "Repeater R2" })]);
    expect(byKind("extra").map((d) => d.name)).toEqual(["Room 112", "EE0000FF"]);
    for (const d of view.differences) expect(d.message.length).toBeGreaterThan(10);
  });

  it("has nothing to compare for an IQ without a job, and refuses an unknown IQ", () => {
    site = makeSite(2);
    const iq = site.store.act({ name: "test.iq" }, (tx) => tx.insert("iq", { name: "Loose IQ" }));
    expect(asBuiltOf(site.store, iq.id)).toMatchObject({ jobId: null, planned: null, planIsLatest: null, built: [], differences: [] });
    expect(() => asBuiltOf(site.store, site.lockOfDoor.get(site.doors[0]!)!)).toThrow(/not part of this site/);
  });
});
