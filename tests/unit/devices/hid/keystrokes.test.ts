import { describe, expect, it } from "vitest";
import { keystrokeReports, usageOfKeystroke, type Keystroke } from "../../../../core/devices/hid/keystrokes.ts";

const hex = (k: Keystroke) => keystrokeReports(k).map((r) => `${Buffer.from(r.report).toString("hex")}@${r.atMs}`);

describe("keystrokes → boot reports", () => {
  it("a keydown is a press report (Shift in it when held) and a release at the same instant", () => {
    expect(hex({ key: "0", code: "Digit0", t: 12.5 })).toEqual(["0000270000000000@12.5", "0000000000000000@12.5"]);
    expect(hex({ key: "A", code: "KeyA", t: 3 })).toEqual(["0200040000000000@3", "0000000000000000@3"]);
    expect(hex({ key: ":", code: "Semicolon", t: 4 })).toEqual(["0200330000000000@4", "0000000000000000@4"]);
    expect(hex({ key: "m", code: "Semicolon", t: 4, shift: false })).toEqual(["0000330000000000@4", "0000000000000000@4"]);
    expect(hex({ key: "Enter", code: "NumpadEnter", t: 9 })).toEqual(["0000580000000000@9", "0000000000000000@9"]);
  });

  it("maps by physical key; by character only when the code is empty; modifiers type nothing; other keys spoil", () => {
    const u = (key: string, code: string) => usageOfKeystroke({ key, code, t: 0 });
    expect([u("&", "Digit1"), u("à", "Digit0"), u("7", "Numpad7"), u("q", "KeyA"), u("Tab", "Tab")]).toEqual([0x1e, 0x27, 0x5f, 0x04, 0x2b]);
    expect([u("5", ""), u("f", ""), u("Enter", ""), u(":", ""), u("é", "")]).toEqual([0x22, 0x09, 0x28, 0x33, 0x73]);
    expect([u("Shift", "ShiftLeft"), u("Control", "ControlRight"), u("CapsLock", "CapsLock"), u("Shift", "")]).toEqual([null, null, null, null]);
    expect([u("Backspace", "Backspace"), u("F13", "F13"), u("Dead", "IntlRo")]).toEqual([0x2a, 0x73, 0x73]);
    expect(keystrokeReports({ key: "Shift", code: "ShiftLeft", t: 1 })).toEqual([]);
  });
});
