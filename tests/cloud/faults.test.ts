import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, docs, expectError, expectKs, id, readySite } from "./support.ts";

/**
 * Fault injection (API.md §11): counted and seeded faults, matched by method and path,
 * never on `/_emulator`. Whether a fault ran the request or not is checked by what
 * the cloud holds afterwards.
 */

let cloud: RunningCloud;

beforeAll(async () => {
  cloud = await startCloud({ port: 0 });
});
afterEach(() => {
  cloud.clearFaults();
});
afterAll(async () => {
  await cloud.close();
});

/** Status of each of `n` GETs, or "dropped" / "lost" when the connection died. */
async function outcomes(path: string, token: string, n: number): Promise<(number | string)[]> {
  const out: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push((await call(cloud, "GET", path, { token })).status);
    } catch {
      out.push("dead");
    }
  }
  return out;
}

describe("faults", () => {
  it("fire the same sequence for the same seed", async () => {
    const s = await readySite(cloud);
    const settings = { seed: 42, error_rate: 0.3, drop_rate: 0.2, match: { path_prefix: "/v1/sites/" } };
    cloud.setFaults(settings);
    const first = await outcomes(s.path("/floors"), s.token, 30);
    cloud.setFaults(settings);
    const second = await outcomes(s.path("/floors"), s.token, 30);
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, "dead"]));
    cloud.setFaults({ ...settings, seed: 43 });
    expect(await outcomes(s.path("/floors"), s.token, 30)).not.toEqual(first);
  });

  it("apply only to matching requests, and report how often they fired", async () => {
    const s = await readySite(cloud);
    cloud.setFaults({ error_count: 2, match: { method: "PUT", path_prefix: s.path("/floors") } });
    expect((await call(cloud, "GET", s.path("/floors"), { token: s.token })).status).toBe(200);
    expectKs(await s.put("floors", id(), docs.floor()), 2201);
    expectKs(await s.put("floors", id(), docs.floor()), 2201);
    expect((await s.put("floors", id(), docs.floor())).status).toBe(201);
    const state = await call(cloud, "GET", "/_emulator/faults");
    expect(state.body.fired).toEqual({ rate_limit: 0, error: 2, drop: 0, lose_response: 0 });
    expect((await call(cloud, "GET", s.path("/floors"), { token: s.token })).body.items).toHaveLength(1);
  });

  it("answer 429 with the Retry-After asked for, running nothing", async () => {
    const s = await readySite(cloud);
    await call(cloud, "POST", "/_emulator/faults", { body: { rate_limit_count: 1, retry_after_seconds: 3 } });
    const floorId = id();
    const limited = await s.put("floors", floorId, docs.floor());
    expectError(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("3");
    expectKs(await call(cloud, "GET", s.path(`/floors/${floorId}`), { token: s.token }), 1101, 404);
  });

  it("delay a request by latency_ms and still answer it", async () => {
    const s = await readySite(cloud);
    cloud.setFaults({ latency_ms: 20, latency_jitter_ms: 10 });
    expect((await s.put("floors", id(), docs.floor())).status).toBe(201);
  });

  it("lose a response after the commit: the effect is there, the client saw nothing", async () => {
    const s = await readySite(cloud);
    const floorId = id();
    cloud.setFaults({ lose_response_count: 1, match: { method: "PUT" } });
    await expect(s.put("floors", floorId, docs.floor())).rejects.toThrow();
    expect((await call(cloud, "GET", s.path(`/floors/${floorId}`), { token: s.token })).body.version).toBe(1);
  });

  it("never touch /_emulator, and refuse settings out of range", async () => {
    cloud.setFaults({ error_rate: 1, drop_rate: 1 });
    expect((await call(cloud, "GET", "/_emulator/outbox")).status).toBe(200);
    expectKs(await call(cloud, "POST", "/_emulator/faults", { body: { error_rate: 2 } }), 1100);
  });
});
