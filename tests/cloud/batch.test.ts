import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, docs, expectError, id, readySite } from "./support.ts";

/**
 * Exactly-once changes (API.md §7) and the change feed (§8): per-change keys replay
 * the original result, a response lost after the commit is retried without doubling,
 * a refused change never blocks the rest, and the cloud's own changes show in the feed.
 */

let cloud: RunningCloud;

beforeAll(async () => {
  cloud = await startCloud({ port: 0 });
});
afterAll(async () => {
  await cloud.close();
});

type Site = Awaited<ReturnType<typeof readySite>>;

const batch = (s: Site, changes: unknown[], o: { headers?: Record<string, string>; dryRun?: boolean } = {}) =>
  call(cloud, "POST", s.path("/changes:batch"), { token: s.token, body: { changes, ...(o.dryRun ? { dry_run: true } : {}) }, ...(o.headers ? { headers: o.headers } : {}) });

const stats = async (s: Site) => (await call(cloud, "GET", `/_emulator/sites/${s.siteId}/stats`)).body;

/** A floor and `n` doors on it, as batch changes with fresh keys. */
function floorWithDoors(n: number) {
  const floorId = id();
  const changes = [
    { idempotency_key: id(), op: "upsert", resource: "floors", id: floorId, body: docs.floor() },
    ...Array.from({ length: n }, (_, i) => ({ idempotency_key: id(), op: "upsert", resource: "doors", id: id(), body: docs.door(floorId, { name: `Room ${i}` }) })),
  ];
  return { floorId, changes };
}

describe("a batch", () => {
  it("applies changes in order, so a later change may name an earlier one, and says what each did", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(3);
    const res = await batch(s, changes);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 201]);
    expect(res.body.results.every((r: { replayed: boolean; version: number }) => !r.replayed && r.version === 1)).toBe(true);
    expect((await stats(s)).counts).toEqual({ floors: 1, doors: 3 });
  });

  it("sets a refused change aside in its result and applies the rest", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(2);
    const bad = { idempotency_key: id(), op: "upsert", resource: "doors", id: id(), body: docs.door(id()) };
    const res = await batch(s, [changes[0], bad, changes[1], changes[2]]);
    const results = res.body.results;
    expect(results.map((r: { status: number }) => r.status)).toEqual([201, 404, 201, 201]);
    expect(results[1].error).toMatchObject({ code: "ks.1101", ksCode: 1101, status: 404, details: { parameter: "floor_id" } });
    expect((await stats(s)).counts).toEqual({ floors: 1, doors: 2 });
  });

  it("replays a change sent again under its key: same result, one row, even after the entity moved on", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(1);
    const first = await batch(s, changes);
    const doorChange = changes[1]!;
    await s.put("doors", doorChange.id, { ...(doorChange.body as object), name: "Renamed" });
    const again = await batch(s, [doorChange, changes[0]]);
    expect(again.body.results.map((r: { replayed: boolean }) => r.replayed)).toEqual([true, true]);
    expect(again.body.results[0]).toEqual({ ...first.body.results[1], replayed: true });
    const door = await call(cloud, "GET", s.path(`/doors/${doorChange.id}`), { token: s.token });
    expect(door.body).toMatchObject({ name: "Renamed", version: 2 });
    expect((await stats(s)).counts).toEqual({ floors: 1, doors: 1 });
  });

  it("refuses a key reused for a different change, in that change's result", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(0);
    await batch(s, changes);
    const res = await batch(s, [{ ...changes[0]!, body: docs.floor({ level: 3 }) }]);
    expect(res.body.results[0]).toMatchObject({ status: 400, error: { code: "ks.1100", details: { reason: "idempotency_key_reused" } } });
  });

  it("evaluates a refused change afresh when it comes back under the same key", async () => {
    const s = await readySite(cloud);
    const floorId = id();
    const door = { idempotency_key: id(), op: "upsert", resource: "doors", id: id(), body: docs.door(floorId) };
    expect((await batch(s, [door])).body.results[0].status).toBe(404);
    await s.put("floors", floorId, docs.floor());
    expect((await batch(s, [door])).body.results[0]).toMatchObject({ status: 201, replayed: false });
  });

  it("commits, loses the response, and a retry with the same keys changes nothing more", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(4);
    cloud.setFaults({ lose_response_count: 1, match: { method: "POST", path_prefix: s.path("/changes") } });
    try {
      await expect(batch(s, changes)).rejects.toThrow();
    } finally {
      cloud.clearFaults();
    }
    const committed = await stats(s);
    expect(committed.counts).toEqual({ floors: 1, doors: 4 });
    const retry = await batch(s, changes);
    expect(retry.body.results.map((r: { status: number; replayed: boolean }) => [r.status, r.replayed])).toEqual(Array(5).fill([201, true]));
    const after = await stats(s);
    expect(after).toEqual(committed);
    const feed = await call(cloud, "GET", s.path("/changes?$top=1000"), { token: s.token });
    const keys = feed.body.items.map((e: { idempotency_key: string | null }) => e.idempotency_key).filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("replays a whole request under its Idempotency-Key after a lost response", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(1);
    const headers = { "Idempotency-Key": id() };
    cloud.setFaults({ lose_response_count: 1, match: { path_prefix: s.path("/changes") } });
    try {
      await expect(batch(s, changes, { headers })).rejects.toThrow();
    } finally {
      cloud.clearFaults();
    }
    const retry = await batch(s, changes, { headers });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.results.map((r: { replayed: boolean }) => r.replayed)).toEqual([false, false]);
  });

  it("runs nothing when the connection drops before the reply", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(1);
    cloud.setFaults({ drop_count: 1, match: { path_prefix: s.path("/changes") } });
    try {
      await expect(batch(s, changes)).rejects.toThrow();
    } finally {
      cloud.clearFaults();
    }
    expect((await stats(s)).counts).toEqual({});
    expect((await batch(s, changes)).body.results.map((r: { replayed: boolean }) => r.replayed)).toEqual([false, false]);
  });

  it("rolls a dry run back: results say what would happen, nothing is stored", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(1);
    const bad = { idempotency_key: id(), op: "upsert", resource: "floors", id: id(), body: docs.floor({ level: "one" }) };
    const dry = await batch(s, [...changes, bad], { dryRun: true });
    expect(dry.body).toMatchObject({ dry_run: true });
    expect(dry.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 400]);
    expect(await stats(s)).toEqual({ counts: {}, feed_seq: (await stats(s)).feed_seq, keys: 0 });
    expect((await batch(s, changes)).body.results.map((r: { replayed: boolean }) => r.replayed)).toEqual([false, false]);
  });

  it("deletes, saying whether the entity was there, and takes if_version for conflicts", async () => {
    const s = await readySite(cloud);
    const { floorId, changes } = floorWithDoors(0);
    await batch(s, changes);
    const stale = await batch(s, [{ idempotency_key: id(), op: "delete", resource: "floors", id: floorId, if_version: 5 }]);
    expect(stale.body.results[0]).toMatchObject({ status: 409, error: { code: "cloud.conflict", details: { current_version: 1 } } });
    const del = await batch(s, [
      { idempotency_key: id(), op: "delete", resource: "floors", id: floorId, if_version: 1 },
      { idempotency_key: id(), op: "delete", resource: "floors", id: floorId },
    ]);
    expect(del.body.results.map((r: { status: number; existed: boolean }) => [r.status, r.existed])).toEqual([
      [204, true],
      [204, false],
    ]);
  });

  it("writes IQ trees as changes too, and names an unknown resource", async () => {
    const s = await readySite(cloud);
    const [floorId, doorId, lockId, iqId] = [id(), id(), id(), id()];
    const res = await batch(s, [
      { idempotency_key: id(), op: "upsert", resource: "floors", id: floorId, body: docs.floor() },
      { idempotency_key: id(), op: "upsert", resource: "doors", id: doorId, body: docs.door(floorId) },
      { idempotency_key: id(), op: "upsert", resource: "locks", id: lockId, body: docs.lock(doorId) },
      { idempotency_key: id(), op: "upsert", resource: "iqs", id: iqId, body: docs.iq() },
      { idempotency_key: id(), op: "upsert", resource: "iq-trees", id: iqId, body: { items: [{ id: lockId, parent_id: iqId, hardware_type: "lock" }] } },
      { idempotency_key: id(), op: "upsert", resource: "elevators", id: id(), body: {} },
    ]);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 201, 201, 404]);
    const lock = await call(cloud, "GET", s.path(`/locks/${lockId}`), { token: s.token });
    expect(lock.body.parent).toEqual({ kind: "iq", id: iqId });
  });
});

describe("the change feed", () => {
  it("shows every change in commit order from a cursor, with the cloud's own changes marked", async () => {
    const s = await readySite(cloud);
    const { changes } = floorWithDoors(2);
    await batch(s, changes);
    const start = await call(cloud, "GET", s.path("/changes"), { token: s.token });
    const cursor: string = start.body.cursor;
    expect(start.body.items.filter((e: { resource: string }) => e.resource === "doors")).toHaveLength(2);

    const tagId = id();
    const userId = id();
    await s.put("users", userId, docs.user());
    await s.put("tags", tagId, docs.tag("00A1B2C3"));
    cloud.cloudChanges(s.siteId, [{ op: "upsert", resource: "tags", id: tagId, body: docs.tag("00A1B2C3", { state: "assigned", user_id: userId, assigned_at: "2026-01-02T00:00:00.000Z" }) }]);

    const next = await call(cloud, "GET", s.path(`/changes?since=${cursor}`), { token: s.token });
    expect(next.body.items.map((e: { resource: string; origin: string }) => [e.resource, e.origin])).toEqual([
      ["users", "api"],
      ["tags", "api"],
      ["tags", "cloud"],
    ]);
    const fromCloud = next.body.items[2];
    expect(fromCloud).toMatchObject({ op: "upsert", version: 2, account_id: null, body: { user_id: userId, state: "assigned" } });
    expect(next.body.has_more).toBe(false);
    const pushed = await s.put("tags", tagId, docs.tag("00A1B2C3"));
    expect(pushed.status).toBe(200);
    const conflict = await call(cloud, "PUT", s.path(`/tags/${tagId}`), { token: s.token, body: docs.tag("00A1B2C3"), headers: { "If-Match": '"2"' } });
    expectError(conflict, 409, "cloud.conflict");
  });

  it("pages with $top and has_more, and refuses a cursor that is not one", async () => {
    const s = await readySite(cloud);
    await batch(s, floorWithDoors(4).changes);
    const seen: number[] = [];
    let since = "0";
    for (;;) {
      const page = await call(cloud, "GET", s.path(`/changes?since=${since}&$top=2`), { token: s.token });
      seen.push(...page.body.items.map((e: { seq: number }) => e.seq));
      since = page.body.cursor;
      if (!page.body.has_more) break;
    }
    expect(seen.length).toBe(2 + 1 + 4); // the site (created, subscribed), the floor, the doors
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect((await call(cloud, "GET", s.path("/changes?since=abc"), { token: s.token })).body.ksCode).toBe(1101);
  });
});
