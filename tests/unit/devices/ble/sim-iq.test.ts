/** The simulated IQ's command semantics, without the radio: tree limits, firmware, reset, network. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Request, Response } from "../../../../core/devices/ble/commands.ts";
import { SimIq, linkQualityOf, type SimDevice, type SimIqConfig } from "../../../../core/devices/ble/sim/iq.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";

const R = (n: number) => `0E0000000${n}`.padEnd(10, "0");
const Lk = (n: number) => `0C00000${String(n).padStart(3, "0")}`;

/** Repeaters R(1..8) hearing every other repeater and the IQ; locks Lk(1..20) hearing everything. */
function iq(extra: Partial<SimIqConfig> = {}): { s: VirtualScheduler; q: SimIq } {
  const reps = Array.from({ length: 8 }, (_, i) => R(i + 1));
  const everyone = Object.fromEntries([["IQ", -60], ...reps.map((r) => [r, -65])]);
  const devices: SimDevice[] = [
    ...reps.map((id) => ({ deviceId: id, role: "repeater" as const, links: everyone })),
    ...Array.from({ length: 20 }, (_, i) => ({ deviceId: Lk(i + 1), role: "lock" as const, links: everyone })),
    { deviceId: "0F00000001", role: "lock", links: { IQ: -95 } },
  ];
  const s = new VirtualScheduler();
  return { s, q: new SimIq({ serial: "SNT", activationCode: "T-1", pbkdfIterations: 1000, devices, ...extra }, s) };
}

function run(q: SimIq, req: Request): Response {
  return q.execute(req).response;
}

function code(r: Response): number | "ok" {
  return r.op === "error" ? r.code : "ok";
}

function attach(q: SimIq, role: "lock" | "repeater", id: string, parent: string | null): number | "ok" {
  return code(run(q, { op: "attach", role, deviceId: id, parentDeviceId: parent }));
}

describe("SimIq tree limits (2204 and friends)", () => {
  it("at most 6 repeaters per IQ", () => {
    const { q } = iq();
    expect([1, 2].map((n) => attach(q, "repeater", R(n), null))).toEqual(["ok", "ok"]);
    expect([3, 4].map((n) => attach(q, "repeater", R(n), R(1)))).toEqual(["ok", "ok"]);
    expect([5, 6].map((n) => attach(q, "repeater", R(n), R(2)))).toEqual(["ok", "ok"]);
    expect(attach(q, "repeater", R(7), R(3))).toBe(2204);
  });

  it("at most 2 child repeaters per repeater, chains at most 3 deep", () => {
    const { q } = iq();
    attach(q, "repeater", R(1), null);
    attach(q, "repeater", R(2), R(1));
    attach(q, "repeater", R(3), R(1));
    expect(attach(q, "repeater", R(4), R(1))).toBe(2204); // third child
    expect(attach(q, "repeater", R(4), R(2))).toBe("ok"); // IQ > R1 > R2 > R4
    expect(attach(q, "repeater", R(5), R(4))).toBe(2204); // a fourth layer
  });

  it("no lock directly on an IQ with repeaters, and no repeater on an IQ with direct locks", () => {
    const a = iq().q;
    attach(a, "repeater", R(1), null);
    expect(attach(a, "lock", Lk(1), null)).toBe(2204);
    expect(attach(a, "lock", Lk(1), R(1))).toBe("ok");
    const b = iq().q;
    attach(b, "lock", Lk(1), null);
    expect(attach(b, "repeater", R(1), null)).toBe(2204);
  });

  it("16 locks per IQ, counted through repeaters too", () => {
    const { q } = iq();
    attach(q, "repeater", R(1), null);
    attach(q, "repeater", R(2), null);
    for (let i = 1; i <= 16; i++) expect(attach(q, "lock", Lk(i), i % 2 ? R(1) : R(2))).toBe("ok");
    expect(attach(q, "lock", Lk(17), R(1))).toBe(2204);
  });

  it("refuses locks as parents (2204), wrong roles (1101), doubles (3103), unknown or unreachable devices (3104)", () => {
    const { q } = iq();
    attach(q, "lock", Lk(1), null);
    expect(attach(q, "lock", Lk(2), Lk(1))).toBe(2204);
    expect(attach(q, "repeater", Lk(3), null)).toBe(1101);
    expect(attach(q, "lock", Lk(1), null)).toBe(3103);
    expect(attach(q, "lock", "ABCDEF0123", null)).toBe(3104);
    expect(attach(q, "lock", Lk(4), R(8))).toBe(3104); // parent not attached
    expect(attach(q, "lock", "0F00000001", null)).toBe("ok");
    expect(q.attachedTree().find((n) => n.deviceId === "0F00000001")?.linkQuality).toBe(linkQualityOf(-95));
  });

  it("detaches leaves only; unknown devices are 3104", () => {
    const { q } = iq();
    attach(q, "repeater", R(1), null);
    attach(q, "lock", Lk(1), R(1));
    expect(code(run(q, { op: "detach", deviceId: R(1) }))).toBe(2204);
    expect(code(run(q, { op: "detach", deviceId: Lk(1) }))).toBe("ok");
    expect(code(run(q, { op: "detach", deviceId: R(1) }))).toBe("ok");
    expect(code(run(q, { op: "detach", deviceId: R(1) }))).toBe(3104);
    expect(q.attachedTree()).toEqual([]);
  });

  it("link quality follows RSSI: -45 dBm and better is 100, -100 is 0", () => {
    expect([-40, -45, -72.5, -100, -110].map(linkQualityOf)).toEqual([100, 100, 50, 0, 0]);
  });
});

describe("SimIq test-open, firmware, reset, network", () => {
  it("test-opens attached locks only, with the table's outcome and latency", () => {
    const s = new VirtualScheduler();
    const q = new SimIq(
      { serial: "X", activationCode: "c", pbkdfIterations: 1000, devices: [{ deviceId: "0C00000001", role: "lock", links: { IQ: -50 }, testOpen: { outcome: "refused", latencyMs: 777 } }] },
      s,
    );
    expect(code(run(q, { op: "test-open", deviceId: "0C00000001" }))).toBe(3104);
    run(q, { op: "attach", role: "lock", deviceId: "0C00000001", parentDeviceId: null });
    const o = q.execute({ op: "test-open", deviceId: "0C00000001" });
    expect(o.response).toEqual({ op: "test-open", outcome: "refused", latencyMs: 777 });
    expect(o.delayMs).toBe(777);
  });

  it("firmware: exact offsets, resume for the same image, SHA-256 checked before commit (2207)", () => {
    const { q } = iq();
    const image = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const sha = new Uint8Array(createHash("sha256").update(image).digest());
    expect(run(q, { op: "fw-chunk", offset: 0, data: image })).toMatchObject({ code: 3103 });
    expect(run(q, { op: "fw-begin", imageSize: 1000, sha256: sha, version: "3.0.0" })).toEqual({ op: "fw-begin", resumeOffset: 0 });
    expect(run(q, { op: "fw-chunk", offset: 0, data: image.subarray(0, 400) })).toEqual({ op: "fw-chunk", nextOffset: 400 });
    expect(run(q, { op: "fw-chunk", offset: 100, data: image.subarray(100, 200) })).toMatchObject({ code: 2207, detail: "expected offset 400" });
    expect(run(q, { op: "fw-commit" })).toMatchObject({ code: 2207 });
    // fw-commit on an incomplete image discards nothing: the same image resumes at 400.
    expect(run(q, { op: "fw-begin", imageSize: 1000, sha256: sha, version: "3.0.0" })).toEqual({ op: "fw-begin", resumeOffset: 400 });
    expect(run(q, { op: "fw-chunk", offset: 400, data: image.subarray(400, 1001) })).toEqual({ op: "fw-chunk", nextOffset: 1000 });
    const commit = q.execute({ op: "fw-commit" });
    expect(commit.response).toEqual({ op: "fw-commit" });
    expect(commit.rebootAfter).toBe(true);
    expect(q.firmware).toBe("3.0.0");

    const bad = new Uint8Array(32).fill(9);
    run(q, { op: "fw-begin", imageSize: 1000, sha256: bad, version: "6.6.6" });
    run(q, { op: "fw-chunk", offset: 0, data: image });
    expect(run(q, { op: "fw-commit" })).toMatchObject({ code: 2207 });
    expect(q.firmware).toBe("3.0.0");
    expect(q.stagedFirmware()).toBeNull();
  });

  it("factory reset: 2209 while anything is attached, then clears the network and reboots", () => {
    const { q } = iq();
    run(q, { op: "network-set", config: { kind: "ethernet-dhcp" } });
    attach(q, "lock", Lk(1), null);
    expect(run(q, { op: "factory-reset" })).toMatchObject({ code: 2209 });
    run(q, { op: "detach", deviceId: Lk(1) });
    expect(q.execute({ op: "factory-reset" }).rebootAfter).toBe(true);
    expect(q.networkConfig()).toBeNull();
    expect(run(q, { op: "status" })).toMatchObject({ uplink: "none", cloud: "unknown" });
  });

  it("cellular joins only with the SIM's APN and PIN; the cloud can be unreachable", async () => {
    const { s, q } = iq({ simCard: { apn: "iot.example", pin: "1234" }, cloudReachable: false, ethernetCable: false });
    run(q, { op: "network-set", config: { kind: "cellular", apn: "iot.example", pin: "0000" } });
    expect(run(q, { op: "status" })).toMatchObject({ uplink: "cellular", linkUp: false, cloud: "unreachable" });
    run(q, { op: "network-set", config: { kind: "cellular", apn: "iot.example", pin: "1234" } });
    await s.advance(5_000);
    expect(run(q, { op: "status" })).toMatchObject({ uplink: "cellular", linkUp: true, cloud: "unreachable", rssi: -83, uptimeSeconds: 5 });
    run(q, { op: "network-set", config: { kind: "ethernet-static", address: "10.0.0.9", prefixLength: 24, gateway: "10.0.0.1", dns: [] } });
    expect(run(q, { op: "status" })).toMatchObject({ uplink: "ethernet", linkUp: false, address: null });
  });

  it("the brute-force brake: 5 failures within 10 minutes lock pairing for 60 s", async () => {
    const { s, q } = iq();
    for (let i = 0; i < 4; i++) q.recordPakeFailure();
    expect(q.pairingLocked).toBe(false);
    await s.advance(11 * 60_000); // the old ones age out
    q.recordPakeFailure();
    expect(q.pairingLocked).toBe(false);
    for (let i = 0; i < 4; i++) q.recordPakeFailure();
    expect(q.pairingLocked).toBe(true);
    await s.advance(60_000);
    expect(q.pairingLocked).toBe(false);
  });

  it("stores the registration record, never needing the code again", () => {
    const { q } = iq();
    expect(q.verifier.L).toHaveLength(65);
    expect(q.verifier.iterations).toBe(1000);
    expect(q.verifier.salt).toHaveLength(16);
  });
});
