import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeChecklist, type ChecklistItemId, type CloudView } from "../../../core/handover/checklist.ts";
import { presetsFromDraft } from "../../../core/handover/presets.ts";
import { openReadWrite } from "../../../core/store/database.ts";
import { handoverSite, signedInView, T0, type HandoverSite } from "./fixture.ts";

let site: HandoverSite;

beforeEach(() => {
  site = handoverSite();
  const made = presetsFromDraft(site.store, { rules: [] }, site.ids);
  if ("refusal" in made) throw made.refusal;
  site.records.savePresets(made.doc, new Date(T0).toISOString());
});
afterEach(() => site.cleanup());

function check(cloud: CloudView = signedInView()) {
  return computeChecklist({ store: site.store, sync: site.records.syncView(), cloud, presets: site.records.presets(), now: site.clock.now() });
}

const itemOf = (id: ChecklistItemId, cloud?: CloudView) => check(cloud).items.find((i) => i.id === id)!;

describe("the handover checklist", () => {
  it("passes for a commissioned, tested, synced site with a subscription and presets", () => {
    const c = check();
    expect(c.items.map((i) => [i.id, i.state])).toEqual([
      ["iqs-online", "ok"],
      ["doors-tested", "ok"],
      ["trees-valid", "ok"],
      ["subscription", "ok"],
      ["sync-clean", "ok"],
      ["presets", "ok"],
    ]);
    expect(c.passed).toBe(true);
    expect(c.items.every((i) => i.action === null && i.problems.length === 0)).toBe(true);
    expect(c.checkedAt).toBe(new Date(site.clock.now()).toISOString());
  });

  describe("every IQ online", () => {
    it("fails for an IQ that is offline (3105) or not activated, naming it", () => {
      site.store.act({ name: "test.offline" }, (tx) => tx.update("iq", site.iqId, (q) => ({ ...q, cloudConnected: false })));
      site.markSynced();
      const offline = itemOf("iqs-online");
      expect(offline).toMatchObject({ state: "failing", ksCode: 3105, problemCount: 1, problems: [{ id: site.iqId, label: "IQ ground", message: expect.stringMatching(/offline/) }] });
      expect(offline.action).toMatch(/network/);
      site.store.act({ name: "test.deactivate" }, (tx) => tx.update("iq", site.iqId, (q) => ({ ...q, cloudConnected: true, activation: "failed" })));
      expect(itemOf("iqs-online").problems[0]!.message).toMatch(/not activated/);
      expect(check().passed).toBe(false);
    });

    it("fails for a site without an IQ", () => {
      const empty = computeChecklist({ store: { ...site.store, list: ((e: string) => (e === "iq" ? [] : site.store.list(e as "lock"))) as typeof site.store.list, latestPlan: () => site.store.latestPlan(), site: () => site.store.site() }, sync: site.records.syncView(), cloud: signedInView(), presets: site.records.presets(), now: T0 });
      expect(empty.items[0]).toMatchObject({ id: "iqs-online", state: "failing", summary: expect.stringMatching(/no IQ/) });
    });
  });

  describe("every door tested", () => {
    it("fails for a door whose last test did not open, one never tested, and a door without a lock", () => {
      site.clock.advance(1000);
      site.store.act({ name: "test.more" }, (tx) => {
        tx.insert("doorTest", { lockId: site.lockIds[0]!, doorId: site.doorIds[0]!, iqId: site.iqId, jobId: site.ids.next(), deviceId: "0EA10000010100", outcome: "no-response", latencyMs: 0, at: new Date(site.clock.now()).toISOString() });
        const door = tx.insert("door", { floorId: site.floorId, name: "Store room", x: 15, y: 2 });
        const lockless = tx.insert("door", { floorId: site.floorId, name: "Roof hatch", x: 16, y: 2 });
        tx.insert("lock", { doorId: door.id, name: "Store room", hardware: { kind: "cylinder" }, parent: { kind: "iq", id: site.iqId } });
        return lockless.id;
      });
      const item = itemOf("doors-tested");
      expect(item.state).toBe("failing");
      expect(item.summary).toBe("3 doors of 6 not tested with success.");
      expect(item.problems.map((p) => [p.label, p.message])).toEqual([
        ["Room 1", "last test: no-response"],
        ["Store room", "not tested yet"],
        ["Roof hatch", "no lock on this door"],
      ]);
    });

    it("takes a door's latest test: a retest that opens makes it ok again", () => {
      site.clock.advance(1000);
      const add = (outcome: "opened" | "refused") =>
        site.store.act({ name: "test.retest" }, (tx) =>
          tx.insert("doorTest", { lockId: site.lockIds[1]!, doorId: site.doorIds[1]!, iqId: site.iqId, jobId: site.ids.next(), deviceId: "0EA10000020100", outcome, latencyMs: 10, at: new Date(site.clock.now()).toISOString() }),
        );
      add("refused");
      expect(itemOf("doors-tested").state).toBe("failing");
      site.clock.advance(1000);
      add("opened");
      expect(itemOf("doors-tested").state).toBe("ok");
    });
  });

  describe("no invalid tree", () => {
    it("checks the as-built trees, hop lengths included: a lock out of radio range fails (2204)", () => {
      site.store.act({ name: "test.move" }, (tx) => tx.update("door", site.doorIds[3]!, (d) => ({ ...d, x: 29, y: 11.5 })));
      const item = itemOf("trees-valid");
      expect(item).toMatchObject({ state: "failing", ksCode: 2204 });
      expect(item.problems).toEqual([expect.objectContaining({ id: site.doorIds[3], label: "hop-range" })]);
      expect(item.summary).toMatch(/as built/);
    });

    it("fails for a lock that hangs in no tree, and for more than 16 locks on one IQ", () => {
      site.store.act({ name: "test.loose" }, (tx) => tx.update("lock", site.lockIds[2]!, (l) => ({ ...l, parent: null })));
      expect(itemOf("trees-valid").problems.map((p) => p.label)).toEqual(["lock-unattached"]);
      site.store.act({ name: "test.crowd" }, (tx) => {
        tx.update("lock", site.lockIds[2]!, (l) => ({ ...l, parent: { kind: "iq", id: site.iqId } }));
        for (let i = 0; i < 13; i++) {
          const door = tx.insert("door", { floorId: site.floorId, name: `Extra ${i}`, x: 10 + i, y: 6 });
          tx.insert("lock", { doorId: door.id, name: `Extra ${i}`, hardware: { kind: "cylinder" }, parent: { kind: "iq", id: site.iqId } });
        }
      });
      expect(itemOf("trees-valid").problems.map((p) => p.label)).toEqual(["iq-locks"]);
    });

    it("checks the structure only when a device has no place, and says so", () => {
      site.store.act({ name: "test.unplace" }, (tx) => tx.update("iq", site.iqId, (q) => ({ ...q, position: null })));
      const ok = itemOf("trees-valid");
      expect(ok).toMatchObject({ state: "ok", summary: expect.stringMatching(/hop lengths unchecked/) });
    });

    it("checks the latest plan before anything is attached, and fails with neither", () => {
      site.store.act({ name: "test.detach" }, (tx) => {
        for (const id of site.lockIds) tx.update("lock", id, (l) => ({ ...l, parent: null }));
      });
      expect(itemOf("trees-valid")).toMatchObject({ state: "failing", summary: "There is no IQ tree to check.", ksCode: null });
      site.store.act({ name: "test.plan" }, (tx) =>
        tx.insert("plan", {
          label: "Planned",
          source: "edited",
          previousId: null,
          plan: { format: "lintel-plan/1", iqs: [{ id: "IQ1", floor: site.floorId, x: 15, y: 6 }], repeaters: [], locks: site.doorIds.slice(0, 3).map((door) => ({ door, parent: "IQ1" })), cost: 1 },
        }),
      );
      const item = itemOf("trees-valid");
      expect(item).toMatchObject({ state: "failing", ksCode: 2204, summary: expect.stringMatching(/latest plan/) });
      expect(item.problems.map((p) => p.label)).toEqual(["door-unplanned"]);
    });
  });

  describe("subscription valid", () => {
    it("is ok with a valid subscription in the cloud, failing (2212) without one or once it ended", () => {
      expect(itemOf("subscription").summary).toMatch(/KS Pro, valid until 2027-11-25/);
      expect(itemOf("subscription", signedInView({ subscription: null }))).toMatchObject({ state: "failing", ksCode: 2212 });
      expect(itemOf("subscription", signedInView({ subscription: { id: "s", plan: "KS Pro", validUntil: new Date(T0).toISOString() } }))).toMatchObject({
        state: "failing",
        ksCode: 2212,
        summary: expect.stringMatching(/ended/),
      });
    });

    it("is unknown when signed out or the cloud does not answer, failing when the site is not in the cloud", () => {
      expect(itemOf("subscription", { kind: "signed-out" })).toMatchObject({ state: "unknown", action: "Sign in to the KS cloud." });
      expect(itemOf("subscription", { kind: "error", code: "cloud.network", message: "no route", ksCode: null })).toMatchObject({ state: "unknown", summary: expect.stringMatching(/no route/) });
      expect(itemOf("subscription", { kind: "not-in-cloud" })).toMatchObject({ state: "failing", action: expect.stringMatching(/Sync/) });
      expect(check({ kind: "signed-out" }).passed).toBe(false);
    });
  });

  describe("sync clean", () => {
    it("fails with changes waiting, counted per kind; the sync's own writes and laptop-only records do not count", () => {
      site.store.act({ name: "test.rename" }, (tx) => tx.update("door", site.doorIds[0]!, (d) => ({ ...d, name: "Room 1 (garden)" })));
      site.store.act({ name: "sync.pull" }, (tx) => tx.update("door", site.doorIds[1]!, (d) => ({ ...d, name: "Room 2 (cloud)" })));
      site.store.act({ name: "test.retest" }, (tx) =>
        tx.insert("doorTest", { lockId: site.lockIds[1]!, doorId: site.doorIds[1]!, iqId: site.iqId, jobId: site.ids.next(), deviceId: "0EA10000020100", outcome: "opened", latencyMs: 10, at: new Date(T0 + 120_000).toISOString() }),
      );
      expect(itemOf("sync-clean")).toMatchObject({ state: "failing", summary: "1 change waiting (door 1).", action: "Sync the site." });
      site.markSynced();
      expect(itemOf("sync-clean").state).toBe("ok");
    });

    it("fails before the first sync, with a batch on its way, set-aside changes and open conflicts", () => {
      const db = openReadWrite(site.path, { mustExist: true });
      try {
        db.prepare(`UPDATE sync_state SET last_synced_at = NULL`).run();
        expect(itemOf("sync-clean").summary).toBe("never synced.");
        db.prepare(`UPDATE sync_state SET last_synced_at = 'x', inflight_from = checkpoint_seq, inflight_to = checkpoint_seq + 1, inflight_body = '[]'`).run();
        expect(itemOf("sync-clean").summary).toBe("a batch is still on its way.");
        db.prepare(`UPDATE sync_state SET inflight_from = NULL, inflight_to = NULL, inflight_body = NULL`).run();
        db.prepare(
          `INSERT INTO sync_set_aside (entity, entity_id, op, doc, last_seq, idem_key, code, ks_code, status, message, advice, at) VALUES ('tag', ?, 'update', '{}', 1, 'k', 'ks.1100', 1100, 400, 'Tag number already used', 'Fix it', 'now')`,
        ).run(site.userId);
        db.prepare(`INSERT INTO sync_conflicts (entity, entity_id, local_doc, remote_doc, remote_version, detected_at) VALUES ('user', ?, '{}', '{}', 2, 'now')`).run(site.ownerId);
      } finally {
        db.close();
      }
      const item = itemOf("sync-clean");
      expect(item).toMatchObject({ state: "failing", summary: "1 change set aside; 1 conflict open.", action: expect.stringMatching(/Resolve/) });
      expect(item.problems.map((p) => [p.id, p.label])).toEqual([
        [site.userId, "tag"],
        [site.ownerId, "user"],
      ]);
    });
  });

  describe("owner presets", () => {
    it("fails until presets are saved, and when a saved rule names a door that is gone", () => {
      const fresh = computeChecklist({ store: site.store, sync: site.records.syncView(), cloud: signedInView(), presets: null, now: T0 });
      expect(fresh.items.find((i) => i.id === "presets")).toMatchObject({ state: "failing", summary: expect.stringMatching(/not set up/) });
      const made = presetsFromDraft(
        site.store,
        { rules: [{ name: "Night entries", people: "anyone", doors: [site.doorIds[0]!], timing: { kind: "always" }, channels: ["email"], recipientIds: [site.ownerId] }] },
        site.ids,
      );
      if ("refusal" in made) throw made.refusal;
      site.records.savePresets(made.doc, new Date(T0).toISOString());
      expect(itemOf("presets")).toMatchObject({ state: "ok", summary: "1 notification rule, NOT CLOSED alerts on 4 doors." });
      site.store.act({ name: "test.gone" }, (tx) => {
        tx.remove("iqDevice", tx.list("iqDevice").find((d) => d.lockId === site.lockIds[0])!.id);
        tx.remove("lock", site.lockIds[0]!);
        tx.remove("door", site.doorIds[0]!);
      });
      expect(itemOf("presets")).toMatchObject({ state: "failing", problems: [expect.objectContaining({ id: "notification.unknown_doors" })] });
    });
  });
});
