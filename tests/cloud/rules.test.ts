import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, docs, expectKs, id, readySite, withLocks } from "./support.ts";

/**
 * The rules of core/rules enforced server-side (API.md §4), beyond the pod rules that
 * error-codes.test.ts covers: a rule with no KS code of its own answers 1100 with the
 * rule's code in `details.rule`, and a refused write changes nothing.
 */

let cloud: RunningCloud;

beforeAll(async () => {
  cloud = await startCloud({ port: 0 });
});
afterAll(async () => {
  await cloud.close();
});

function expectRule(res: Awaited<ReturnType<typeof call>>, rule: string): void {
  expectKs(res, 1100);
  expect(res.body.details.rule).toBe(rule);
}

describe("users", () => {
  it("keep one Owner per site and one user per e-mail; the Owner changes only by handover", async () => {
    const s = await readySite(cloud);
    const ownerId = id();
    expect((await s.put("users", ownerId, docs.user({ role: "owner", email: "maren@aurora.example" }))).status).toBe(201);
    expectRule(await s.put("users", id(), docs.user({ role: "owner" })), "user.one_owner");
    expectRule(await s.put("users", id(), docs.user({ email: "MAREN@aurora.example" })), "user.email_taken");
    expectRule(await s.put("users", ownerId, docs.user({ role: "site-admin", email: "maren@aurora.example" })), "user.owner_role");
    const users = await call(cloud, "GET", s.path("/users"), { token: s.token });
    expect(users.body.items.map((u: { role: string; version: number }) => [u.role, u.version])).toEqual([["owner", 1]]);
  });
});

describe("tags", () => {
  it("keep a blocked tag blocked and a Master Key on the site until it is unmade", async () => {
    const s = await readySite(cloud);
    const userId = id();
    await s.put("users", userId, docs.user());
    const tagId = id();
    const assigned = docs.tag("0000BEEF", { state: "assigned", user_id: userId, master_key: true });
    expect((await s.put("tags", tagId, assigned)).status).toBe(201);
    expectRule(await call(cloud, "DELETE", s.path(`/tags/${tagId}`), { token: s.token }), "tag.master_key");
    expect((await s.put("tags", tagId, { ...assigned, master_key: false })).status).toBe(200);
    expect((await s.put("tags", tagId, { ...assigned, master_key: false, state: "blocked" })).status).toBe(200);
    expectRule(await s.put("tags", tagId, { ...assigned, master_key: false }), "tag.blocked");
    expect((await call(cloud, "DELETE", s.path(`/tags/${tagId}`), { token: s.token })).status).toBe(204);
  });
});

describe("access groups", () => {
  it("have unique names and name only what the site has", async () => {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 1);
    const scheduleId = id();
    await s.put("schedules", scheduleId, docs.schedule());
    expect((await s.put("access-groups", id(), docs.accessGroup({ lock_ids: lockIds, schedule_ids: [scheduleId] }))).status).toBe(201);
    expectRule(await s.put("access-groups", id(), docs.accessGroup({ name: "STAFF" })), "access-group.name_taken");
    expectRule(await s.put("access-groups", id(), docs.accessGroup({ name: "Night", lock_ids: [id()] })), "access-group.unknown_locks");
    expectKs(await call(cloud, "DELETE", s.path(`/schedules/${scheduleId}`), { token: s.token }), 2203);
  });
});

describe("schedules", () => {
  it("refuse a timeframe that ends before it starts, naming the field", async () => {
    const s = await readySite(cloud);
    const res = await s.put("schedules", id(), docs.schedule({ timeframes: [{ ...docs.schedule().timeframes[0], start_time: "18:00:00", end_time: "08:00:00" }] }));
    expectKs(res, 1100);
    expect(res.body.details.issues.map((i: { path: string }) => i.path)).toContain("timeframes.0.end_time");
  });
});
