import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asBuiltOf, deleteIq, replaceIq, type CommissioningJob } from "../../../core/commissioning/index.ts";
import type { KsError } from "../../../core/errors/index.ts";
import { FakeIq, lockDeviceId, makeRig, makeSite, peripheralOf, repeaterId, storePlan, type Rig, type Site } from "./fixtures.ts";

const actor = "installer";

function refusal(fn: () => unknown): KsError {
  try {
    fn();
  } catch (e) {
    return e as KsError;
  }
  throw new Error("not refused");
}

describe("replacing and deleting IQs", () => {
  let site: Site;
  let rig: Rig;
  let oldBox: FakeIq;
  let newBox: FakeIq;
  let old: CommissioningJob;

  /** IQ1 of the plan commissioned on `oldBox`, all doors tested. */
  beforeEach(async () => {
    site = makeSite();
    storePlan(site);
    oldBox = new FakeIq({ serial: "SN0001", code: "A" });
    newBox = new FakeIq({ serial: "SN0077", code: "B", mac: "00:1A:2B:3C:4D:77" });
    rig = makeRig([oldBox, newBox], { clock: site.clock, ids: site.ids });
    old = await rig.flow.start(site.store, { plannedIq: "IQ1", peripheralId: peripheralOf(oldBox), activationCode: "A" }, actor);
    await rig.flow.setNetwork(site.store, old.id, { kind: "ethernet-dhcp" }, actor);
    rig.flow.setDeviceIds(site.store, old.id, [
      { ref: "R1", deviceId: repeaterId(1) },
      { ref: "R2", deviceId: repeaterId(2) },
      ...site.doors.slice(0, 8).map((door, i) => ({ ref: door, deviceId: lockDeviceId(i + 1) })),
    ], actor);
    old = await rig.flow.run(site.store, old.id, {}, actor);
    expect(old.step).toBe("done");
  });
  afterEach(() => site.cleanup());

  /** A second IQ taken through identify on `newBox`, with nothing to attach. */
  async function identifiedNewIq(): Promise<CommissioningJob> {
    const job = await rig.flow.start(site.store, { name: "Spare IQ", peripheralId: peripheralOf(newBox), activationCode: "B" }, actor);
    return rig.flow.run(site.store, job.id, { maxSteps: 3 }, actor);
  }

  const journalLength = () => site.store.journal({ limit: 10000 }).length;

  it("refuses to delete an IQ with devices attached (2209), naming them, and writes nothing", () => {
    const before = journalLength();
    const e = refusal(() => site.store.act({ name: "iqs.delete" }, (tx) => deleteIq(tx, old.iqId)));
    expect(e.ksCode).toBe(2209);
    expect(e.details).toMatchObject({ iqId: old.iqId });
    expect((e.details as { lockIds: string[] }).lockIds).toHaveLength(8);
    expect((e.details as { repeaterIds: string[] }).repeaterIds).toHaveLength(2);
    expect(journalLength()).toBe(before);
    expect(site.store.get("iq", old.iqId)).toBeDefined();
  });

  it("deletes an empty IQ with its job, returning the vault keys only it used", async () => {
    const spare = await identifiedNewIq();
    await rig.flow.setNetwork(site.store, spare.id, { kind: "cellular", apn: "internet", pin: "1234" }, actor);
    const pinKey = site.store.get("commissioningJob", spare.id)!.network;
    expect(pinKey).toMatchObject({ kind: "cellular", pinRef: expect.stringContaining("/sim-pin") });
    // The network is written to the IQ only once it is up: simulate that.
    site.store.act({ name: "test.network" }, (tx) => tx.update("iq", spare.iqId, (iq) => ({ ...iq, network: pinKey! })));
    const result = site.store.act({ name: "iqs.delete" }, (tx) => deleteIq(tx, spare.iqId));
    expect(result.job?.id).toBe(spare.id);
    expect(result.vaultKeys).toEqual([(pinKey as { pinRef: string }).pinRef]);
    expect(site.store.get("iq", spare.iqId)).toBeUndefined();
    expect(site.store.get("commissioningJob", spare.id)).toBeUndefined();
  });

  it("refuses invalid replacements with 2206 and a reason, writing nothing", async () => {
    const unidentified = await rig.flow.start(site.store, { name: "Boxed IQ" }, actor);
    const before = journalLength();
    const reason = (oldId: string, newId: string) => {
      const e = refusal(() => site.store.act({ name: "iqs.replace" }, (tx) => replaceIq(tx, oldId, newId)));
      expect(e.ksCode).toBe(2206);
      return (e.details as { reason: string }).reason;
    };
    expect(reason(old.iqId, old.iqId)).toBe("same-iq");
    expect(reason(old.iqId, unidentified.iqId)).toBe("not-identified");
    const spare = await identifiedNewIq();
    const afterSetup = journalLength();
    site.store.act({ name: "test.model" }, (tx) => tx.update("iq", spare.iqId, (iq) => ({ ...iq, model: "IQ 3.0" })));
    expect(reason(old.iqId, spare.iqId)).toBe("model");
    site.store.act({ name: "test.model" }, (tx) => tx.update("iq", spare.iqId, (iq) => ({ ...iq, model: "IQ 2.0" })));
    // The old IQ cannot take a tree back onto itself while it is full: the spare is not empty once it holds one.
    expect(reason(spare.iqId, old.iqId)).toBe("not-empty");
    expect(journalLength() - afterSetup).toBe(2);
    expect(afterSetup).toBeGreaterThan(before);
  });

  it("moves the whole tree to an empty IQ, which attaches it on its next run; the old IQ can then be deleted", async () => {
    const spare = await identifiedNewIq();
    const moved = site.store.act({ name: "iqs.replace" }, (tx) => replaceIq(tx, old.iqId, spare.iqId));
    expect(moved.moved).toEqual({ repeaters: 2, locks: 8 });
    expect(moved.newJob).toMatchObject({ planIqId: "IQ1", step: "network" });
    expect(moved.newJob!.devices.map((d) => d.deviceId)).toEqual([repeaterId(1), repeaterId(2), ...[1, 2, 3, 4, 5, 6, 7, 8].map(lockDeviceId)]);
    expect(site.store.get("commissioningJob", old.id)).toMatchObject({ planId: null, planIqId: null });
    const r1 = site.store.list("repeater").find((r) => r.deviceId === repeaterId(1))!;
    expect(r1.parent).toEqual({ kind: "iq", id: spare.iqId });
    expect(site.store.list("iqDevice").every((d) => d.iqId === spare.iqId)).toBe(true);

    await rig.flow.setNetwork(site.store, spare.id, { kind: "ethernet-dhcp" }, actor);
    const done = await rig.flow.run(site.store, spare.id, {}, actor);
    expect(done).toMatchObject({ step: "done", status: "done" });
    expect(newBox.nodes.size).toBe(10);
    const view = asBuiltOf(site.store, spare.iqId);
    expect(view.differences).toEqual([]);
    expect(view.built).toHaveLength(10);

    const deleted = site.store.act({ name: "iqs.delete" }, (tx) => deleteIq(tx, old.iqId));
    expect(deleted.iq.id).toBe(old.iqId);
  });

  it("rewinds a finished replacement IQ to attach", async () => {
    const spare = await identifiedNewIq();
    await rig.flow.setNetwork(site.store, spare.id, { kind: "ethernet-dhcp" }, actor);
    expect((await rig.flow.run(site.store, spare.id, {}, actor)).step).toBe("done");
    const moved = site.store.act({ name: "iqs.replace" }, (tx) => replaceIq(tx, old.iqId, spare.iqId));
    expect(moved.newJob).toMatchObject({ step: "attach", status: "ready", finishedAt: null });
  });
});
