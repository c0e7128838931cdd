import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, docs, expectKs, id, readySite, withLocks } from "./support.ts";

/**
 * Documents, lists, the OData subset and continuation-token paging (API.md §4-§6)
 * over real HTTP. The scan budget is small here so that pages may come back empty
 * with a token, as the vendor's may.
 */

let cloud: RunningCloud;

beforeAll(async () => {
  cloud = await startCloud({ port: 0, settings: { scanBudget: 8 } });
});
afterAll(async () => {
  await cloud.close();
});

type Site = Awaited<ReturnType<typeof readySite>>;

const ROLES = ["user", "site-admin", "site-super-user"] as const;

/** 30 users with known names, roles and e-mails, through one batch. */
async function peopleSite() {
  const s = await readySite(cloud);
  const people = Array.from({ length: 30 }, (_, i) => ({
    id: id(),
    first_name: `P${String(i).padStart(2, "0")}`,
    last_name: i % 2 === 0 ? "Even" : "Odd",
    email: i % 3 === 0 ? `p${i}@aurora.example` : `p${i}@elsewhere.example`,
    role: ROLES[i % 3],
  }));
  const res = await call(cloud, "POST", s.path("/changes:batch"), {
    token: s.token,
    body: { changes: people.map((p) => ({ idempotency_key: p.id, op: "upsert", resource: "users", id: p.id, body: docs.user({ ...p, id: undefined }) })) },
  });
  expect(res.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
  return { s, people };
}

/** Follows continuation tokens to the end; returns every item and the page sizes. */
async function all(s: Site, query: string) {
  const items: Record<string, unknown>[] = [];
  const sizes: number[] = [];
  let token: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const res = await call(cloud, "GET", s.path(`/users?${query}`), { token: s.token, ...(token ? { headers: { "X-Continuation-Token": token } } : {}) });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    sizes.push(res.body.items.length);
    token = res.headers.get("x-continuation-token");
    if (!token) return { items, sizes };
  }
  throw new Error("paging never ended");
}

describe("paging", () => {
  it("pages by $top in id order and ends without a token", async () => {
    const { s, people } = await peopleSite();
    const { items, sizes } = await all(s, "$top=7");
    expect(items.map((u) => u["id"])).toEqual(people.map((p) => p.id).sort());
    expect(sizes.every((n) => n <= 7)).toBe(true);
  });

  it("answers empty pages that still carry a token when a filter is selective; clients follow the token", async () => {
    const { s, people } = await peopleSite();
    const { items, sizes } = await all(s, `$filter=${encodeURIComponent("first_name eq 'P29'")}`);
    expect(items.map((u) => u["id"])).toEqual([people[29]!.id]);
    expect(sizes.filter((n) => n === 0).length).toBeGreaterThan(0);
  });

  it("keeps its place by key: rows added meanwhile neither repeat nor hide rows that were there", async () => {
    const { s, people } = await peopleSite();
    const first = await call(cloud, "GET", s.path("/users?$orderby=first_name&$top=5"), { token: s.token });
    await s.put("users", id(), docs.user({ first_name: "A-first" }));
    await s.put("users", id(), docs.user({ first_name: "P04b" }));
    let token = first.headers.get("x-continuation-token");
    const rest: string[] = [];
    while (token) {
      const page = await call(cloud, "GET", s.path(`/users?$orderby=first_name&$top=5&continuation_token=${encodeURIComponent(token)}`), { token: s.token });
      rest.push(...page.body.items.map((u: { first_name: string }) => u.first_name));
      token = page.headers.get("x-continuation-token");
    }
    const names = [...first.body.items.map((u: { first_name: string }) => u.first_name), ...rest];
    expect(names).toEqual([...people.map((p) => p.first_name).slice(0, 5), "P04b", ...people.map((p) => p.first_name).slice(5)]);
  });

  it("binds a token to its query", async () => {
    const { s } = await peopleSite();
    const page = await call(cloud, "GET", s.path("/users?$top=5"), { token: s.token });
    const token = page.headers.get("x-continuation-token")!;
    expectKs(await call(cloud, "GET", s.path(`/users?$top=5&$orderby=last_name&continuation_token=${encodeURIComponent(token)}`), { token: s.token }), 1101, 404);
    expectKs(await call(cloud, "GET", s.path(`/tags?continuation_token=${encodeURIComponent(token)}`), { token: s.token }), 1101, 404);
  });
});

describe("$filter and $orderby", () => {
  it.each([
    ["role eq 'site-admin'", (i: number) => i % 3 === 1],
    ["role ne 'user' and last_name eq 'Even'", (i: number) => i % 3 !== 0 && i % 2 === 0],
    ["contains(email, '@aurora') or first_name eq 'P01'", (i: number) => i % 3 === 0 || i === 1],
    ["startswith(first_name, 'P1') and not (last_name eq 'Odd')", (i: number) => i >= 10 && i < 20 && i % 2 === 0],
    ["first_name ge 'P25'", (i: number) => i >= 25],
    ["first_name lt 'P03' or endswith(email, 'elsewhere.example') and role eq 'user'", (i: number) => i < 3],
    ["email eq null", () => false],
    ["lock_permissions/manual_office_mode eq false", () => true],
  ])("%s", async (filter, expected) => {
    const { s, people } = await peopleSite();
    const { items } = await all(s, `$filter=${encodeURIComponent(filter)}&$orderby=first_name`);
    expect(items.map((u) => u["first_name"])).toEqual(people.filter((_, i) => expected(i)).map((p) => p.first_name));
  });

  it("orders by several keys, descending too, ties by id", async () => {
    const { s, people } = await peopleSite();
    const { items } = await all(s, "$orderby=last_name desc, first_name asc&$top=4");
    const expected = [...people].sort((a, b) => (a.last_name === b.last_name ? a.first_name.localeCompare(b.first_name) : a.last_name < b.last_name ? 1 : -1));
    expect(items.map((u) => u["first_name"])).toEqual(expected.map((p) => p.first_name));
  });

  it("filters on numbers, nested fields and versions", async () => {
    const s = await readySite(cloud);
    const floorId = id();
    await s.put("floors", floorId, docs.floor({ level: 0 }));
    await s.put("floors", id(), docs.floor({ name: "Roof", level: 5 }));
    const doorId = id();
    await s.put("doors", doorId, docs.door(floorId));
    const cyl = id();
    await s.put("locks", cyl, docs.lock(doorId, { hardware: { kind: "cylinder" } }));
    await s.put("locks", id(), docs.lock(doorId));
    await s.put("floors", floorId, docs.floor({ level: 0, name: "Ground" }));
    const high = await call(cloud, "GET", s.path(`/floors?$filter=${encodeURIComponent("level gt 1")}`), { token: s.token });
    expect(high.body.items.map((f: { name: string }) => f.name)).toEqual(["Roof"]);
    const v2 = await call(cloud, "GET", s.path(`/floors?$filter=${encodeURIComponent("version eq 2")}`), { token: s.token });
    expect(v2.body.items.map((f: { id: string }) => f.id)).toEqual([floorId]);
    const cylinders = await call(cloud, "GET", s.path(`/locks?$filter=${encodeURIComponent("hardware/kind eq 'cylinder'")}`), { token: s.token });
    expect(cylinders.body.items.map((l: { id: string }) => l.id)).toEqual([cyl]);
  });
});

describe("documents", () => {
  it("speak the vendor's names, keep versions, and change nothing on an identical PUT", async () => {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 1);
    const lockId = lockIds[0]!;
    const got = await call(cloud, "GET", s.path(`/locks/${lockId}`), { token: s.token });
    expect(got.headers.get("etag")).toBe('"1"');
    expect(got.body).toMatchObject({ customer_reference: "Room 1", iq_link_state: "unlinked", locked_state: "none", parent: null, version: 1 });
    expect(got.body.name).toBeUndefined();
    const { version: _v, updated_at: _u, ...body } = got.body;
    const same = await s.put("locks", lockId, body);
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
    const changed = await call(cloud, "PUT", s.path(`/locks/${lockId}`), { token: s.token, body: { ...body, iq_link_state: "attached_pending" }, headers: { "If-Match": '"1"' } });
    expect(changed.body).toMatchObject({ iq_link_state: "attached_pending", version: 2 });
    expect((await call(cloud, "DELETE", s.path(`/locks/${lockId}`), { token: s.token, headers: { "If-Match": '"2"' } })).status).toBe(204);
    expect((await call(cloud, "DELETE", s.path(`/locks/${lockId}`), { token: s.token })).status).toBe(204);
  });

  it("sets parents only through the IQ tree, and a deleted lock leaves its tree", async () => {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 3);
    const [iqId, rep] = [id(), id()];
    await s.put("iqs", iqId, docs.iq());
    await s.put("repeaters", rep, docs.repeater());
    const items = [{ id: rep, parent_id: iqId, hardware_type: "repeater" }, ...lockIds.map((l) => ({ id: l, parent_id: rep, hardware_type: "lock" }))];
    const tree = await call(cloud, "PUT", s.path(`/iqs/${iqId}/tree`), { token: s.token, body: { items } });
    expect(tree.body).toMatchObject({ iq_id: iqId, version: 1 });
    expect(tree.body.items.map((i: { id: string; customer_reference: string }) => [i.id, i.customer_reference])).toEqual([
      [rep, "R 1"],
      [lockIds[0], "Room 1"],
      [lockIds[1], "Room 2"],
      [lockIds[2], "Room 3"],
    ]);
    const lock = (await call(cloud, "GET", s.path(`/locks/${lockIds[0]}`), { token: s.token })).body;
    expect(lock.parent).toEqual({ kind: "repeater", id: rep });
    const { version: _v, updated_at: _u, ...body } = lock;
    await s.put("locks", lockIds[0]!, { ...body, parent: null, customer_reference: "Renamed" });
    expect((await call(cloud, "GET", s.path(`/locks/${lockIds[0]}`), { token: s.token })).body).toMatchObject({ parent: { kind: "repeater", id: rep }, customer_reference: "Renamed" });

    expectKs(await call(cloud, "DELETE", s.path(`/repeaters/${rep}`), { token: s.token }), 2203);
    expect((await call(cloud, "DELETE", s.path(`/locks/${lockIds[1]}`), { token: s.token })).status).toBe(204);
    const after = await call(cloud, "GET", s.path(`/iqs/${iqId}/tree`), { token: s.token });
    expect(after.body.items.map((i: { id: string }) => i.id)).toEqual([rep, lockIds[0], lockIds[2]]);
    expect(after.body.version).toBe(2);
    await call(cloud, "PUT", s.path(`/iqs/${iqId}/tree`), { token: s.token, body: { items: [] } });
    expect((await call(cloud, "GET", s.path(`/locks/${lockIds[0]}`), { token: s.token })).body.parent).toBeNull();
  });

  it("lists the caller's sites with the site document's read-only fields", async () => {
    const s = await readySite(cloud);
    const res = await call(cloud, "GET", `/v1/sites?$filter=${encodeURIComponent(`id eq '${s.siteId}'`)}`, { token: s.token });
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ name: "Hotel Aurora", timezone: "Europe/Brussels", my_role: "installer", released_at: null, owner: { email: s.email } });
    expect(res.body.items[0].subscription.id).toBe(s.subscriptionId);
  });
});
