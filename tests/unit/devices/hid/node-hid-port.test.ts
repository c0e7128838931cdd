import { describe, expect, it } from "vitest";
import { encodeKeystrokes } from "../../../../core/devices/hid/boot-keyboard.ts";
import { recogniseReader } from "../../../../core/devices/hid/known-readers.ts";
import { NodeHidPort, loadNodeHid, type NodeHidDeviceEntry } from "../../../../core/devices/hid/node-hid/node-hid-port.ts";
import type { PortEvent } from "../../../../core/devices/hid/port.ts";
import { ReaderService, type ReaderServiceEvent } from "../../../../core/devices/hid/reader-service.ts";
import { ManualClock } from "../../../../core/ports/clock.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";
import { FakeNodeHid, LAPTOP_KEYBOARD, MOUSE, SYCREADER, VENDOR_READER } from "./fake-node-hid.ts";

const POLL = 500;

function setup(platform = "linux") {
  const fake = new FakeNodeHid();
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const scheduler = new VirtualScheduler();
  const port = new NodeHidPort({ clock, scheduler, pollIntervalMs: POLL, load: async () => fake, platform });
  const events: PortEvent[] = [];
  port.subscribe((e) => events.push(e));
  const kinds = () => events.map((e) => (e.type === "arrived" ? `arrived ${e.reader.readerId} ${e.reader.kind}` : e.type === "left" ? `left ${e.readerId}` : e.type === "state" ? `state ${e.state.status}` : "report"));
  return { fake, clock, scheduler, port, events, kinds };
}

describe("recogniseReader", () => {
  it("takes known wedge readers, the Lintel usage page and keyboards named like readers; nothing else", () => {
    expect(recogniseReader(SYCREADER)).toEqual({ kind: "wedge", name: "SYC ID&IC USB Reader" });
    expect(recogniseReader({ ...SYCREADER, product: undefined, manufacturer: undefined })).toEqual({ kind: "wedge", name: "Sycreader SYC ID&IC USB Reader" });
    expect(recogniseReader(VENDOR_READER)).toEqual({ kind: "vendor", name: "Desk reader" });
    expect(recogniseReader({ ...LAPTOP_KEYBOARD, product: "125KHz RFID Reader" })).toEqual({ kind: "wedge", name: "125KHz RFID Reader" });
    expect(recogniseReader(LAPTOP_KEYBOARD)).toBeNull();
    expect(recogniseReader(MOUSE)).toBeNull();
    // A known reader's other collection (consumer control) is not the keyboard it types through.
    expect(recogniseReader({ ...SYCREADER, usagePage: 0x0c, usage: 0x01 })).toBeNull();
    // A mouse named "RFID" is still a mouse.
    expect(recogniseReader({ ...MOUSE, product: "RFID mouse" })).toBeNull();
    // A site's own reader, by VID/PID.
    expect(recogniseReader(LAPTOP_KEYBOARD, [{ vendorId: 0x046d, productId: 0xc31c, name: "Desk reader" }])).toEqual({ kind: "wedge", name: "USB Keyboard" });
  });
});

describe("NodeHidPort with a fake node-hid", () => {
  it("lists readers only, opens them, and stamps each report on the injected clock", async () => {
    const { fake, clock, port, events, kinds } = setup();
    fake.devices = [LAPTOP_KEYBOARD, MOUSE, SYCREADER, VENDOR_READER];
    await port.start();
    expect(port.state()).toEqual({ status: "available", reason: null });
    expect(port.readers().map((r) => [r.readerId, r.kind, r.source, r.note])).toEqual([
      ["usb:ffff:0035:08FF20140315", "wedge", "usb", null],
      ["usb:1209:4c54", "vendor", "usb", null],
    ]);
    expect(kinds()).toEqual(["state starting", "state available", "arrived usb:ffff:0035:08FF20140315 wedge", "arrived usb:1209:4c54 vendor"]);
    clock.advance(7);
    fake.handles.get("/dev/hidraw3")!.emitReport([0, 0, 0x27, 0, 0, 0, 0, 0]);
    expect(events.at(-1)).toEqual({ type: "report", readerId: "usb:ffff:0035:08FF20140315", report: Uint8Array.of(0, 0, 0x27, 0, 0, 0, 0, 0), atMs: clock.now() });
    await port.stop();
    expect([...fake.handles.values()].every((h) => h.closed)).toBe(true);
    expect(port.readers()).toEqual([]);
  });

  it("hot-plug: a reader arriving and leaving is seen at the next listing, on the injected timer", async () => {
    const { fake, scheduler, port, kinds } = setup();
    await port.start();
    expect(port.readers()).toEqual([]);
    const listed = fake.listings;
    fake.devices = [SYCREADER];
    await scheduler.advance(POLL - 1);
    expect(fake.listings).toBe(listed); // not yet: node-hid has no events, only the timer
    await scheduler.advance(1);
    expect(port.readers().map((r) => r.readerId)).toEqual(["usb:ffff:0035:08FF20140315"]);
    const handle = fake.handles.get(SYCREADER.path!)!;
    fake.devices = [];
    await scheduler.advance(POLL);
    expect(port.readers()).toEqual([]);
    expect(handle.closed).toBe(true);
    expect(kinds()).toEqual(["state starting", "state available", "arrived usb:ffff:0035:08FF20140315 wedge", "left usb:ffff:0035:08FF20140315"]);
    await port.stop();
    expect(scheduler.pendingTimers).toBe(0);
  });

  it("falls back to keystrokes when the OS keeps the keyboard to itself, and says why in the platform's words", async () => {
    const { fake, port } = setup("win32");
    fake.devices = [SYCREADER];
    fake.refuseOpen.set(SYCREADER.path!, "cannot open device with path \\\\?\\hid#vid_ffff&pid_0035");
    await port.start();
    const [reader] = port.readers();
    expect(reader).toMatchObject({ readerId: "usb:ffff:0035:08FF20140315", kind: "keystrokes" });
    expect(reader!.note).toMatch(/^Windows keeps keyboards to itself: Lintel reads this reader's typing in its window/);
    expect(reader!.note).toContain("cannot open device");
    await port.stop();

    const mac = setup("darwin");
    mac.fake.devices = [SYCREADER];
    mac.fake.refuseOpen.set(SYCREADER.path!, "could not open");
    await mac.port.start();
    expect(mac.port.readers()[0]!.note).toMatch(/^macOS lets an app open a keyboard only with Input Monitoring permission/);
    await mac.port.stop();
  });

  it("a vendor reader that cannot be opened is listed with the reason, not as keystrokes", async () => {
    const { fake, port } = setup();
    fake.devices = [VENDOR_READER];
    fake.refuseOpen.set(VENDOR_READER.path!, "permission denied");
    await port.start();
    expect(port.readers()[0]).toMatchObject({ kind: "vendor", note: "This reader could not be opened, so its tags cannot be read: permission denied" });
    await port.stop();
  });

  it("a read error (the cable pulled mid-read) makes the reader leave; the next listing brings it back", async () => {
    const { fake, scheduler, port, kinds } = setup();
    fake.devices = [SYCREADER];
    await port.start();
    fake.handles.get(SYCREADER.path!)!.fail("could not read from HID device");
    await scheduler.advance(0);
    expect(port.readers()).toEqual([]);
    await scheduler.advance(POLL);
    expect(port.readers()).toHaveLength(1);
    expect(kinds().slice(2)).toEqual(["arrived usb:ffff:0035:08FF20140315 wedge", "left usb:ffff:0035:08FF20140315", "arrived usb:ffff:0035:08FF20140315 wedge"]);
    await port.stop();
  });

  it("two identical readers without serial numbers get distinct ids", async () => {
    const { fake, port } = setup();
    const noSerial: NodeHidDeviceEntry = { ...SYCREADER, serialNumber: "" };
    fake.devices = [noSerial, { ...noSerial, path: "/dev/hidraw4" }];
    await port.start();
    expect(port.readers().map((r) => r.readerId)).toEqual(["usb:ffff:0035", "usb:ffff:0035#2"]);
    await port.stop();
  });

  it("node-hid that cannot load, or cannot list (no native build, no libusb), is 'unavailable' with the reason, never a crash", async () => {
    const clock = new ManualClock();
    const scheduler = new VirtualScheduler();
    const broken = new NodeHidPort({ clock, scheduler, load: async () => Promise.reject(new Error("Cannot find module 'node-hid'")) });
    await expect(broken.start()).resolves.toBeUndefined();
    expect(broken.state()).toEqual({ status: "unavailable", reason: "node-hid could not be loaded: Cannot find module 'node-hid'" });
    expect(broken.readers()).toEqual([]);

    const { fake, scheduler: s2, port } = setup();
    fake.listError = new Error("libusb-1.0.so.0: cannot open shared object file");
    await port.start();
    expect(port.state()).toEqual({ status: "unavailable", reason: "USB devices could not be listed: libusb-1.0.so.0: cannot open shared object file" });
    // It keeps looking: when listing works again, the port is available.
    fake.listError = null;
    fake.devices = [SYCREADER];
    await s2.advance(POLL);
    expect(port.state().status).toBe("available");
    expect(port.readers()).toHaveLength(1);
    await port.stop();
  });

  it("end to end with the ReaderService: a reader's reports become one read; unplugged, it leaves the list", async () => {
    const { fake, clock, scheduler, port } = setup();
    fake.devices = [SYCREADER];
    const service = new ReaderService({ ports: [port], clock });
    const seen: ReaderServiceEvent[] = [];
    service.subscribe((e) => seen.push(e));
    await service.start();
    const h = fake.handles.get(SYCREADER.path!)!;
    for (const r of encodeKeystrokes("0004A2B9C1")) {
      clock.advance(4);
      h.emitReport([...r]);
    }
    expect(seen.filter((e) => e.type === "read")).toEqual([
      { type: "read", read: { readerId: "usb:ffff:0035:08FF20140315", tagNumber: "0004A2B9C1", atMs: clock.now() - 4, via: "report", siteId: null } },
    ]);
    fake.devices = [];
    await scheduler.advance(POLL);
    expect(service.list()).toEqual([]);
    expect(seen.filter((e) => e.type === "changed").map((e) => e.type === "changed" && e.change)).toEqual(["state", "state", "arrived", "left"]);
    await service.stop();
  });
});

describe("the real node-hid", () => {
  it("loads here, lists this machine's HID devices and keeps only the readers among them", async () => {
    const mod = await loadNodeHid();
    const all = await mod.devicesAsync();
    const port = new NodeHidPort({ clock: new ManualClock(), scheduler: new VirtualScheduler(), load: async () => mod });
    await port.start();
    expect(port.state()).toEqual({ status: "available", reason: null });
    expect(port.readers()).toHaveLength(all.filter((d) => recogniseReader(d) !== null).length);
    console.log(`[node-hid] hidapi listed ${all.length} HID device(s), ${port.readers().length} reader(s)`);
    await port.stop();
  });
});
