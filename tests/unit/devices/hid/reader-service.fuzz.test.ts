import { describe, expect, it } from "vitest";
import { procedures } from "../../../../core/api/contract.ts";
import { encodeKeystrokes } from "../../../../core/devices/hid/boot-keyboard.ts";
import type { PortEvent, TagReaderPort } from "../../../../core/devices/hid/port.ts";
import { ReaderService, type ReaderServiceEvent } from "../../../../core/devices/hid/reader-service.ts";
import { SimulatedReaderPort, vendorTagOf } from "../../../../core/devices/hid/sim/simulated-reader.ts";
import { TAG_NUMBER_PATTERN } from "../../../../core/devices/hid/tag-number.ts";
import { crc8, encodeVendorReport } from "../../../../core/devices/hid/vendor-report.ts";
import { ManualClock } from "../../../../core/ports/clock.ts";
import { mutate, prng } from "../../../support/byte-fuzz.ts";

const SEED = Number(process.env.FC_SEED ?? 20261125);

/** Valid reports of both kinds, for mutation. */
const CORPUS: readonly Uint8Array[] = [
  ...encodeKeystrokes("0004A2B9C1"),
  ...encodeKeystrokes("123:45678", "tab"),
  encodeVendorReport(vendorTagOf("04A2B9C15E2F80")),
  encodeVendorReport(vendorTagOf("0004A2B9C1")),
  encodeVendorReport(vendorTagOf("123:45678")),
  encodeVendorReport(vendorTagOf("04A2B9C15E2F80A1B2C3"), 64),
];
const EDGES = [0, 1, 2, 3, 4, 0x27, 0x28, 0x2b, 0x33, 0x4c, 0x7f, 0x80, 0xdd, 0xde, 0xff];

/** Recomputes a vendor report's CRC so mutants reach the checks behind it. */
function resign(b: Uint8Array): void {
  const at = 4 + (b[3] ?? 0);
  if (b[0] === 0x4c && at < b.length) b[at] = crc8(b.subarray(0, at));
}

/** A port that a test drives by hand: what node-hid would hand the service, garbage included. */
class ScriptedPort implements TagReaderPort {
  readonly source = "usb" as const;
  private listener: ((e: PortEvent) => void) | null = null;
  state() {
    return { status: "available" as const, reason: null };
  }
  readers() {
    return [];
  }
  subscribe(l: (e: PortEvent) => void) {
    this.listener = l;
    return () => (this.listener = null);
  }
  async start() {}
  async stop() {}
  send(e: PortEvent) {
    this.listener?.(e);
  }
}

describe("fuzz: reports and keystrokes through the ReaderService", () => {
  it("≥ 100,000 random and mutated reports from wedge and vendor readers: no throw, no hang, only typed refusals, only valid reads", async () => {
    const rnd = prng(SEED);
    const clock = new ManualClock(Date.UTC(2026, 10, 25));
    const sim = new SimulatedReaderPort({ clock });
    const usb = new ScriptedPort();
    const service = new ReaderService({ ports: [sim, usb], clock, debounceMs: 50 });
    const events: ReaderServiceEvent[] = [];
    service.subscribe((e) => events.push(e));
    await service.start();
    sim.plug({ kind: "wedge", readerId: "sim-w" });
    sim.plug({ kind: "vendor", readerId: "sim-v" });
    usb.send({ type: "arrived", reader: { readerId: "usb:w", vendorId: 0xffff, productId: 0x35, productName: "w", kind: "wedge", source: "usb", note: null } });
    usb.send({ type: "arrived", reader: { readerId: "usb:k", vendorId: 0xffff, productId: 0x35, productName: "k", kind: "keystrokes", source: "usb", note: null } });

    const INPUTS = 100_000;
    const escaped: unknown[] = [];
    let now = 1_000_000;
    const started = performance.now();
    for (let i = 0; i < INPUTS; i++) {
      const pick = rnd();
      let input: Uint8Array;
      if (pick < 0.25) input = Uint8Array.from({ length: Math.floor(rnd() * 70) }, () => Math.floor(rnd() * 256));
      else if (pick < 0.45) input = Uint8Array.from({ length: 8 }, (_, k) => (k === 0 ? [0, 2, 0x20, 1][Math.floor(rnd() * 4)] ?? 0 : rnd() < 0.6 ? 0 : Math.floor(rnd() * 0x40)));
      else {
        input = mutate(CORPUS[Math.floor(rnd() * CORPUS.length)]!, rnd, EDGES);
        if (rnd() < 0.5) resign(input);
      }
      const step = rnd();
      now = step < 0.01 ? now - 40 : now + (step < 0.6 ? rnd() * 6 : step < 0.97 ? 30 + rnd() * 200 : 2500);
      const at = step > 0.999 ? Number.NaN : step > 0.998 ? -1 : now;
      clock.advance(Math.floor(rnd() * 20));
      const target = ["sim-w", "sim-v", "usb:w", "usb:k", "usb:gone"][i % 5]!;
      try {
        if (target.startsWith("sim")) sim.sendRaw(target, input, at);
        else usb.send({ type: "report", readerId: target, report: input, atMs: at });
      } catch (e) {
        escaped.push(e);
      }
      if (i % 1000 === 0) {
        // Real tags keep flowing between the garbage, and readers come and go mid-burst.
        sim.present("sim-v", "04A2B9C1");
        if (i % 7000 === 0) {
          sim.unplug("sim-w");
          sim.plug({ kind: "wedge", readerId: "sim-w" });
        }
      }
    }
    const ms = performance.now() - started;

    const reads = events.flatMap((e) => (e.type === "read" ? [e.read] : []));
    const refused = new Map<string, number>();
    for (const r of service.list()) for (const [code, n] of Object.entries(r.stats.refused)) refused.set(code, (refused.get(code) ?? 0) + (n ?? 0));
    console.log(`[reader-service fuzz] ${JSON.stringify({ inputs: INPUTS, ms: Math.round(ms), reads: reads.length, stray: service.stray, refused: Object.fromEntries([...refused].sort()) })}`);

    expect(escaped).toEqual([]);
    expect(refused.has("internal")).toBe(false);
    // A keystrokes-mode reader has no HID handle: a report "from" it is a port's mistake, counted as such.
    expect(refused.get("unexpected")).toBe(INPUTS / 5);
    expect(refused.size).toBeGreaterThan(10);
    expect(reads.length).toBeGreaterThan(INPUTS / 1000);
    expect(reads.every((r) => TAG_NUMBER_PATTERN.test(r.tagNumber))).toBe(true);
    // Reports for a reader nobody listed (usb:gone) are counted, not crashed on.
    expect(service.stray).toBe(INPUTS / 5);
    expect(service.faults).toBe(0);
  }, 60_000); // "no hang" is this timeout, not a wall-clock assertion

  it("20,000 random keystroke bursts: the contract's schema or the service refuses or classifies each, nothing escapes", () => {
    const rnd = prng(SEED + 1);
    const clock = new ManualClock(Date.UTC(2026, 10, 25));
    const service = new ReaderService({ ports: [], clock });
    const schema = procedures["readers.keystrokes"].input;
    const CODES = ["Digit1", "Digit0", "KeyA", "KeyF", "KeyZ", "Numpad7", "Enter", "NumpadEnter", "Tab", "Semicolon", "ShiftLeft", "Backspace", "", "F13", "IntlRo"];
    const KEYS = ["1", "0", "a", "F", ":", "Enter", "Tab", "Shift", "é", "", "Dead"];
    let parsedOk = 0;
    let reads = 0;
    let t = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + Math.floor(rnd() * (rnd() < 0.01 ? 300 : 24));
      const keys = Array.from({ length: n }, () => {
        t += rnd() < 0.7 ? rnd() * 8 : rnd() < 0.97 ? 40 + rnd() * 200 : -5;
        return { key: rnd() < 0.001 ? "x".repeat(40) : KEYS[Math.floor(rnd() * KEYS.length)]!, code: CODES[Math.floor(rnd() * CODES.length)]!, t: rnd() < 0.0005 ? Number.NaN : t, ...(rnd() < 0.3 ? { shift: rnd() < 0.5 } : {}) };
      });
      const parsed = schema.safeParse({ keys });
      if (!parsed.success) continue;
      parsedOk++;
      clock.advance(100);
      const out = service.keystrokes(parsed.data);
      reads += out.outcomes.filter((o) => o.kind === "read").length;
      for (const o of out.outcomes) if (o.kind === "read") expect(o.tagNumber).toMatch(TAG_NUMBER_PATTERN);
    }
    expect(parsedOk).toBeGreaterThan(10_000);
    expect(reads).toBeGreaterThan(0);
    expect(service.keyboardStats().refused.internal).toBeUndefined();
  });
});
