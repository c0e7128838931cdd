import { describe, expect, it } from "vitest";
import { fromHex } from "../../../../core/devices/ble/bytes.ts";
import { classifyBurst, DEFAULT_WEDGE_TIMING, encodeKeystrokes } from "../../../../core/devices/hid/boot-keyboard.ts";
import type { Keystroke } from "../../../../core/devices/hid/keystrokes.ts";
import { KEYBOARD_READER_ID, ReaderService, type ReaderServiceEvent } from "../../../../core/devices/hid/reader-service.ts";
import { SimulatedReaderPort, vendorTagOf } from "../../../../core/devices/hid/sim/simulated-reader.ts";
import { encodeVendorReport } from "../../../../core/devices/hid/vendor-report.ts";
import { KsError } from "../../../../core/errors/index.ts";
import { ManualClock } from "../../../../core/ports/clock.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const SITE = "019a0000-0000-7000-8000-000000000001";

function setup(options: { debounceMs?: number } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sim = new SimulatedReaderPort({ clock });
  const service = new ReaderService({ ports: [sim], clock, ...options });
  const events: ReaderServiceEvent[] = [];
  service.subscribe((e) => events.push(e));
  const reads = () => events.flatMap((e) => (e.type === "read" ? [e.read] : []));
  const statsOf = (readerId: string) => service.list().find((r) => r.readerId === readerId)!.stats;
  return { clock, sim, service, events, reads, statsOf };
}

/** Keydowns `gapMs` apart, as the window captures them (US layout unless keys say otherwise). */
function burst(text: string, gapMs: number, start = 1000): Keystroke[] {
  const keys: Keystroke[] = [...text].map((c, i) => ({
    key: c,
    code: /\d/.test(c) ? `Digit${c}` : c === ":" ? "Semicolon" : `Key${c.toUpperCase()}`,
    t: start + i * gapMs,
    ...(c === ":" ? { shift: true } : {}),
  }));
  return [...keys, { key: "Enter", code: "Enter", t: start + text.length * gapMs }];
}

describe("ReaderService with the simulated reader", () => {
  it("a keyboard-wedge reader: the boot reports of the number become one read, stamped at its Enter", async () => {
    const { sim, service, reads, clock } = setup();
    await service.start();
    sim.plug({ kind: "wedge", readerId: "sim-desk" });
    const sent = sim.present("sim-desk", "04a2b9c1");
    expect(sent.reports.map(hex)).toEqual(encodeKeystrokes("04A2B9C1").map(hex));
    expect(reads()).toEqual([{ readerId: "sim-desk", tagNumber: "04A2B9C1", atMs: sent.atMs.at(-2), via: "report", siteId: null }]);
    // The stamps: one report per 2 ms poll (±25 %), the burst ending now, never in the future.
    const presses = sent.atMs.filter((_, i) => i % 2 === 0);
    const gaps = presses.slice(1).map((t, i) => t - presses[i]!);
    expect(gaps.every((g) => g >= 3 && g <= 5)).toBe(true);
    expect(classifyBurst(gaps, DEFAULT_WEDGE_TIMING)).toBe("reader"); // fast enough even for the codec's strict default
    expect(sent.atMs.at(-1)).toBe(clock.now());
    expect(service.list()[0]!.stats).toMatchObject({ reports: 18, reads: 1, repeats: 0, typed: 0, dropped: 0, refused: {} });
  });

  it("a vendor reader: one report, the README's DESFire vector, read as its hex UID", async () => {
    const { sim, service, reads } = setup();
    await service.start();
    sim.plug({ kind: "vendor", readerId: "sim-v" });
    const sent = sim.present("sim-v", "04A2B9C15E2F80");
    expect(hex(sent.reports[0]!)).toBe("4c09020704a2b9c15e2f80e1" + "00".repeat(20));
    sim.present("sim-v", "123:45678");
    expect(reads().map((r) => r.tagNumber)).toEqual(["04A2B9C15E2F80", "123:45678"]);
  });

  it("debounces a tag left on the reader: one read per stay, again after the window", async () => {
    const { sim, service, reads, clock, statsOf } = setup({ debounceMs: 1500 });
    await service.start();
    sim.plug({ kind: "vendor", readerId: "sim-v" });
    sim.present("sim-v", "0004A2B9C1", { repeats: 5 });
    clock.advance(1499);
    sim.present("sim-v", "0004A2B9C1"); // still there: the window slides with each sighting
    clock.advance(1500);
    sim.present("sim-v", "0004A2B9C1");
    sim.present("sim-v", "04A2B9C1"); // another tag is never held back by the first one
    expect(reads().map((r) => r.tagNumber)).toEqual(["0004A2B9C1", "0004A2B9C1", "04A2B9C1"]);
    expect(statsOf("sim-v")).toMatchObject({ reports: 8, reads: 3, repeats: 5 });
  });

  it("counts every undecodable report under its typed code and keeps reading", async () => {
    const { sim, service, reads, events, statsOf } = setup();
    await service.start();
    sim.plug({ kind: "vendor", readerId: "sim-v" });
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    const good = encodeVendorReport(vendorTagOf("04A2B9C1"));
    const badCrc = good.slice();
    badCrc[8] = badCrc[8]! ^ 0x01;
    expect(() => {
      sim.sendRaw("sim-v", new Uint8Array(0));
      sim.sendRaw("sim-v", Uint8Array.of(0x4d, 6, 1, 4, 1, 2, 3, 4, 0));
      sim.sendRaw("sim-v", badCrc);
      sim.sendRaw("sim-w", fromHex("00 00 27 27 00 00 00 00"));
      sim.sendRaw("sim-w", fromHex("00 00 e0 00 00 00 00 00"));
      sim.sendRaw("sim-w", new Uint8Array(9));
    }).not.toThrow();
    expect(statsOf("sim-v").refused).toEqual({ "hid.report.length": 1, "hid.vendor.report_id": 1, "hid.vendor.checksum": 1 });
    expect(statsOf("sim-w").refused).toEqual({ "hid.keyboard.duplicate": 1, "hid.keyboard.usage": 1, "hid.report.length": 1 });
    expect(events.filter((e) => e.type === "refused")).toHaveLength(6);
    sim.present("sim-v", "04A2B9C1");
    expect(reads().map((r) => r.tagNumber)).toEqual(["04A2B9C1"]);
  });

  it("a burst typed slowly on a wedge reader (a person) is not a read; a burst that is not a tag number is refused, not read", async () => {
    const { sim, service, reads, statsOf } = setup();
    await service.start();
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    encodeKeystrokes("04A2B9C1").forEach((r, i) => sim.sendRaw("sim-w", r, 1_000_000 + i * 90));
    expect(reads()).toEqual([]);
    expect(statsOf("sim-w").typed).toBe(1);
    encodeKeystrokes("hello").forEach((r, i) => sim.sendRaw("sim-w", r, 2_000_000 + i * 2));
    expect(reads()).toEqual([]);
    expect(statsOf("sim-w").refused).toEqual({ "hid.tag.format": 1 });
  });

  it("unplugging mid-number forgets the half-typed number; plugged again, the reader reads cleanly", async () => {
    const { sim, service, reads, events } = setup();
    await service.start();
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    const reports = encodeKeystrokes("04A2B9C1");
    reports.slice(0, 7).forEach((r) => sim.sendRaw("sim-w", r));
    sim.unplug("sim-w");
    expect(service.list()).toEqual([]);
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    sim.present("sim-w", "0004A2B9C1");
    expect(reads().map((r) => r.tagNumber)).toEqual(["0004A2B9C1"]);
    expect(events.filter((e) => e.type === "changed").map((e) => e.type === "changed" && `${e.change} ${e.readerId}`)).toEqual([
      "state null",
      "arrived sim-w",
      "left sim-w",
      "arrived sim-w",
    ]);
  });

  it("a binding gives reads their site and the reader's numbering (a reader that types the UID in decimal)", async () => {
    const { sim, service, reads } = setup();
    await service.start();
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    service.bind("sim-w", { siteId: SITE, numbering: { kind: "decimal-uid", uidBytes: 5, byteOrder: "msb-first" } });
    sim.present("sim-w", "0077773249");
    expect(reads()).toMatchObject([{ readerId: "sim-w", tagNumber: "0004A2B9C1", siteId: SITE }]);
  });

  it("the simulator refuses what a reader cannot send, with KS 1101 naming the parameter", async () => {
    const { sim, service } = setup();
    await service.start();
    sim.plug({ kind: "vendor", readerId: "sim-v" });
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof KsError ? `${e.ksCode} ${(e.details as { parameterName: string }).parameterName}` : String(e);
      }
      return "no error";
    };
    expect(code(() => sim.present("sim-v", "12345"))).toBe("1101 tagNumber"); // odd number of hex digits: no UID
    expect(code(() => sim.present("sim-v", "0102030405060708090A0B"))).toBe("1101 tagNumber"); // 11 bytes: no technology
    expect(code(() => sim.present("sim-v", "123:45678", { technology: "em4100" }))).toBe("1101 tagNumber");
    expect(code(() => sim.present("sim-w", "04A2B9C1", { technology: "em4100" }))).toBe("1101 tagNumber");
    expect(code(() => sim.present("sim-w", "not a tag"))).toBe("1101 tagNumber");
    expect(code(() => sim.present("sim-w", "04A2B9C1", { repeats: 0 }))).toBe("1101 repeats");
    expect(code(() => sim.present("sim-x", "04A2B9C1"))).toBe("1101 readerId");
    expect(code(() => sim.plug({ kind: "wedge", readerId: "sim-w" }))).toBe("1101 readerId");
  });
});

describe("ReaderService keystrokes (the window-capture fallback)", () => {
  it("a person typing a number is not a read; a reader's burst is", async () => {
    const { service, reads } = setup();
    const person = service.keystrokes({ keys: burst("04A2B9C1", 140) });
    expect(person).toEqual({ readerId: KEYBOARD_READER_ID, outcomes: [{ kind: "typed", verdict: "human", text: "04A2B9C1" }], pending: false });
    expect(reads()).toEqual([]);

    const reader = service.keystrokes({ keys: burst("04A2B9C1", 16, 50_000) });
    expect(reader.outcomes).toEqual([{ kind: "read", tagNumber: "04A2B9C1", repeat: false }]);
    expect(reads()).toMatchObject([{ readerId: KEYBOARD_READER_ID, tagNumber: "04A2B9C1", via: "keystrokes", siteId: null }]);
    expect(service.keyboardStats()).toMatchObject({ reads: 1, typed: 1 });
  });

  it("reads the physical key, not the character: a US reader on an AZERTY laptop types '&é\"…' but means digits", () => {
    const { service } = setup();
    const azerty = ["&", "é", "\"", "'", "(", "-", "è", "_"].map((key, i) => ({ key, code: `Digit${i + 1}`, t: 10 + i * 4 }));
    const out = service.keystrokes({ keys: [...azerty, { key: "Enter", code: "Enter", t: 50 }] });
    expect(out.outcomes).toEqual([{ kind: "read", tagNumber: "12345678", repeat: false }]);
  });

  it("a Wiegand number with Shift+';' for the colon, a burst split over two calls, and keys with no code", () => {
    const { service, clock } = setup();
    const keys: Keystroke[] = [
      { key: "1", code: "Digit1", t: 1 },
      { key: "2", code: "Digit2", t: 5 },
      { key: "3", code: "Digit3", t: 9 },
      { key: "Shift", code: "ShiftLeft", t: 11 },
      { key: ":", code: "Semicolon", t: 13 },
      { key: "4", code: "Numpad4", t: 17 },
    ];
    const first = service.keystrokes({ keys });
    expect(first).toMatchObject({ outcomes: [], pending: true });
    const rest = ["5", "6", "7", "8"].map((key, i) => ({ key, code: "", t: 21 + 4 * i }));
    const second = service.keystrokes({ keys: [...rest, { key: "Enter", code: "NumpadEnter", t: 37 }] });
    expect(second).toMatchObject({ outcomes: [{ kind: "read", tagNumber: "123:45678" }], pending: false });
    // The same tag again at once is a repeat (the same physical tag): answered, but not read twice.
    clock.advance(10);
    expect(service.keystrokes({ keys: burst("123:45678", 4, 100) }).outcomes).toEqual([{ kind: "read", tagNumber: "123:45678", repeat: true }]);
  });

  it("Backspace inside a burst spoils it; an Enter alone does nothing", () => {
    const { service, reads } = setup();
    const keys = burst("04A2B9C1", 4);
    keys.splice(3, 0, { key: "Backspace", code: "Backspace", t: keys[2]!.t + 1 });
    expect(service.keystrokes({ keys }).outcomes).toEqual([{ kind: "dropped", reason: "unmapped-key", text: "04A2B9C1" }]);
    expect(service.keystrokes({ keys: [{ key: "Enter", code: "Enter", t: 900_000 }] }).outcomes).toEqual([]);
    expect(reads()).toEqual([]);
  });

  it("names only readers that are read through keystrokes (KS 1101 otherwise); a window's site overrides the binding", async () => {
    const { service, sim, reads } = setup();
    await service.start();
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    expect(() => service.keystrokes({ readerId: "usb:ffff:0035", keys: burst("04A2B9C1", 4) })).toThrow(KsError);
    expect(() => service.keystrokes({ readerId: "sim-w", keys: burst("04A2B9C1", 4) })).toThrow(/Value of 'readerId' is invalid/);
    service.keystrokes({ siteId: SITE, keys: burst("04A2B9C1", 4) });
    expect(reads()).toMatchObject([{ siteId: SITE }]);
  });
});
