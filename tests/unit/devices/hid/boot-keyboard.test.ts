import { describe, expect, it } from "vitest";
import { fromHex } from "../../../../core/devices/ble/bytes.ts";
import {
  DEFAULT_WEDGE_TIMING,
  WedgeAssembler,
  classifyBurst,
  decodeBootReport,
  encodeKeystrokes,
  type WedgeEvent,
} from "../../../../core/devices/hid/boot-keyboard.ts";
import { HidCodecError } from "../../../../core/devices/hid/errors.ts";
import { normaliseTagNumber } from "../../../../core/devices/hid/tag-number.ts";
import { errorCodeOf } from "../../../support/codec-errors.ts";

const codeOf = errorCodeOf(HidCodecError);

const UP = "00 00 00 00 00 00 00 00";

/** A wedge reader typing "0004A2B9C1⏎", written by hand from READERS.md §1.1: press, key-up, … */
const PRESSES_0004A2B9C1 = [
  "00 00 27 00 00 00 00 00", // 0
  "00 00 27 00 00 00 00 00", // 0
  "00 00 27 00 00 00 00 00", // 0
  "00 00 21 00 00 00 00 00", // 4
  "02 00 04 00 00 00 00 00", // Shift + a
  "00 00 1f 00 00 00 00 00", // 2
  "20 00 05 00 00 00 00 00", // right Shift + b
  "00 00 26 00 00 00 00 00", // 9
  "02 00 06 00 00 00 00 00", // Shift + c
  "00 00 1e 00 00 00 00 00", // 1
  "00 00 28 00 00 00 00 00", // Enter
];

/** Presses `stepMs` apart, each released `stepMs / 2` later. */
function typed(presses: readonly string[], stepMs: number, startMs = 1000): [Uint8Array, number][] {
  return presses.flatMap((p, i): [Uint8Array, number][] => [
    [fromHex(p), startMs + i * stepMs],
    [fromHex(UP), startMs + i * stepMs + stepMs / 2],
  ]);
}

function feed(a: WedgeAssembler, reports: readonly (readonly [Uint8Array, number])[]): WedgeEvent[] {
  return reports.flatMap(([r, t]) => a.push(r, t));
}

/** Reports from encodeKeystrokes, `stepMs` apart (so a character every 2 × stepMs). */
function timed(reports: readonly Uint8Array[], stepMs: number, startMs = 0): [Uint8Array, number][] {
  return reports.map((r, i) => [r, startMs + i * stepMs]);
}

describe("decodeBootReport", () => {
  it("decodes keys, shift and terminators from hex", () => {
    expect(decodeBootReport(fromHex("02 00 04 00 00 00 00 00"))).toEqual({
      modifiers: 2,
      shift: true,
      keys: [{ usage: 4, text: "A", terminator: null }],
      error: null,
    });
    expect(decodeBootReport(fromHex("20 00 09 00 00 00 00 00")).keys[0]?.text).toBe("F");
    expect(decodeBootReport(fromHex("00 00 09 00 00 00 00 00")).keys[0]?.text).toBe("f");
    expect(decodeBootReport(fromHex("00 00 27 1e 26 00 00 00")).keys.map((k) => k.text)).toEqual(["0", "1", "9"]);
    expect(decodeBootReport(fromHex("00 00 62 59 61 00 00 00")).keys.map((k) => k.text)).toEqual(["0", "1", "9"]);
    expect(decodeBootReport(fromHex("02 00 33 00 00 00 00 00")).keys[0]?.text).toBe(":");
    expect(decodeBootReport(fromHex("02 00 1e 00 00 00 00 00")).keys[0]?.text).toBe("!");
    expect(decodeBootReport(fromHex("00 00 28 00 00 00 00 00")).keys[0]?.terminator).toBe("enter");
    expect(decodeBootReport(fromHex("00 00 58 00 00 00 00 00")).keys[0]?.terminator).toBe("enter");
    expect(decodeBootReport(fromHex("00 00 2b 00 00 00 00 00")).keys[0]?.terminator).toBe("tab");
    expect(decodeBootReport(fromHex("00 00 2a 00 00 00 00 00")).keys[0]).toEqual({ usage: 0x2a, text: null, terminator: null });
    // Key release, a gap left in place, and OEM data in the reserved byte.
    expect(decodeBootReport(fromHex(UP)).keys).toEqual([]);
    expect(decodeBootReport(fromHex("00 7f 00 00 27 00 00 00")).keys.map((k) => k.usage)).toEqual([0x27]);
  });

  it("reports the phantom states", () => {
    expect(decodeBootReport(fromHex("00 00 01 01 01 01 01 01")).error).toBe("rollover");
    expect(decodeBootReport(fromHex("02 00 02 02 02 02 02 02")).error).toBe("post-fail");
    expect(decodeBootReport(fromHex("00 00 03 03 03 03 03 03")).error).toBe("undefined");
  });

  it("refuses malformed reports with typed codes", () => {
    expect(codeOf(() => decodeBootReport(fromHex("00 00 27 00 00 00 00")))).toBe("hid.report.length");
    expect(codeOf(() => decodeBootReport(fromHex("01 00 00 27 00 00 00 00 00")))).toBe("hid.report.length");
    expect(codeOf(() => decodeBootReport(new Uint8Array(0)))).toBe("hid.report.length");
    expect(codeOf(() => decodeBootReport(fromHex("00 00 01 01 01 27 01 01")))).toBe("hid.keyboard.error_mixed");
    expect(codeOf(() => decodeBootReport(fromHex("00 00 27 01 00 00 00 00")))).toBe("hid.keyboard.error_mixed");
    expect(codeOf(() => decodeBootReport(fromHex("00 00 e1 00 00 00 00 00")))).toBe("hid.keyboard.usage");
    expect(codeOf(() => decodeBootReport(fromHex("00 00 ff 00 00 00 00 00")))).toBe("hid.keyboard.usage");
    expect(codeOf(() => decodeBootReport(fromHex("00 00 27 27 00 00 00 00")))).toBe("hid.keyboard.duplicate");
  });

  it("encodeKeystrokes types press/release pairs and refuses what no key types", () => {
    expect(encodeKeystrokes("0A", "tab").map((r) => decodeBootReport(r).keys.map((k) => k.text ?? k.terminator))).toEqual([
      ["0"],
      [],
      ["A"],
      [],
      ["tab"],
      [],
    ]);
    expect(codeOf(() => encodeKeystrokes("é"))).toBe("hid.keyboard.unmappable");
  });
});

describe("classifyBurst", () => {
  const cases: readonly (readonly [string, readonly number[], string])[] = [
    ["no gaps", [], "unsure"],
    ["too few gaps", [4, 4], "unsure"],
    ["a reader at 4 ms", [4, 4, 4, 4], "reader"],
    ["a reader at the 8 ms limit", [8, 8, 8, 8], "reader"],
    ["a reader with one jittery gap", [4, 20, 4, 4], "reader"],
    ["two jittery gaps", [4, 20, 20, 4], "unsure"],
    ["one human-sized gap in a fast burst", [4, 40, 4, 4], "unsure"],
    ["a person at 120 ms", [120, 130, 110, 125], "human"],
    ["a fast person at 30 ms", [30, 31, 45, 30], "human"],
    ["a person with one fast roll-over pair", [120, 3, 110, 125], "human"],
    ["nonsense numbers", [4, Number.NaN, 4, 4], "unsure"],
    ["negative gaps", [4, -1, 4, 4], "unsure"],
  ];
  it.each(cases)("%s", (_name, gaps, verdict) => {
    expect(classifyBurst(gaps)).toBe(verdict);
  });

  it("takes its thresholds as parameters (a slow 10 ms-poll reader)", () => {
    const slowReader = { ...DEFAULT_WEDGE_TIMING, readerMaxMs: 25, humanMinMs: 50 };
    expect(classifyBurst([20, 20, 20, 20])).toBe("unsure");
    expect(classifyBurst([20, 20, 20, 20], slowReader)).toBe("reader");
    expect(codeOf(() => new WedgeAssembler({ timing: { ...DEFAULT_WEDGE_TIMING, humanMinMs: 5 } }))).toBe("hid.wedge.timing");
    expect(codeOf(() => new WedgeAssembler({ idleResetMs: 10 }))).toBe("hid.wedge.timing");
    expect(codeOf(() => new WedgeAssembler({ maxChars: 0 }))).toBe("hid.wedge.timing");
  });
});

describe("WedgeAssembler", () => {
  it('a reader typing "0004A2B9C1⏎" 4 ms a key, key-ups between: one scan', () => {
    const a = new WedgeAssembler();
    const events = feed(a, typed(PRESSES_0004A2B9C1, 4));
    expect(events).toEqual([
      { kind: "scan", text: "0004A2B9C1", terminator: "enter", startMs: 1000, endMs: 1040, intervalsMs: Array(10).fill(4) },
    ]);
    expect(a.pending).toBe(false);
    expect(normaliseTagNumber(events[0]?.kind === "scan" ? events[0].text : "")).toBe("0004A2B9C1");
  });

  it("the same number typed by a person at 120 ms intervals is 'human', not a scan", () => {
    const events = feed(new WedgeAssembler(), typed(PRESSES_0004A2B9C1, 120));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "typed", verdict: "human", text: "0004A2B9C1" });
  });

  it("a reader sending a report every 4 ms (a key every 8 ms) is still a reader; at 25 ms it is not", () => {
    expect(feed(new WedgeAssembler(), timed(encodeKeystrokes("04A2B9C1"), 4))).toMatchObject([{ kind: "scan", text: "04A2B9C1" }]);
    expect(feed(new WedgeAssembler(), timed(encodeKeystrokes("04A2B9C1"), 12))).toMatchObject([{ kind: "typed", verdict: "unsure" }]);
  });

  it("repeats of a held key count once; a key pressed again after release counts twice", () => {
    const reports = ["00 00 27 00 00 00 00 00", "00 00 27 00 00 00 00 00", "00 00 27 00 00 00 00 00", UP, "00 00 27 00 00 00 00 00", UP];
    const a = new WedgeAssembler();
    feed(
      a,
      reports.map((h, i) => [fromHex(h), i * 2]),
    );
    const out = feed(a, timed(encodeKeystrokes("12"), 2, 12));
    expect(out).toMatchObject([{ kind: "scan", text: "0012" }]);
  });

  it("overlapping presses (next key down before the last is up) keep their order", () => {
    const reports = ["00 00 1e 00 00 00 00 00", "00 00 1e 1f 00 00 00 00", "00 00 1f 00 00 00 00 00", "00 00 1f 20 00 00 00 00", "00 00 21 00 00 00 00 00", "00 00 28 00 00 00 00 00", UP];
    expect(feed(new WedgeAssembler(), reports.map((h, i) => [fromHex(h), i * 3]))).toMatchObject([{ kind: "scan", text: "1234" }]);
  });

  it("Tab terminates, Wiegand 'FFF:NNNNN' comes through with its shifted colon", () => {
    const out = feed(new WedgeAssembler(), timed(encodeKeystrokes("123:45678", "tab"), 2));
    expect(out).toMatchObject([{ kind: "scan", text: "123:45678", terminator: "tab" }]);
  });

  it("a lone Enter or a modifier change is nothing", () => {
    const a = new WedgeAssembler();
    expect(feed(a, timed([fromHex("00 00 28 00 00 00 00 00"), fromHex(UP), fromHex("02 00 00 00 00 00 00 00"), fromHex(UP)], 2))).toEqual([]);
    expect(a.pending).toBe(false);
  });

  it("a rollover mid-burst drops the whole burst, then the next scan is clean", () => {
    const a = new WedgeAssembler();
    const first = timed(encodeKeystrokes("0004A2B9C1"), 2, 0);
    first.splice(6, 1, [fromHex("00 00 01 01 01 01 01 01"), 12]); // the "4" is lost in a phantom report
    expect(feed(a, first)).toEqual([{ kind: "dropped", reason: "rollover", text: "000A2B9C1" }]);
    expect(feed(a, timed(encodeKeystrokes("0004A2B9C1"), 2, 500))).toMatchObject([{ kind: "scan", text: "0004A2B9C1" }]);
  });

  it("Backspace inside a burst drops it", () => {
    const reports = [...encodeKeystrokes("12").slice(0, 4), fromHex("00 00 2a 00 00 00 00 00"), fromHex(UP), ...encodeKeystrokes("34")];
    expect(feed(new WedgeAssembler(), timed(reports, 2))).toEqual([{ kind: "dropped", reason: "unmapped-key", text: "1234" }]);
  });

  it("an abandoned partial burst is dropped as idle when the next scan starts", () => {
    const a = new WedgeAssembler();
    expect(feed(a, timed(encodeKeystrokes("0004").slice(0, 6), 2, 0))).toEqual([]);
    expect(a.pending).toBe(true);
    expect(feed(a, timed(encodeKeystrokes("A2B9C15E"), 2, 5000))).toEqual([
      { kind: "dropped", reason: "idle", text: "000" },
      expect.objectContaining({ kind: "scan", text: "A2B9C15E" }),
    ]);
  });

  it("a burst longer than maxChars is dropped", () => {
    const out = feed(new WedgeAssembler({ maxChars: 8 }), timed(encodeKeystrokes("0123456789"), 2));
    expect(out).toEqual([{ kind: "dropped", reason: "too-long", text: "01234567" }]);
  });

  it("time going backwards drops the burst; a bad timestamp or report is a typed error and changes nothing", () => {
    const a = new WedgeAssembler();
    feed(a, timed(encodeKeystrokes("12").slice(0, 4), 2, 100));
    expect(a.push(fromHex("00 00 20 00 00 00 00 00"), 50)).toEqual([{ kind: "dropped", reason: "clock", text: "12" }]);

    const b = new WedgeAssembler();
    const reports = timed(encodeKeystrokes("04A2B9C1"), 2);
    feed(b, reports.slice(0, 5));
    expect(codeOf(() => b.push(fromHex("00 00 27 00 00 00 00"), 11))).toBe("hid.report.length");
    expect(codeOf(() => b.push(fromHex(UP), Number.NaN))).toBe("hid.wedge.clock");
    expect(codeOf(() => b.push(fromHex(UP), -1))).toBe("hid.wedge.clock");
    expect(feed(b, reports.slice(5))).toMatchObject([{ kind: "scan", text: "04A2B9C1" }]);
  });

  it("reset() forgets a burst in flight (reader unplugged)", () => {
    const a = new WedgeAssembler();
    feed(a, timed(encodeKeystrokes("1234").slice(0, 5), 2));
    a.reset();
    expect(a.pending).toBe(false);
    expect(feed(a, timed(encodeKeystrokes("5678"), 2, 100))).toMatchObject([{ kind: "scan", text: "5678" }]);
  });
});
