import { describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import type { KsError } from "../../../core/errors/index.ts";
import { useAppSession } from "../../support/app-session.ts";

type Presented = Output<"enrollment.present">;
type Assigned = Output<"enrollment.assign">;

describe("Smart Tag Enrollment over the router, on a real site file", () => {
  const session = useAppSession(() => ({ actor: "reception", tmpPrefix: "lintel-reception-", idSeed: 5, randomSeed: 55 }));
  const { call, failure } = session;

  /**
   * The demo hotel with three locks brought online (commissioning does that on site):
   * the reception office, the staff room, and the main entrance, which is then put in
   * Office Mode. The others stay offline. Also a "Staff" access group.
   */
  async function hotel() {
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const store = session.app.workspace.get(siteId);
    const lock = (name: string) => store.list("lock").find((l) => l.name === name)!;
    store.act({ name: "test.locks-online" }, (tx) => {
      for (const name of ["Reception office", "Staff room", "Main entrance"]) tx.update("lock", lock(name).id, (l) => ({ ...l, online: true, linkState: "attached" }));
    });
    await call("locks.setOfficeMode", { siteId, lockId: lock("Main entrance").id, active: true });
    const staff = await call<Output<"accessGroups.create">>("accessGroups.create", { siteId, name: "Staff", lockIds: [lock("Staff room").id, lock("Main entrance").id] });
    const users = Object.fromEntries(store.list("user").map((u) => [u.firstName.toLowerCase(), u]));
    return { siteId, store, lock, staff, users };
  }

  const journalLength = async (siteId: string) => (await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 })).length;

  it("lists the candidate readers with why each refused lock cannot be chosen, and refuses those", async () => {
    const h = await hotel();
    const readers = await call<Output<"enrollment.readers">>("enrollment.readers", { siteId: h.siteId });
    expect(readers.selected).toBeNull();
    expect(readers.locks).toHaveLength(20);
    const by = (name: string) => readers.locks.find((c) => c.name === name)!;
    expect(by("Reception office")).toMatchObject({ online: true, inOfficeMode: false, eligible: true, refusal: null });
    expect(by("Main entrance")).toMatchObject({ online: true, inOfficeMode: true, eligible: false, refusal: { code: "enrollment.reader_in_office_mode", reason: "office-mode" } });
    expect(by("Room 101")).toMatchObject({ online: false, eligible: false, refusal: { code: "enrollment.reader_offline", reason: "offline" } });
    expect(readers.locks.filter((c) => c.eligible).map((c) => c.name).sort()).toEqual(["Reception office", "Staff room"]);

    const before = await journalLength(h.siteId);
    const offline = await failure("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Room 101").id } });
    expect(offline.code).toBe("enrollment.reader_offline");
    expect(offline.message).toMatch(/Room 101 is offline/);
    const office = await failure("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Main entrance").id } });
    expect(office.code).toBe("enrollment.reader_in_office_mode");
    const superUser = (await failure("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Reception office").id }, asRole: "site-super-user" })) as KsError;
    expect(superUser.ksCode).toBe(2203);
    expect(await journalLength(h.siteId)).toBe(before);

    const chosen = await call<Output<"enrollment.selectReader">>("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Reception office").id } });
    expect(chosen.reader).toEqual({ kind: "lock", lockId: h.lock("Reception office").id });
    // Choosing again replaces the one default reader.
    await call("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "usb", readerId: "hid:0c27:3bfa:desk", label: "Desk reader" } });
    await call("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Reception office").id } });
    expect(h.store.list("tagReader")).toHaveLength(1);
    expect((await call<Output<"enrollment.readers">>("enrollment.readers", { siteId: h.siteId })).selected?.reader).toEqual(chosen.reader);
  });

  it("presents an unknown tag, registers it, assigns it to a new user, and shows the owner when presented again", async () => {
    const h = await hotel();
    await call("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Reception office").id } });

    const first = await call<Presented>("enrollment.present", { siteId: h.siteId, number: "04c0ffee" });
    expect(first).toMatchObject({ registered: true, standing: "unassigned", holder: null, via: { kind: "lock", lockId: h.lock("Reception office").id } });
    expect(first.tag).toMatchObject({ number: "04C0FFEE", state: "unassigned", userId: null });
    expect(session.events).toContainEqual(["site.changed", { siteId: h.siteId, action: "enrollment.present" }]);

    const assigned = await call<Assigned>("enrollment.assign", {
      siteId: h.siteId,
      tagId: first.tag.id,
      via: first.via,
      to: {
        kind: "new", firstName: "Nora", lastName: "Jansen", role: "user", email: "nora.jansen@aurora-hotel.example",
        waysOfOpening: { pin: true }, lockPermissions: { manualOfficeMode: true }, accessGroupIds: [h.staff.id],
      },
    });
    expect(assigned.user).toMatchObject({
      firstName: "Nora", lastName: "Jansen", role: "user",
      waysOfOpening: { digitalKey: true, pin: true, tag: true, remoteOpening: false },
      lockPermissions: { manualOfficeMode: true, easyOfficeMode: false },
    });
    expect(assigned.tag).toMatchObject({ state: "assigned", userId: assigned.user.id, assignedAt: "2026-11-25T09:00:00.000Z" });
    expect(assigned.accessGroups.map((g) => g.id)).toEqual([h.staff.id]);

    const journal = await journalLength(h.siteId);
    const again = await call<Presented>("enrollment.present", { siteId: h.siteId, number: "04C0FFEE" });
    expect(again).toMatchObject({ registered: false, standing: "assigned", holder: { id: assigned.user.id, firstName: "Nora", lastName: "Jansen" } });
    expect(await journalLength(h.siteId)).toBe(journal); // looking leaves no trace

    const detail = await call<Output<"users.get">>("users.get", { siteId: h.siteId, userId: assigned.user.id });
    expect(detail.tags.map((t) => t.number)).toEqual(["04C0FFEE"]);
    expect(detail.accessGroups.map((g) => g.name)).toEqual(["Staff"]);
    expect(detail.lockPermissions).toEqual({ manualOfficeMode: true, easyOfficeMode: false });
    expect(detail.capabilities).toEqual([]);

    const history = await call<Output<"tags.history">>("tags.history", { siteId: h.siteId, tagId: first.tag.id });
    expect(history.map((e) => [e.kind, e.userId, e.via?.kind ?? null, e.actor])).toEqual([
      ["registered", null, "lock", "reception"],
      ["assigned", assigned.user.id, "lock", "reception"],
    ]);

    // A second Nora with the same e-mail, or a second Owner, is refused before anything is written.
    const tag2 = await call<Presented>("enrollment.present", { siteId: h.siteId, number: "04C0FFEF" });
    const before = await journalLength(h.siteId);
    expect((await failure("enrollment.assign", { siteId: h.siteId, tagId: tag2.tag.id, to: { kind: "new", firstName: "N", lastName: "J", email: "NORA.jansen@aurora-hotel.example" } })).code).toBe("user.email_taken");
    expect((await failure("enrollment.assign", { siteId: h.siteId, tagId: tag2.tag.id, to: { kind: "new", firstName: "N", lastName: "J", role: "owner" } })).code).toBe("user.one_owner");
    expect((await failure("enrollment.assign", { siteId: h.siteId, tagId: first.tag.id, to: { kind: "existing", userId: h.users["tom"]!.id } })).code).toBe("tag.assigned");
    expect(((await failure("enrollment.assign", { siteId: h.siteId, tagId: tag2.tag.id, to: { kind: "existing", userId: h.users["tom"]!.id }, asRole: "user" })) as KsError).ksCode).toBe(2203);
    expect(await journalLength(h.siteId)).toBe(before);
  });

  it("types numbers by hand, refuses malformed ones, and refuses a reader that went offline since it was chosen", async () => {
    const h = await hotel();
    expect((await failure("enrollment.present", { siteId: h.siteId, number: "04C0FFEE" })).code).toBe("enrollment.no_reader");
    const typed = await call<Presented>("enrollment.present", { siteId: h.siteId, number: " 04 c0 ff ee ", source: "typed" });
    expect(typed).toMatchObject({ registered: true, via: { kind: "typed" }, tag: { number: "04C0FFEE" } });
    expect((await failure("enrollment.present", { siteId: h.siteId, number: "hello!", source: "typed" })).code).toBe("hid.tag.format");
    expect((await failure("enrollment.present", { siteId: h.siteId, number: "12", source: "typed" })).code).toBe("hid.tag.length");
    const wiegand = await call<Presented>("enrollment.present", { siteId: h.siteId, number: "12:345", source: "typed" });
    expect(wiegand.tag.number).toBe("012:00345");

    await call("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Staff room").id } });
    h.store.act({ name: "test.lock-offline" }, (tx) => tx.update("lock", h.lock("Staff room").id, (l) => ({ ...l, online: false })));
    const gone = await failure("enrollment.present", { siteId: h.siteId, number: "04C0FFF1" });
    expect(gone.code).toBe("enrollment.reader_offline");
    const readers = await call<Output<"enrollment.readers">>("enrollment.readers", { siteId: h.siteId });
    expect(readers.selectedRefusal).toMatchObject({ code: "enrollment.reader_offline" });
    expect(h.store.list("tag").some((t) => t.number === "04C0FFF1")).toBe(false);
  });

  it("a Master Key tag cannot leave the site before it is unassigned as Master Key", async () => {
    const h = await hotel();
    const master = h.store.list("tag").find((t) => t.masterKey)!; // Jonas's tag in the demo
    const before = await journalLength(h.siteId);
    const refused = await failure("tags.remove", { siteId: h.siteId, tagId: master.id });
    expect(refused.code).toBe("tag.master_key");
    expect(await journalLength(h.siteId)).toBe(before);
    expect(((await failure("tags.unassignMasterKey", { siteId: h.siteId, tagId: master.id, asRole: "site-super-user" })) as KsError).ksCode).toBe(2203);

    const unmade = await call<Output<"tags.unassignMasterKey">>("tags.unassignMasterKey", { siteId: h.siteId, tagId: master.id });
    expect(unmade.masterKey).toBe(false);
    expect(await call<Output<"tags.remove">>("tags.remove", { siteId: h.siteId, tagId: master.id })).toMatchObject({ removed: { id: master.id, number: master.number } });
    expect(h.store.get("tag", master.id)).toBeUndefined();
    expect(h.store.get("tagHistory", master.id)).toBeUndefined();

    // And back: a tag made a Master Key is held to the same rule.
    const other = h.store.list("tag").find((t) => t.state === "unassigned")!;
    await call("tags.assignMasterKey", { siteId: h.siteId, tagId: other.id });
    expect((await failure("tags.remove", { siteId: h.siteId, tagId: other.id })).code).toBe("tag.master_key");
    expect((await call<Output<"tags.history">>("tags.history", { siteId: h.siteId, tagId: other.id })).map((e) => e.kind)).toEqual(["master-key-set"]);
  });

  it("a lost tag is blocked and a new one issued to the same user; the blocked one is never given again", async () => {
    const h = await hotel();
    const tom = h.users["tom"]!;
    const lost = h.store.list("tag").find((t) => t.userId === tom.id)!;
    await call("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Reception office").id } });

    const done = await call<Output<"tags.reportLost">>("tags.reportLost", { siteId: h.siteId, tagId: lost.id, replacementNumber: "04D00001" });
    expect(done.blocked).toMatchObject({ id: lost.id, state: "blocked", userId: tom.id });
    expect(done.replacement).toMatchObject({ number: "04D00001", state: "assigned", userId: tom.id });
    const detail = await call<Output<"users.get">>("users.get", { siteId: h.siteId, userId: tom.id });
    expect(detail.tags.map((t) => [t.number, t.state]).sort()).toEqual([[lost.number, "blocked"], ["04D00001", "assigned"]]);

    const presented = await call<Presented>("enrollment.present", { siteId: h.siteId, number: lost.number });
    expect(presented).toMatchObject({ registered: false, standing: "blocked", holder: { id: tom.id } });
    const again = await failure("enrollment.assign", { siteId: h.siteId, tagId: lost.id, to: { kind: "existing", userId: h.users["ahmed"]!.id } });
    expect(again.code).toBe("tag.blocked");
    expect((await failure("tags.reportLost", { siteId: h.siteId, tagId: lost.id })).code).toBe("tag.already_blocked");
    expect(((await failure("tags.reportLost", { siteId: h.siteId, tagId: done.replacement!.id, asRole: "site-super-user" })) as KsError).ksCode).toBe(2203);

    const lostHistory = await call<Output<"tags.history">>("tags.history", { siteId: h.siteId, tagId: lost.id });
    expect(lostHistory.map((e) => [e.kind, e.otherTagId])).toEqual([["blocked", null], ["replaced-by", done.replacement!.id]]);
    const newHistory = await call<Output<"tags.history">>("tags.history", { siteId: h.siteId, tagId: done.replacement!.id });
    expect(newHistory.map((e) => e.kind)).toEqual(["registered", "replaces", "assigned"]);

    // A free tag of the site can be the replacement too; a number held by someone else cannot.
    const sofiaTag = h.store.list("tag").find((t) => t.userId === h.users["sofia"]!.id)!;
    expect((await failure("tags.reportLost", { siteId: h.siteId, tagId: done.replacement!.id, replacementNumber: sofiaTag.number })).code).toBe("tag.assigned");
    expect(h.store.get("tag", done.replacement!.id)!.state).toBe("assigned"); // the refused report blocked nothing
  });

  it("tells an imported tag's history from the import's own action: registered and given, or a free tag given", async () => {
    const h = await hotel();
    const free = await call<Presented>("enrollment.present", { siteId: h.siteId, number: "04F00009", source: "typed" });
    const csv = "First name,Last name,Tags\nAnna,Maes,04F00001\nBram,Claes,04F00009\n";
    await call("import.commit", { siteId: h.siteId, source: { kind: "bytes", name: "staff.csv", dataBase64: Buffer.from(csv).toString("base64") }, mapping: {} });
    const anna = h.store.list("user").find((u) => u.firstName === "Anna" && u.lastName === "Maes")!;
    const bram = h.store.list("user").find((u) => u.firstName === "Bram" && u.lastName === "Claes")!;
    const made = h.store.list("tag").find((t) => t.number === "04F00001")!;
    const history = (tagId: string) => call<Output<"tags.history">>("tags.history", { siteId: h.siteId, tagId });
    const importAt = made.assignedAt!;
    expect(await history(made.id)).toEqual([
      { at: importAt, kind: "registered", userId: null, otherTagId: null, via: null, actor: "reception" },
      { at: importAt, kind: "assigned", userId: anna.id, otherTagId: null, via: null, actor: "reception" },
    ]);
    // The free tag: registered at the desk (its history document), then given out by the import.
    expect((await history(free.tag.id)).map((e) => [e.kind, e.userId, e.via?.kind ?? null])).toEqual([
      ["registered", null, "typed"],
      ["assigned", bram.id, null],
    ]);
    // Later events follow the imported ones.
    await call("tags.reportLost", { siteId: h.siteId, tagId: made.id });
    expect((await history(made.id)).map((e) => e.kind)).toEqual(["registered", "assigned", "blocked"]);
  });

  it("enrolls five tags one after another: two to new users, three to existing ones", async () => {
    const h = await hotel();
    await call("enrollment.selectReader", { siteId: h.siteId, reader: { kind: "lock", lockId: h.lock("Reception office").id } });
    const tagsBefore = h.store.counts().tags;
    const usersBefore = h.store.counts().users;
    const numbers = ["04E00001", "04E00002", "04E00003", "04E00004", "04E00005"];
    const targets = [
      { kind: "new", firstName: "Iris", lastName: "Maes", email: "iris@aurora-hotel.example", accessGroupIds: [h.staff.id] },
      { kind: "existing", userId: h.users["ahmed"]!.id },
      { kind: "new", firstName: "Pieter", lastName: "Goossens", role: "site-super-user" },
      { kind: "existing", userId: h.users["tom"]!.id },
      { kind: "existing", userId: h.users["maren"]!.id },
    ];
    const holders: string[] = [];
    for (const [i, number] of numbers.entries()) {
      const presented = await call<Presented>("enrollment.present", { siteId: h.siteId, number });
      expect(presented).toMatchObject({ registered: true, standing: "unassigned", holder: null });
      const assigned = await call<Assigned>("enrollment.assign", { siteId: h.siteId, tagId: presented.tag.id, to: targets[i], via: presented.via });
      holders.push(assigned.user.id);
    }
    expect(h.store.counts().tags).toBe(tagsBefore + 5);
    expect(h.store.counts().users).toBe(usersBefore + 2);
    for (const [i, number] of numbers.entries()) {
      const shown = await call<Presented>("enrollment.present", { siteId: h.siteId, number });
      expect(shown).toMatchObject({ registered: false, standing: "assigned", holder: { id: holders[i] } });
    }
    expect(holders.slice(1, 2).concat(holders.slice(3))).toEqual([h.users["ahmed"]!.id, h.users["tom"]!.id, h.users["maren"]!.id]);
    // Ahmed had no tag: he can now open with one. Tom has two tags.
    expect((await call<Output<"users.get">>("users.get", { siteId: h.siteId, userId: h.users["ahmed"]!.id })).user.waysOfOpening.tag).toBe(true);
    expect((await call<Output<"users.get">>("users.get", { siteId: h.siteId, userId: h.users["tom"]!.id })).tags).toHaveLength(2);
    const pieter = await call<Output<"users.get">>("users.get", { siteId: h.siteId, userId: holders[2]! });
    expect(pieter.user.role).toBe("site-super-user");
    expect(pieter.capabilities.sort()).toEqual(["locks.open-all", "people.view"]);
    expect((await call<Output<"accessGroups.list">>("accessGroups.list", { siteId: h.siteId }))[0]!.userIds).toEqual([holders[0]]);

    // Each step was one journaled action: present (register) and assign, five times each.
    const journal = await call<Output<"journal.list">>("journal.list", { siteId: h.siteId, limit: 1000 });
    const actions = new Map<string, string>();
    for (const e of journal) actions.set(e.actionId, e.action);
    const names = [...actions.values()];
    expect(names.filter((n) => n === "enrollment.present")).toHaveLength(5);
    expect(names.filter((n) => n === "enrollment.assign")).toHaveLength(5);
  });
});
