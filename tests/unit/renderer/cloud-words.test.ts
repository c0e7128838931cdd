import { describe, expect, it } from "vitest";
import { AppError, KsError } from "../../../core/errors/index.ts";
import { describeCloudError, ksLineOf } from "../../../renderer/src/components/cloud/cloud-errors.ts";
import { diffDocs, duration, fieldLabel, kindLabel, kindOrder } from "../../../renderer/src/components/sync/sync-format.ts";

/** The words the sign-in and sync cards put on cloud failures and on what a sync sends. */
describe("cloud failures in words", () => {
  const url = "http://127.0.0.1:4480";
  const ks1500 = (cloud: Record<string, unknown>) => new KsError(1500, { message: "Not authenticated", details: { status: 401, cloud } });

  it("tells the 1500 reasons apart, keeping the KS code and its HTTP status", () => {
    const wrong = describeCloudError(ks1500({ reason: "credentials" }), url);
    expect(wrong).toMatchObject({ headline: "The e-mail or password is not right.", ksCode: 1500, code: "ks.1500" });
    expect(wrong.ksLine).toMatch(/^KS 1500 · HTTP 401/);
    expect(describeCloudError(ks1500({ reason: "code", attempts_left: 3 }), url).headline).toBe("That code is not right: 3 attempts left.");
    expect(describeCloudError(ks1500({ reason: "code", attempts_left: 1 }), url).headline).toBe("That code is not right: 1 attempt left.");
    expect(describeCloudError(ks1500({ reason: "challenge" }), url).advice).toMatch(/Start again/);
    expect(describeCloudError(ks1500({ reason: "refresh_reused" }), url).advice).toMatch(/Sign in to the KS cloud again/);
  });

  it("falls back to the shared advice for other KS codes, and names the cloud that could not be reached", () => {
    const act = describeCloudError(new KsError(1501, { details: {} }), url);
    expect(act.ksCode).toBe(1501);
    expect(act.advice).toMatch(/activation code/);
    const sub = describeCloudError(new KsError(2212, {}), url);
    expect(sub.advice).toMatch(/subscription/);
    const down = describeCloudError(new AppError("cloud.network", "unreachable"), url);
    expect(down).toMatchObject({ ksLine: null, ksCode: null, code: "cloud.network" });
    expect(down.headline).toContain(url);
    expect(describeCloudError(new Error("boom"), url).headline).toBe("boom");
  });

  it("writes a KS line with the table's status unless the answer had another", () => {
    expect(ksLineOf(2212)).toMatch(/^KS 2212 · HTTP 403 · /);
    expect(ksLineOf(1101, 404)).toMatch(/^KS 1101 · HTTP 404/);
    expect(ksLineOf(9999)).toBe("KS 9999");
  });
});

describe("what a sync sends, in words", () => {
  it("shows the fields two versions disagree on, one level deep, ignoring bookkeeping", () => {
    const mine = { id: "t", number: "04A2", state: "blocked", userId: null, version: 3, meta: { a: 1, b: 2 } };
    const theirs = { id: "t", number: "04A2", state: "assigned", userId: "u1", version: 4, meta: { a: 1, b: 5 } };
    expect(diffDocs(mine, theirs)).toEqual([
      { path: "state", mine: "blocked", theirs: "assigned" },
      { path: "userId", mine: "none", theirs: "u1" },
      { path: "meta.b", mine: "2", theirs: "5" },
    ]);
    expect(diffDocs(mine, null)).toEqual([{ path: "(whole entity)", mine: "kept", theirs: "deleted" }]);
    expect(diffDocs({ a: [1, 2] }, { a: [] })).toEqual([{ path: "a", mine: "1, 2", theirs: "none" }]);
  });

  it("names kinds, fields and durations", () => {
    expect(kindLabel("accessGroup", true)).toBe("Access groups");
    expect(kindLabel("iqTree")).toBe("IQ tree");
    expect(kindLabel("lockerBank")).toBe("Locker bank");
    expect(["tag", "door", "site", "zzz", "floor"].sort(kindOrder)).toEqual(["site", "floor", "door", "tag", "zzz"]);
    expect(fieldLabel("hardware.kind")).toBe("Hardware kind");
    expect(fieldLabel("assignedAt")).toBe("Assigned at");
    expect(duration(400)).toBe("under a second");
    expect(duration(42_000)).toBe("42 s");
    expect(duration(150_000)).toBe("2 min 30 s");
    expect(duration(3_900_000)).toBe("1 h 5 min");
  });
});
