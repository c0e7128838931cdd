import { describe, expect, it } from "vitest";
import { HidCodecError } from "../../../core/devices/hid/errors.ts";
import type { Lock, Tag } from "../../../core/domain/index.ts";
import {
  checkAssign,
  checkLeaveSite,
  checkMasterKey,
  checkReaderChoice,
  checkReportLost,
  checkUnassign,
  readerRefusal,
  readerRefusalReason,
  standingOf,
  tagAssignRefusal,
  tagNumberOf,
} from "../../../core/rules/tags.ts";
import { expect2203, expectRefusal } from "./refusal.ts";

const NOW = Date.parse("2026-01-05T10:00:00Z");
const tag = (id: string, fields: Partial<Tag> = {}): Tag => ({
  id, number: `04A2B9${id.toUpperCase()}`, state: "unassigned", userId: null, guestId: null, podId: null, masterKey: false, assignedAt: null, ...fields,
});
const lock = (fields: Partial<Lock> = {}): Lock => ({
  id: "L1", doorId: "D1", name: "Reception door", hardware: { kind: "escutcheon", generation: "bluenet" }, deviceId: null, parent: null,
  linkState: "attached", lockedState: "locked", online: true, officeMode: { mode: "off" }, ...fields,
});

describe("the Tag reader", () => {
  it("is a lock that is online and not in Office Mode; others are refused with the reason", () => {
    expect(readerRefusal(lock(), NOW, "UTC")).toBeNull();
    expect(readerRefusal(lock({ officeMode: { mode: "manual", active: false, since: null } }), NOW, "UTC")).toBeNull();
    const off = readerRefusal(lock({ online: false }), NOW, "UTC");
    expectRefusal(off, "enrollment.reader_offline", { lockId: "L1", reason: "offline" });
    expect(off!.message).toMatch(/Reception door is offline/);
    expectRefusal(readerRefusal(lock({ officeMode: { mode: "manual", active: true, since: null } }), NOW, "UTC"), "enrollment.reader_in_office_mode", { reason: "office-mode" });
    expectRefusal(readerRefusal(lock({ hardware: { kind: "locker", bankId: "B1", number: 3 } }), NOW, "UTC"), "enrollment.reader_locker", { reason: "locker" });
    // One reason, the first a person would fix: an offline lock in office mode is offline.
    expect(readerRefusalReason(lock({ online: false, officeMode: { mode: "manual", active: true, since: null } }), NOW, "UTC")).toBe("offline");
    expect(readerRefusalReason(lock(), NOW, "UTC")).toBeNull();
  });

  it("in Easy Office Mode only while its window is open", () => {
    const timeframe = { monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false, startTime: "08:00:00", endTime: "18:00:00", startDate: null, endDate: null };
    const eom = lock({ officeMode: { mode: "easy", active: false, since: null, schedule: { timeframe, autoOpenAtStart: true } } });
    expectRefusal(readerRefusal(eom, NOW, "UTC"), "enrollment.reader_in_office_mode");
    expect(readerRefusal(eom, Date.parse("2026-01-05T19:00:00Z"), "UTC")).toBeNull();
  });

  it("is chosen by a Site Admin or the Owner: an eligible lock of the site, or any USB reader", () => {
    const locks = new Map([["L1", lock()], ["L2", lock({ id: "L2", online: false })]]);
    const lockOf = (id: string) => locks.get(id);
    expect(checkReaderChoice("site-admin", { kind: "lock", lockId: "L1" }, lockOf, NOW, "UTC")).toBeNull();
    expect(checkReaderChoice("owner", { kind: "usb", readerId: "hid:0c27:3bfa", label: "Desk" }, lockOf, NOW, "UTC")).toBeNull();
    expect2203(checkReaderChoice("site-super-user", { kind: "lock", lockId: "L1" }, lockOf, NOW, "UTC"), { capability: "tag-reader.select" });
    expect2203(checkReaderChoice("user", { kind: "usb", readerId: "x", label: "" }, lockOf, NOW, "UTC"));
    expectRefusal(checkReaderChoice("site-admin", { kind: "lock", lockId: "L9" }, lockOf, NOW, "UTC"), "enrollment.reader_unknown", { lockId: "L9" });
    expectRefusal(checkReaderChoice("site-admin", { kind: "lock", lockId: "L2" }, lockOf, NOW, "UTC"), "enrollment.reader_offline", { lockId: "L2" });
  });
});

describe("tag numbers", () => {
  it("are normalised as the readers' codecs do, and refused with their typed errors", () => {
    expect(tagNumberOf(" 04 a2 b9 c1 ")).toBe("04A2B9C1");
    expect(tagNumberOf("12:345")).toBe("012:00345");
    expect(() => tagNumberOf("04-ZZ")).toThrow(HidCodecError);
    for (const [raw, code] of [["hello!", "hid.tag.format"], ["123", "hid.tag.length"], ["1".repeat(21), "hid.tag.length"], ["x".repeat(65), "hid.tag.length"], ["300:1", "hid.tag.range"]] as const) {
      try {
        tagNumberOf(raw);
        expect.unreachable(raw);
      } catch (e) {
        expect((e as HidCodecError).code, raw).toBe(code);
      }
    }
  });
});

describe("a tag's standing and who may get it", () => {
  it("tells unknown, free, someone's, blocked and a pod's apart", () => {
    expect(standingOf(undefined)).toEqual({ kind: "unknown" });
    expect(standingOf(tag("a"))).toEqual({ kind: "unassigned" });
    expect(standingOf(tag("b", { state: "assigned", userId: "ann" }))).toEqual({ kind: "assigned", userId: "ann" });
    expect(standingOf(tag("c", { state: "blocked", userId: "ann" }))).toEqual({ kind: "blocked", userId: "ann" });
    expect(standingOf(tag("d", { podId: "P1" }))).toEqual({ kind: "pod", podId: "P1", holder: null });
    expect(standingOf(tag("e", { podId: "P1", state: "assigned", guestId: "g1" }))).toEqual({ kind: "pod", podId: "P1", holder: { guestId: "g1" } });
    expect(standingOf(tag("f", { podId: "P1", state: "assigned", userId: "tom" }))).toEqual({ kind: "pod", podId: "P1", holder: { userId: "tom" } });
  });

  it("a free tag goes to anyone, a held one only stays with its user; blocked and pod tags go nowhere", () => {
    expect(tagAssignRefusal(tag("a"), "ann")).toBeNull();
    expect(tagAssignRefusal(tag("a"), null)).toBeNull();
    expect(tagAssignRefusal(tag("b", { state: "assigned", userId: "ann" }), "ann")).toBeNull();
    expectRefusal(tagAssignRefusal(tag("b", { state: "assigned", userId: "ann" }), "bob"), "tag.assigned", { tagId: "b", userId: "ann" });
    expectRefusal(tagAssignRefusal(tag("b", { state: "assigned", userId: "ann" }), null), "tag.assigned");
    const lost = tagAssignRefusal(tag("c", { state: "blocked", userId: "ann" }), "ann");
    expectRefusal(lost, "tag.blocked", { tagId: "c" });
    expect(lost!.message).toMatch(/Issue a new tag/);
    expectRefusal(tagAssignRefusal(tag("d", { podId: "P1" }), "ann"), "tag.in_pod", { podId: "P1" });
  });

  it("assigning and unassigning are for the Owner and Site Admins", () => {
    expect(checkAssign("site-admin", tag("a"), "ann")).toBeNull();
    expect2203(checkAssign("site-super-user", tag("a"), "ann"), { capability: "people.manage" });
    expectRefusal(checkAssign("owner", tag("c", { state: "blocked" }), "ann"), "tag.blocked");
    expect(checkUnassign("site-admin", tag("b", { state: "assigned", userId: "ann" }))).toBeNull();
    expect(checkUnassign("site-admin", tag("a"))).toBeNull();
    expect2203(checkUnassign("user", tag("b", { state: "assigned", userId: "ann" })));
    expectRefusal(checkUnassign("site-admin", tag("c", { state: "blocked", userId: "ann" })), "tag.blocked");
    expectRefusal(checkUnassign("site-admin", tag("f", { podId: "P1", state: "assigned", userId: "tom" })), "tag.in_pod");
  });
});

describe("Master Key tags", () => {
  it("cannot leave the site before being unassigned as Master Key (L103)", () => {
    expect(checkLeaveSite("site-admin", tag("a"))).toBeNull();
    expect(checkLeaveSite("site-admin", tag("b", { state: "assigned", userId: "ann" }))).toBeNull();
    const master = checkLeaveSite("owner", tag("m", { masterKey: true, state: "assigned", userId: "ann" }));
    expectRefusal(master, "tag.master_key", { tagId: "m" });
    expect(master!.message).toMatch(/unassign it as Master Key first/);
    expect2203(checkLeaveSite("site-super-user", tag("a")));
    expectRefusal(checkLeaveSite("site-admin", tag("d", { podId: "P1" })), "tag.in_pod");
  });

  it("are made and unmade by the Owner and Site Admins; a blocked tag is never made one", () => {
    expect(checkMasterKey("site-admin", tag("a"), true)).toBeNull();
    expect(checkMasterKey("owner", tag("c", { state: "blocked", masterKey: true }), false)).toBeNull();
    expect2203(checkMasterKey("site-super-user", tag("a"), true), { capability: "tags.master-key" });
    expect2203(checkMasterKey("user", tag("m", { masterKey: true }), false));
    expectRefusal(checkMasterKey("owner", tag("c", { state: "blocked" }), true), "tag.blocked");
  });
});

describe("a lost tag (L244)", () => {
  const anns = tag("b", { state: "assigned", userId: "ann" });
  it("is blocked by the Owner or a Site Admin, and its user may get a free or new tag", () => {
    expect(checkReportLost("site-admin", anns, null)).toBeNull();
    expect(checkReportLost("site-admin", tag("a"), null)).toBeNull(); // a free tag gone missing: only blocked
    expect(checkReportLost("owner", anns, { number: "04B00001", existing: undefined })).toBeNull();
    expect(checkReportLost("owner", anns, { number: "04A2B9A", existing: tag("a") })).toBeNull();
  });

  it("refuses every other case, with the reason", () => {
    expect2203(checkReportLost("site-super-user", anns, null), { capability: "tags.block" });
    expect2203(checkReportLost("user", anns, null));
    expectRefusal(checkReportLost("site-admin", tag("c", { state: "blocked", userId: "ann" }), null), "tag.already_blocked", { tagId: "c" });
    expectRefusal(checkReportLost("site-admin", tag("a"), { number: "04B00001", existing: undefined }), "tag.no_holder");
    expectRefusal(checkReportLost("site-admin", tag("f", { podId: "P1", state: "assigned", userId: "tom" }), { number: "04B00001", existing: undefined }), "tag.no_holder");
    expectRefusal(checkReportLost("site-admin", anns, { number: anns.number, existing: anns }), "tag.replacement_same");
    expectRefusal(checkReportLost("site-admin", anns, { number: "X", existing: tag("x", { state: "blocked" }) }), "tag.blocked");
    expectRefusal(checkReportLost("site-admin", anns, { number: "X", existing: tag("x", { state: "assigned", userId: "bob" }) }), "tag.assigned", { userId: "bob" });
    expectRefusal(checkReportLost("site-admin", anns, { number: "X", existing: tag("x", { podId: "P1" }) }), "tag.in_pod");
  });
});
