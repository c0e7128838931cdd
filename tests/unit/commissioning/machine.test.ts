import { describe, expect, it } from "vitest";
import { advance, fail, jobErrorOf, ready, rewind, waitFor, type CommissioningJob } from "../../../core/commissioning/index.ts";
import { AppError, KsError, adviceFor, ksRow } from "../../../core/errors/index.ts";

const T0 = "2026-11-25T09:00:00.000Z";
const T1 = "2026-11-25T09:01:00.000Z";

function job(patch: Partial<CommissioningJob> = {}): CommissioningJob {
  return {
    id: "019b76da-a800-74f0-81c7-000000000001",
    iqId: "019b76da-a800-74f0-81c7-000000000002",
    planId: null,
    planIqId: null,
    peripheralId: "p",
    serial: null,
    step: "discover",
    status: "ready",
    waitingFor: null,
    attempts: 0,
    lastError: null,
    network: null,
    devices: [],
    unknownOnIq: [],
    activationCodeRef: null,
    completed: [],
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
    ...patch,
  };
}

describe("the commissioning state machine (pure)", () => {
  it("advances through every step in order and rests at done", () => {
    let j = job();
    const seen: string[] = [];
    while (j.step !== "done") {
      seen.push(j.step);
      j = advance(j, T1);
    }
    expect(seen).toEqual(["discover", "authenticate", "identify", "network", "cloud", "attach", "test"]);
    expect(j).toMatchObject({ status: "done", finishedAt: T1 });
    expect(advance(j, T1).step).toBe("done");
  });

  it("counts failed attempts, keeps the error, and clears both when the step succeeds", () => {
    const e = jobErrorOf("cloud", new KsError(3105), T1);
    expect(e).toMatchObject({ code: "ks.3105", ksCode: 3105, advice: adviceFor(ksRow(3105)!), step: "cloud" });
    const twice = fail(fail(job({ step: "cloud" }), e), e);
    expect(twice).toMatchObject({ status: "failed", attempts: 2, lastError: e });
    const ok = advance(twice, T1);
    expect(ok).toMatchObject({ step: "attach", status: "ready", attempts: 0, lastError: null });
    expect(ok.completed).toEqual([{ step: "cloud", at: T1, attempts: 3 }]);
  });

  it("waits for input and is ready again when it comes", () => {
    const w = waitFor(job({ step: "network" }), "network", T1);
    expect(w).toMatchObject({ status: "needs-input", waitingFor: "network" });
    expect(ready(w, T1)).toMatchObject({ status: "ready", waitingFor: null });
    expect(ready(job({ step: "done", status: "done" }), T1).status).toBe("done");
  });

  it("rewinds only backwards, forgetting the later steps and the door tests", () => {
    let j = job();
    for (let i = 0; i < 7; i++) j = advance(j, T1);
    const tested = { ...j, devices: [{ ref: "D1", role: "lock" as const, name: "D1", parentRef: null, deviceId: "00000001", doorId: null, lockId: null, repeaterId: null, position: null, attachedAt: T1, test: { outcome: "opened" as const, latencyMs: 1, at: T1 } }] };
    const back = rewind(tested, "network", T1);
    expect(back).toMatchObject({ step: "network", status: "ready", finishedAt: null });
    expect(back.completed.map((c) => c.step)).toEqual(["discover", "authenticate", "identify"]);
    expect(back.devices[0]).toMatchObject({ attachedAt: T1, test: null });
    expect(() => rewind(job({ step: "identify" }), "test", T1)).toThrow(/cannot skip ahead/);
  });

  it("keeps the flow's own codes with advice, and marks anything else as a bug", () => {
    expect(jobErrorOf("network", new AppError("commissioning.network_down", "down"), T1).advice).toMatch(/Wi-Fi/);
    expect(jobErrorOf("attach", new AppError("ble.connect_timeout", "x"), T1, ["R1"])).toMatchObject({ ksCode: null, refs: ["R1"], advice: expect.stringMatching(/metres/) });
    expect(jobErrorOf("attach", new TypeError("boom"), T1)).toMatchObject({ code: "commissioning.unexpected", message: expect.stringContaining("boom") });
  });
});
