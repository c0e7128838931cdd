import { describe, expect, it } from "vitest";
import {
  AccessGroup, Door, Floor, Iq, IqNetwork, Lock, Locker, LockerBank, NotificationRule, NOT_CLOSED_AFTER_SECONDS,
  Pod, PodGuest, Repeater, Schedule, Site, Tag, TagNumber, Timeframe, User, DeviceId, IQ_LIMITS,
} from "../../../core/domain/index.ts";

const id = (n: number) => `0190f3a0-0000-7000-8000-${String(n).padStart(12, "0")}`;
const at = "2026-11-25T10:00:00.000Z";
const weekdays = { monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false };
const office = { ...weekdays, startTime: "08:00:00", endTime: "18:00:00" };

describe("site, floors, doors", () => {
  it("fills defaults and keeps what was given", () => {
    const site = Site.parse({ id: id(1), name: "  Hotel Aurora ", createdAt: at });
    expect(site).toEqual({ id: id(1), name: "Hotel Aurora", address: "", timezone: "UTC", stage: "planning", subscription: null, createdAt: at });
  });
  it("refuses empty names, non-integer levels, negative coordinates", () => {
    expect(Site.safeParse({ id: id(1), name: "  ", createdAt: at }).success).toBe(false);
    expect(Floor.safeParse({ id: id(2), name: "F", level: 0.5, widthM: 10, depthM: 10 }).success).toBe(false);
    expect(Floor.safeParse({ id: id(2), name: "Basement", level: -2, widthM: 10, depthM: 10 }).success).toBe(true);
    expect(Door.safeParse({ id: id(3), floorId: id(2), name: "D", x: -1, y: 0 }).success).toBe(false);
  });
});

describe("locks and hardware", () => {
  const base = { id: id(4), doorId: id(3), name: "Room 101" };
  it("knows the four lock kinds with their own details", () => {
    expect(Lock.parse({ ...base, hardware: { kind: "escutcheon" } }).hardware).toEqual({ kind: "escutcheon", generation: "bluenet" });
    expect(Lock.parse({ ...base, hardware: { kind: "wall-reader", controller: { drives: "gate" } } }).hardware).toEqual({ kind: "wall-reader", controller: { deviceId: null, drives: "gate" } });
    expect(Lock.safeParse({ ...base, hardware: { kind: "locker", number: 3 } }).success).toBe(false); // a locker needs its bank
    expect(Lock.safeParse({ ...base, hardware: { kind: "padlock" } }).success).toBe(false);
  });
  it("normalises Device IDs and refuses what is not one", () => {
    expect(DeviceId.parse(" 00a1b2c3d4 ")).toBe("00A1B2C3D4");
    expect(DeviceId.safeParse("XYZ").success).toBe(false);
  });
  it("models office mode per lock, EOM with its schedule", () => {
    const lock = Lock.parse({ ...base, hardware: { kind: "cylinder" }, officeMode: { mode: "easy", active: false, schedule: { timeframe: office } } });
    expect(lock.officeMode).toMatchObject({ mode: "easy", schedule: { autoOpenAtStart: false } });
  });
  it("describes every IQ uplink and keeps secrets out (only a vault reference)", () => {
    expect(IqNetwork.parse({ kind: "ethernet-static", address: "10.0.0.5", prefixLength: 24, gateway: "10.0.0.1", dns: ["1.1.1.1"] }).kind).toBe("ethernet-static");
    expect(IqNetwork.safeParse({ kind: "ethernet-static", address: "10.0.0.300", prefixLength: 24, gateway: "10.0.0.1", dns: ["1.1.1.1"] }).success).toBe(false);
    expect(IqNetwork.safeParse({ kind: "wifi", ssid: "x".repeat(33), security: "wpa2-psk" }).success).toBe(false);
    const wifi = IqNetwork.parse({ kind: "wifi", ssid: "Aurora-Staff", security: "wpa2-psk", passphrase: "secret123" });
    expect(JSON.stringify(wifi)).not.toContain("secret123");
    expect(IqNetwork.parse({ kind: "cellular", apn: "internet" })).toEqual({ kind: "cellular", apn: "internet", pinRef: null });
    const iq = Iq.parse({ id: id(5), name: "IQ lobby" });
    expect([iq.activation, iq.network.kind, iq.cloudConnected]).toEqual(["not-activated", "unconfigured", false]);
    expect(Iq.safeParse({ id: id(5), name: "IQ", mac: "zz:00:00:00:00:00" }).success).toBe(false);
    expect(Repeater.parse({ id: id(6), name: "R1", parent: { kind: "iq", id: id(5) } }).linkState).toBe("unlinked");
  });
  it("states the IQ tree limits of the seed", () => {
    expect(IQ_LIMITS).toEqual({ locksPerIq: 16, repeatersPerIq: 6, repeaterChainDepth: 3, childRepeatersPerRepeater: 2, hopRangeM: 10 });
  });
});

describe("people, tags, access", () => {
  it("gives a new user sane defaults", () => {
    const u = User.parse({ id: id(7), firstName: "Jonas", lastName: "Peeters", createdAt: at });
    expect(u).toMatchObject({ role: "user", email: null, waysOfOpening: { digitalKey: true, tag: false }, lockPermissions: { manualOfficeMode: false, easyOfficeMode: false } });
    expect(User.safeParse({ id: id(7), firstName: "J", lastName: "P", createdAt: at, role: "pod-guest" }).success).toBe(false);
    expect(User.safeParse({ id: id(7), firstName: "J", lastName: "P", createdAt: at, email: "not-an-email" }).success).toBe(false);
  });
  it("reads tag numbers in decimal, hex and Wiegand form", () => {
    expect(TagNumber.parse(" 04a2b9c1 ")).toBe("04A2B9C1");
    expect(TagNumber.parse("123:45678")).toBe("123:45678");
    expect(TagNumber.safeParse("12").success).toBe(false);
  });
  it("keeps a tag's state and holder consistent", () => {
    const t = { id: id(8), number: "04A2B9C1" };
    expect(Tag.safeParse({ ...t, state: "assigned" }).success).toBe(false);
    expect(Tag.safeParse({ ...t, state: "unassigned", userId: id(7) }).success).toBe(false);
    expect(Tag.safeParse({ ...t, state: "assigned", userId: id(7), guestId: id(9) }).success).toBe(false);
    expect(Tag.safeParse({ ...t, state: "assigned", guestId: id(9), podId: id(10) }).success).toBe(true);
    expect(Tag.safeParse({ ...t, state: "blocked", userId: id(7) }).success).toBe(true);
  });
  it("checks timeframes: start before end, at least one weekday", () => {
    expect(Timeframe.safeParse({ ...office, startTime: "18:00:00", endTime: "08:00:00" }).success).toBe(false);
    expect(Timeframe.safeParse({ ...office, startDate: "2026-12-02", endDate: "2026-12-01" }).success).toBe(false);
    expect(Timeframe.safeParse({ ...office, monday: false, tuesday: false, wednesday: false, thursday: false, friday: false }).success).toBe(false);
    expect(Timeframe.safeParse({ ...office, startTime: "24:00:00" }).success).toBe(false);
    expect(Timeframe.parse({ ...office, startDate: "2026-12-01T15:00:00", endDate: "2026-12-03T11:00:00" }).endDate).toBe("2026-12-03T11:00:00");
    expect(Schedule.safeParse({ id: id(11), name: "Office hours", timeframes: [] }).success).toBe(false);
    expect(AccessGroup.parse({ id: id(12), name: "Staff", lockIds: [id(4)], scheduleIds: [id(11)], userIds: [id(7)] }).name).toBe("Staff");
  });
});

describe("pods, lockers, notifications", () => {
  it("models a pod with members, pod tags, a guest limit and guests with invitations", () => {
    const pod = Pod.parse({ id: id(20), name: "Studio 4", members: [{ userId: id(7), lockIds: [id(4)] }], lockIds: [id(4)], tagIds: [], guestLimit: 5, timeframe: office });
    expect(pod.members[0]!.tagId).toBeNull();
    expect(Pod.safeParse({ ...pod, guestLimit: -1 }).success).toBe(false);
    const guest = { id: id(21), podId: id(20), invitedBy: id(7), firstName: "Ana", lastName: "Lopes", lockIds: [id(4)], timeframe: office, status: "invited", invitation: { tokenHash: "a".repeat(64), expiresAt: at } };
    expect(PodGuest.parse(guest).invitation.usedAt).toBeNull();
    expect(PodGuest.safeParse({ ...guest, lockIds: [] }).success).toBe(false);
    expect(PodGuest.safeParse({ ...guest, invitation: { tokenHash: "plain-token", expiresAt: at } }).success).toBe(false);
  });
  it("models personal and dynamic locker banks", () => {
    expect(LockerBank.parse({ id: id(30), name: "Gym lockers", mode: "dynamic" }).mode).toBe("dynamic");
    expect(LockerBank.safeParse({ id: id(30), name: "X", mode: "shared" }).success).toBe(false);
    expect(Locker.parse({ id: id(31), bankId: id(30), number: 12 })).toMatchObject({ assigneeIds: [], occupant: null });
  });
  it("models 'if _ opened _ in _ via _' rules and the 38 s NOT CLOSED alert", () => {
    const rule = NotificationRule.parse({ id: id(40), name: "After hours", people: "anyone", doors: [id(4)], timing: { kind: "outside", timeframe: office }, channels: ["email"], recipientIds: [id(7)] });
    expect(rule.timing.kind).toBe("outside");
    expect(NotificationRule.safeParse({ ...rule, channels: [] }).success).toBe(false);
    expect(NOT_CLOSED_AFTER_SECONDS).toBe(38);
  });
});
