import { describe, expect, it } from "vitest";
import type { AsBuiltView } from "../../../core/api/features/commissioning.contract.ts";
import { compareTrees, rssiBars, stepStates, stickersFor } from "../../../renderer/src/components/commission/commission-model.ts";

const AT = "2026-11-25T09:00:00.000Z";

function node(id: string, name: string, role: "repeater" | "lock", parent: { kind: "iq" | "repeater"; id: string; name: string }, linkQuality = 70): AsBuiltView["built"][number] {
  return { role, id, name, doorId: role === "lock" ? `door-${id}` : null, deviceId: `0C${id.toUpperCase().padStart(10, "0")}`, parent, linkQuality, rssi: -60, attachedAt: AT, lastTest: null };
}

/** An IQ planned as R1 → {Room 1, Room 2}, R2 → {Room 3}; built with Room 2 under R2, Room 3 missing, and a stranger. */
function view(): AsBuiltView {
  const iq = { kind: "iq" as const, id: "iq", name: "IQ1" };
  const r1 = { kind: "repeater" as const, id: "r1", name: "Repeater R1" };
  const r2 = { kind: "repeater" as const, id: "r2", name: "Repeater R2" };
  return {
    iq: { id: "iq", name: "IQ1", serial: "SN1", model: "IQ 2.0", firmware: "2.3.1", mac: null, network: { kind: "ethernet-dhcp" }, cloudConnected: true },
    jobId: "job",
    planned: [
      { ref: "R1", role: "repeater", name: "Repeater R1", parentRef: null, deviceId: null },
      { ref: "R2", role: "repeater", name: "Repeater R2", parentRef: null, deviceId: null },
      { ref: "d1", role: "lock", name: "Room 1", parentRef: "R1", deviceId: null },
      { ref: "d2", role: "lock", name: "Room 2", parentRef: "R1", deviceId: null },
      { ref: "d3", role: "lock", name: "Room 3", parentRef: "R2", deviceId: null },
    ],
    planIsLatest: true,
    built: [node("r1", "Repeater R1", "repeater", iq), node("r2", "Repeater R2", "repeater", iq), node("l1", "Room 1", "lock", r1), node("l2", "Room 2", "lock", r2, 20), node("lx", "Store", "lock", r1)],
    unknownOnIq: [{ deviceId: "0CFFFFFFFF01", role: "lock", parentDeviceId: null, linkQuality: 40 }],
    differences: [
      { kind: "wrong-parent", role: "lock", ref: "d2", id: "l2", name: "Room 2", expectedParent: "Repeater R1", actualParent: "Repeater R2", message: "" },
      { kind: "missing", role: "lock", ref: "d3", name: "Room 3", message: "" },
      { kind: "extra", role: "lock", id: "lx", deviceId: null, name: "Store", message: "" },
    ],
  };
}

describe("the Commission screen's helpers", () => {
  it("draws the plan and the as-built tree side by side, each difference marked where it shows", () => {
    const { planned, built } = compareTrees(view());
    const rows = (list: typeof planned) => list.map((r) => `${"  ".repeat(r.depth)}${r.name}${r.mark ? ` [${r.mark}${r.note ? `: ${r.note}` : ""}]` : ""}`);
    expect(rows(planned)).toEqual([
      "IQ1",
      "  Repeater R1",
      "    Room 1",
      "    Room 2 [wrong-parent: Attached under Repeater R2]",
      "  Repeater R2",
      "    Room 3 [missing]",
    ]);
    expect(rows(built)).toEqual([
      "IQ1",
      "  Repeater R1",
      "    Room 1",
      "    Store [extra: Not in the plan]",
      "  Repeater R2",
      "    Room 2 [wrong-parent: Planned under Repeater R1]",
      "  Unknown lock 0CFFFFFFFF01 [extra: On the IQ, not in this site]",
    ]);
    expect(built.find((r) => r.name === "Room 2")?.linkQuality).toBe(20);
  });

  it("fills Device IDs from a simulated box's stickers: repeaters and locks each in the job's order", () => {
    const devices = [
      { ref: "R1", role: "repeater" as const },
      { ref: "d1", role: "lock" as const },
      { ref: "R2", role: "repeater" as const },
      { ref: "d2", role: "lock" as const },
      { ref: "d3", role: "lock" as const },
    ];
    expect(stickersFor(devices, { repeaters: ["0E01", "0E02"], locks: ["0C01", "0C02"] })).toEqual([
      { ref: "R1", deviceId: "0E01" },
      { ref: "d1", deviceId: "0C01" },
      { ref: "R2", deviceId: "0E02" },
      { ref: "d2", deviceId: "0C02" },
    ]);
  });

  it("says where each step stands, and how many bars a signal gets", () => {
    const job = { step: "network", status: "failed" } as Parameters<typeof stepStates>[0];
    const states = stepStates(job, false);
    expect([states.identify, states.network, states.cloud]).toEqual(["done", "failed", "todo"]);
    expect(stepStates(job, true).network).toBe("running");
    expect(stepStates({ ...job, status: "needs-input" }, false).network).toBe("waiting");
    expect([-45, -60, -61, -75, -85, -95].map(rssiBars)).toEqual([4, 4, 3, 2, 1, 0]);
  });
});
