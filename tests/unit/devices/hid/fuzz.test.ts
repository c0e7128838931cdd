import { describe, expect, it } from "vitest";
import { fromHex } from "../../../../core/devices/ble/bytes.ts";
import { WedgeAssembler, classifyBurst, decodeBootReport, encodeKeystrokes } from "../../../../core/devices/hid/boot-keyboard.ts";
import { HidCodecError } from "../../../../core/devices/hid/errors.ts";
import { normaliseTagNumber, parseWiegand26, type ReaderNumbering } from "../../../../core/devices/hid/tag-number.ts";
import { crc8, decodeVendorReport, encodeVendorReport, tagNumberOf } from "../../../../core/devices/hid/vendor-report.ts";
import { FuzzTally, mutate, prng } from "../../../support/byte-fuzz.ts";


/** Valid reports of both kinds, for mutation. */
function corpus(): Uint8Array[] {
  return [
    ...encodeKeystrokes("0004A2B9C1"),
    ...encodeKeystrokes("123:45678", "tab"),
    fromHex("00 00 01 01 01 01 01 01"),
    fromHex("02 00 04 05 06 07 08 09"),
    fromHex("00 00 62 59 58 00 00 00"),
    encodeVendorReport({ technology: "mifare-desfire", uid: fromHex("04a2b9c15e2f80") }),
    encodeVendorReport({ technology: "mifare-classic", uid: fromHex("a2b9c15e") }, 9),
    encodeVendorReport({ technology: "em4100", uid: fromHex("0004a2b9c1") }),
    encodeVendorReport({ technology: "hid-prox-26", uid: fromHex("02f764dd") }),
    encodeVendorReport({ technology: "iso14443a", uid: fromHex("04a2b9c15e2f80a1b2c3") }, 64),
  ];
}

/** Byte values this format cares about, for the mutator. */
const EDGES = [0, 1, 3, 4, 0x28, 0x7f, 0x80, 0xdd, 0xde, 0xff];

/** Characters a reader or a person could plausibly type, so the string decoders get past the first check. */
const TYPED = "0123456789abcdefABCDEF:- 01\t\u00e9";

/** Recomputes a vendor report's CRC where it sits, so mutants get past the checksum to the checks behind it. */
function resign(b: Uint8Array): void {
  const at = 4 + (b[3] ?? 0);
  if (b[0] === 0x4c && at < b.length) b[at] = crc8(b.subarray(0, at));
}

/** 26 '0'/'1' from the input's bits (or fewer, when the input is short): reaches the parity checks. */
function bits26(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 26 && i < b.length * 8; i++) s += ((b[i >> 3] ?? 0) >> (i & 7)) & 1 ? "1" : "0";
  return s;
}

const NUMBERINGS: readonly ReaderNumbering[] = [
  { kind: "as-typed" },
  { kind: "decimal-uid", uidBytes: 5, byteOrder: "msb-first" },
  { kind: "decimal-uid", uidBytes: 10, byteOrder: "lsb-first" },
  { kind: "wiegand26-bits" },
];

describe("fuzz: every HID decoder and the WedgeAssembler", () => {
  it("≥ 100,000 random and mutated reports: no crash, no hang, only HidCodecError", () => {
    const rnd = prng(0x41d5);
    const seeds = corpus();
    const tally = new FuzzTally(HidCodecError);
    const { run, codes, foreign } = tally;
    const events = new Map<string, number>();

    const wedge = new WedgeAssembler();
    const slow = new WedgeAssembler({ timing: { readerMaxMs: 25, humanMinMs: 50, toleratedSlow: 0, minIntervals: 1 }, maxChars: 12 });
    let now = 0;
    const started = performance.now();
    const INPUTS = 100_000;
    for (let i = 0; i < INPUTS; i++) {
      let input: Uint8Array;
      const pick = rnd();
      if (pick < 0.25) {
        input = Uint8Array.from({ length: Math.floor(rnd() * 70) }, () => Math.floor(rnd() * 256));
      } else if (pick < 0.45) {
        // Right-sized and mostly plausible: a boot report whose slots are small usages.
        input = Uint8Array.from({ length: 8 }, (_, k) => (k === 0 ? [0, 2, 0x20, 0x22, 1][Math.floor(rnd() * 5)] ?? 0 : rnd() < 0.6 ? 0 : Math.floor(rnd() * 0x40)));
      } else {
        input = mutate(seeds[Math.floor(rnd() * seeds.length)] ?? new Uint8Array(0), rnd, EDGES);
        if (rnd() < 0.5) resign(input);
      }
      const text = Array.from(input, (b) => TYPED[b % TYPED.length] ?? "").join("");
      const latin1 = String.fromCharCode(...input);

      run(() => decodeBootReport(input));
      run(() => tagNumberOf(decodeVendorReport(input)));
      const numbering = NUMBERINGS[i % NUMBERINGS.length] ?? { kind: "as-typed" };
      run(() => normaliseTagNumber(i % 8 < 4 ? text : latin1, numbering));
      run(() => parseWiegand26(i % 2 === 0 ? bits26(input) : (input[0] ?? 0) * 0x40000 + (input[1] ?? 0) * 0x400 + (input[2] ?? 0)));
      run(() => classifyBurst(Array.from(input, (b) => b - 8)));

      // Mostly forward time (reader-fast and person-slow gaps), sometimes backwards or absurd.
      const step = rnd();
      now = step < 0.01 ? Math.max(0, now - 50) : now + (step < 0.6 ? rnd() * 6 : step < 0.95 ? 30 + rnd() * 200 : 3000);
      const at = step > 0.999 ? Number.NaN : now;
      for (const a of [wedge, slow]) {
        run(() => {
          for (const ev of a.push(input, at)) events.set(ev.kind, (events.get(ev.kind) ?? 0) + 1);
        });
      }
      if (i % 500 === 0) {
        // Keep real scans flowing through the assembler between the garbage.
        for (const r of encodeKeystrokes("04A2B9C1")) {
          now += 2;
          for (const ev of wedge.push(r, now)) events.set(ev.kind, (events.get(ev.kind) ?? 0) + 1);
        }
      }
    }
    const ms = performance.now() - started;
    const summary = {
      inputs: INPUTS,
      calls: tally.calls,
      accepted: tally.accepted,
      ms: Math.round(ms),
      events: Object.fromEntries([...events].sort()),
      codes: Object.fromEntries([...codes].sort()),
    };
    console.log(`[hid fuzz] ${JSON.stringify(summary)}`);

    expect(foreign).toEqual([]);
    expect(tally.calls).toBeGreaterThanOrEqual(7 * INPUTS);
    expect(codes.size).toBeGreaterThan(15);
    expect(events.get("scan") ?? 0).toBeGreaterThan(0);
    expect(events.get("dropped") ?? 0).toBeGreaterThan(0);
  }, 60_000); // "no hang" is this timeout: a wall-clock assertion would fail on a busy machine, not on a hang
});
