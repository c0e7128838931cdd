import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startHost } from "../../../cli/serve/host.ts";
import type { Output } from "../../../core/api/contract.ts";
import type { LintelAppOptions } from "../../../core/app/lintel-app.ts";
import { encodeKeystrokes } from "../../../core/devices/hid/boot-keyboard.ts";
import type { KsError } from "../../../core/errors/index.ts";
import { VirtualScheduler } from "../../../core/ports/scheduler.ts";
import { useAppSession } from "../../support/app-session.ts";
import { FakeNodeHid, SYCREADER, VENDOR_READER } from "../../unit/devices/hid/fake-node-hid.ts";

const POLL = 1000;
const TIMEFRAME = {
  monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false,
  startTime: "08:00:00", endTime: "18:00:00", startDate: null, endDate: null,
};
const CHECK_IN_OUT = { ...TIMEFRAME, saturday: true, sunday: true, startTime: "00:00:00", endTime: "23:59:59", startDate: "2026-11-26T15:00:00", endDate: "2026-11-28T11:00:00" };

describe("USB tag readers over the router", () => {
  // Each case picks its readers, so the app opens in the test.
  const session = useAppSession(() => ({ actor: "reception", tmpPrefix: "lintel-readers-", idSeed: 51, randomSeed: 52, deferOpen: true }));
  const { call, failure, ofKind } = session;
  const open = (tagReaders: LintelAppOptions["tagReaders"]) => session.open({ tagReaders });

  it("the simulated reader end to end: plugged, a tag presented, readers.read emitted, tags.lookup names the owner", async () => {
    open({ usb: "off" });
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const store = session.app.workspace.get(siteId);
    const tags = store.list("tag");
    const owned = tags.find((t) => t.state === "assigned")!;
    const owner = store.get("user", owned.userId!)!;
    const free = tags.find((t) => t.state === "unassigned")!;
    const blocked = tags.find((t) => t.state === "blocked")!;

    expect(await call<Output<"app.info">>("app.info")).toMatchObject({ tagReaders: "simulated" });
    const plugged = await call<Output<"readers.simulate">>("readers.simulate", { action: "plug", readerId: "sim-desk", siteId });
    expect(plugged.readers).toMatchObject([{ readerId: "sim-desk", kind: "wedge", source: "simulated", vendorId: 0x1209, productId: 1, siteId }]);
    expect(ofKind("readers.changed").find((c) => c.change === "arrived")).toMatchObject({ readerId: "sim-desk", status: { availability: "simulated", usb: null, simulation: true } });

    const presented = await call<Output<"readers.simulate">>("readers.simulate", { action: "present", tagNumber: owned.number.toLowerCase() });
    expect(presented.presented).toEqual({ readerId: "sim-desk", tagNumber: owned.number, reports: encodeKeystrokes(owned.number).map((r) => Buffer.from(r).toString("hex")) });
    const [read] = ofKind("readers.read");
    expect(read).toEqual({ siteId, readerId: "sim-desk", tagNumber: owned.number, at: expect.any(String), via: "report" });
    // Stamped at the Enter report, a few ms before the last (release) report, which is "now".
    expect(session.clock.now() - Date.parse(read!.at)).toBeGreaterThan(0);
    expect(session.clock.now() - Date.parse(read!.at)).toBeLessThan(10);

    const lookup = await call<Output<"tags.lookup">>("tags.lookup", { siteId, tagNumber: read!.tagNumber });
    expect(lookup).toMatchObject({
      tagNumber: owned.number,
      status: "assigned",
      tag: { id: owned.id },
      holder: { kind: "user", userId: owner.id, firstName: owner.firstName, lastName: owner.lastName, role: owner.role },
    });
    expect(await call("tags.lookup", { siteId, tagNumber: free.number })).toMatchObject({ status: "unassigned", holder: null });
    expect(await call("tags.lookup", { siteId, tagNumber: blocked.number })).toMatchObject({ status: "blocked", tag: { id: blocked.id } });
    expect(await call("tags.lookup", { siteId, tagNumber: " 04 ff ff ff " })).toEqual({ tagNumber: "04FFFFFF", status: "unregistered", tag: null, holder: null });

    // A vendor reader too, and unplugging: the list follows.
    await call("readers.simulate", { action: "plug", kind: "vendor", readerId: "sim-v" });
    session.clock.advance(2000);
    await call("readers.simulate", { action: "present", readerId: "sim-v", tagNumber: owned.number });
    expect(ofKind("readers.read").map((r) => [r.readerId, r.tagNumber, r.siteId])).toEqual([
      ["sim-desk", owned.number, siteId],
      ["sim-v", owned.number, undefined],
    ]);
    const after = await call<Output<"readers.simulate">>("readers.simulate", { action: "unplug", readerId: "sim-desk" });
    expect(after.readers.map((r) => r.readerId)).toEqual(["sim-v"]);
    expect(ofKind("readers.changed").map((c) => `${c.change} ${c.readerId}`)).toEqual(["state null", "arrived sim-desk", "bound sim-desk", "arrived sim-v", "left sim-desk"]);
  });

  it("tags.lookup finds a Wiegand tag stored before numbers were padded, and a tag held by a pod guest", async () => {
    open({ usb: "off", simulated: false });
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const store = session.app.workspace.get(siteId);
    store.act({ name: "test.wiegand" }, (tx) => tx.insert("tag", { number: "12:345", state: "unassigned" }));
    expect(await call("tags.lookup", { siteId, tagNumber: "012:00345" })).toMatchObject({ status: "unassigned", tag: { number: "12:345" } });
    expect(await call("tags.lookup", { siteId, tagNumber: "12:345" })).toMatchObject({ status: "unassigned", tag: { number: "12:345" } });

    // A pod tag handed to a guest: the guest is its holder.
    store.act({ name: "test.spare" }, (tx) => tx.insert("tag", { number: "04B00001", state: "unassigned" }));
    const spare = store.list("tag").find((t) => t.number === "04B00001")!;
    const member = store.list("user").find((u) => u.email !== null)!;
    const lockId = store.list("lock")[0]!.id;
    const pod = await call<Output<"pods.create">>("pods.create", { siteId, name: "Studio A", members: [{ userId: member.id, lockIds: [lockId] }], lockIds: [lockId], tagIds: [spare.id], guestLimit: 2, timeframe: TIMEFRAME });
    const invited = await call<Output<"pods.inviteGuests">>("pods.inviteGuests", {
      siteId, podId: pod.pod.id, invitedBy: member.id, lockIds: [lockId], timeframe: CHECK_IN_OUT, guests: [{ firstName: "Ines", lastName: "Vos", tagId: spare.id }],
    });
    expect(await call("tags.lookup", { siteId, tagNumber: "04b00001" })).toMatchObject({
      status: "assigned",
      holder: { kind: "guest", guestId: invited.detail.guests[0]!.id, podId: pod.pod.id, firstName: "Ines", lastName: "Vos" },
    });
  });

  it("hot-plug through node-hid: readers.changed when a reader arrives and leaves; app.info says 'available'", async () => {
    const fake = new FakeNodeHid();
    const scheduler = new VirtualScheduler();
    open({ loadNodeHid: async () => fake, scheduler, pollIntervalMs: POLL, simulated: false });
    expect(await call<Output<"readers.list">>("readers.list")).toMatchObject({ status: { availability: "available", usb: { status: "available" }, simulation: false }, readers: [] });
    expect(await call<Output<"app.info">>("app.info")).toMatchObject({ tagReaders: "available" });

    fake.devices = [VENDOR_READER];
    await scheduler.advance(POLL);
    expect(ofKind("readers.changed").at(-1)).toMatchObject({ change: "arrived", readerId: "usb:1209:4c54", readers: [{ readerId: "usb:1209:4c54", kind: "vendor", source: "usb" }] });

    // The reader's report, as node-hid delivers it, becomes a read.
    fake.handles.get(VENDOR_READER.path!)!.emitReport([0x4c, 0x06, 0x11, 0x04, 0x02, 0xf7, 0x64, 0xdd, 0x16, ...new Array<number>(23).fill(0)]);
    expect(ofKind("readers.read")).toEqual([{ readerId: "usb:1209:4c54", tagNumber: "123:45678", at: "2026-11-25T09:00:00.000Z", via: "report" }]);

    fake.devices = [];
    await scheduler.advance(POLL);
    expect(ofKind("readers.changed").at(-1)).toMatchObject({ change: "left", readerId: "usb:1209:4c54", readers: [] });
  });

  it("falls back to keystrokes when the OS will not open the wedge reader: a person typing is not a read, the reader's burst is", async () => {
    const fake = new FakeNodeHid();
    fake.devices = [SYCREADER];
    fake.refuseOpen.set(SYCREADER.path!, "cannot open device");
    open({ loadNodeHid: async () => fake, scheduler: new VirtualScheduler(), pollIntervalMs: POLL });
    const list = await call<Output<"readers.list">>("readers.list");
    expect(list.readers).toMatchObject([{ readerId: "usb:ffff:0035:08FF20140315", kind: "keystrokes", note: expect.stringContaining("in its window") }]);
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const readerId = list.readers[0]!.readerId;
    const keys = (gap: number, t0: number) => [
      ...[..."04A2B9C1"].map((c, i) => ({ key: c, code: /\d/.test(c) ? `Digit${c}` : `Key${c}`, t: t0 + i * gap })),
      { key: "Enter", code: "Enter", t: t0 + 8 * gap },
    ];

    const person = await call<Output<"readers.keystrokes">>("readers.keystrokes", { readerId, siteId, keys: keys(110, 1000) });
    expect(person).toEqual({ readerId, outcomes: [{ kind: "typed", verdict: "human", text: "04A2B9C1" }], pending: false });
    expect(ofKind("readers.read")).toEqual([]);

    const reader = await call<Output<"readers.keystrokes">>("readers.keystrokes", { readerId, siteId, keys: keys(12, 9000) });
    expect(reader.outcomes).toEqual([{ kind: "read", tagNumber: "04A2B9C1", repeat: false }]);
    expect(ofKind("readers.read")).toEqual([{ siteId, readerId, tagNumber: "04A2B9C1", at: "2026-11-25T09:00:00.000Z", via: "keystrokes" }]);
    expect(await call("tags.lookup", { siteId, tagNumber: "04A2B9C1" })).toMatchObject({ status: "assigned", holder: { kind: "user" } });
  });

  it("node-hid unavailable (no native build): app.info says 'unavailable' with the reason in readers.list, and nothing crashes", async () => {
    open({ loadNodeHid: async () => Promise.reject(new Error("No native build was found for platform=linux")), scheduler: new VirtualScheduler() });
    expect(await call<Output<"app.info">>("app.info")).toMatchObject({ tagReaders: "unavailable" });
    expect((await call<Output<"readers.list">>("readers.list")).status).toEqual({
      availability: "unavailable",
      usb: { status: "unavailable", reason: "node-hid could not be loaded: No native build was found for platform=linux" },
      simulation: true,
    });
  });

  it("through the loopback host of `lintel serve`: the window gets readers.read and asks tags.lookup over the WebSocket", async () => {
    open({ usb: "off" });
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const owned = session.app.workspace.get(siteId).list("tag").find((t) => t.state === "assigned")!;
    const host = await startHost({ router: session.app.router, events: session.app.events, staticDir: session.dataDir, port: 0, actor: "reception" });
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, { headers: { Cookie: `lintel_session=${host.token}`, Origin: `http://127.0.0.1:${host.port}` } });
    try {
      await new Promise((ok, fail) => ws.once("open", ok).once("error", fail));
      const frames: { t: string; id?: number; name?: string; payload?: { tagNumber: string }; output?: unknown }[] = [];
      const lookedUp = new Promise<unknown>((ok) => {
        ws.on("message", (data) => {
          const f = JSON.parse(String(data)) as (typeof frames)[number];
          frames.push(f);
          if (f.t === "event" && f.name === "readers.read") ws.send(JSON.stringify({ t: "call", id: 2, name: "tags.lookup", input: { siteId, tagNumber: f.payload!.tagNumber } }));
          if (f.t === "result" && f.id === 2) ok(f.output);
        });
      });
      ws.send(JSON.stringify({ t: "call", id: 1, name: "readers.simulate", input: { action: "plug", readerId: "sim-desk" } }));
      ws.send(JSON.stringify({ t: "call", id: 3, name: "readers.simulate", input: { action: "present", tagNumber: owned.number } }));
      expect(await lookedUp).toMatchObject({ status: "assigned", holder: { kind: "user", userId: owned.userId } });
    } finally {
      ws.close();
      await host.close();
    }
  });

  it("refuses bad input to every procedure with KS 1100 (shape) or 1101 (a value that names nothing), and simulation can be off", async () => {
    open({ usb: "off" });
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const ks = async (name: string, input: unknown) => {
      const e = (await failure(name, input)) as KsError;
      return e.ksCode ?? e.code;
    };
    const key = { key: "1", code: "Digit1", t: 1 };

    expect(await ks("readers.list", "everything")).toBe(1100);
    expect(await ks("readers.list", [])).toBe(1100);

    for (const bad of [
      { keys: [] },
      { keys: Array.from({ length: 257 }, (_, i) => ({ ...key, t: i })) },
      { keys: [{ ...key, t: -1 }] },
      { keys: [{ ...key, t: Number.POSITIVE_INFINITY }] },
      { keys: [{ ...key, key: "x".repeat(33) }] },
      { keys: [{ key: "1", t: 1 }] },
      { keys: [key], siteId: "not-a-site" },
      { keys: [key], readerId: "" },
      { keys: [key], readerId: "x".repeat(201) },
      { keys: "1234" },
    ]) {
      expect(await ks("readers.keystrokes", bad)).toBe(1100);
    }
    expect(await ks("readers.keystrokes", { keys: [key], readerId: "usb:ffff:0035" })).toBe(1101);

    for (const bad of [
      {},
      { action: "explode" },
      { action: "plug", kind: "keystrokes" },
      { action: "plug", readerId: "usb:ffff:0035" },
      { action: "plug", siteId: "nope" },
      { action: "unplug" },
      { action: "present", tagNumber: "xyz" },
      { action: "present", tagNumber: "1".repeat(65) },
      { action: "present", tagNumber: "04A2B9C1", repeats: 0 },
      { action: "present", tagNumber: "04A2B9C1", technology: "magstripe" },
    ]) {
      expect(await ks("readers.simulate", bad)).toBe(1100);
    }
    expect(await ks("readers.simulate", { action: "present", tagNumber: "04A2B9C1" })).toBe(1101); // nothing plugged
    expect(await ks("readers.simulate", { action: "unplug", readerId: "sim-none" })).toBe(1101);
    await call("readers.simulate", { action: "plug", kind: "vendor", readerId: "sim-v" });
    expect(await ks("readers.simulate", { action: "plug", readerId: "sim-v" })).toBe(1101);
    expect(await ks("readers.simulate", { action: "present", readerId: "sim-v", tagNumber: "12345" })).toBe(1101);
    expect(ofKind("readers.read")).toEqual([]);

    for (const bad of [{}, { siteId }, { siteId, tagNumber: "zz" }, { siteId, tagNumber: "0".repeat(65) }, { siteId, tagNumber: 4242 }, { siteId: "x", tagNumber: "04A2B9C1" }]) {
      expect(await ks("tags.lookup", bad)).toBe(1100);
    }
    expect(await ks("tags.lookup", { siteId: "019a0000-0000-7000-8000-0000000000ff", tagNumber: "04A2B9C1" })).toBe("site.not_open");

    open({ usb: "off", simulated: false }); // closes the first app, then opens on the same folder
    expect(await ks("readers.simulate", { action: "plug" })).toBe("readers.simulation_off");
    expect((await call<Output<"readers.list">>("readers.list")).status).toEqual({ availability: "unavailable", usb: null, simulation: false });
  });
});
