import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/ports/clock.ts";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, docs, expectError, expectKs, id, readySite, signedIn, withLocks } from "./support.ts";

/**
 * One test per error the emulator can answer (API.md §1, §12): each provokes it over
 * real HTTP and checks the seed's status and code in core/errors' wire format.
 */

let cloud: RunningCloud;
const clock = new ManualClock(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  cloud = await startCloud({ port: 0, clock });
});
afterAll(async () => {
  await cloud.close();
});

describe("1100 the request is invalid", () => {
  it("answers a body that is not JSON", async () => {
    const s = await readySite(cloud);
    expectKs(await call(cloud, "PUT", s.path(`/floors/${id()}`), { token: s.token, raw: "{not json" }), 1100);
  });

  it("answers a document that breaks its schema, naming the fields in snake_case", async () => {
    const s = await readySite(cloud);
    const res = await s.put("floors", id(), docs.floor({ width_m: -3 }));
    expectKs(res, 1100);
    expect(res.body.details.issues.map((i: { path: string }) => i.path)).toContain("width_m");
  });

  it("answers a tag number used twice in a site", async () => {
    const s = await readySite(cloud);
    expect((await s.put("tags", id(), docs.tag("0A1B2C3D"))).status).toBe(201);
    const res = await s.put("tags", id(), docs.tag("0a1b2c3d"));
    expectKs(res, 1100);
    expect(res.body.details.reason).toBe("tag_number_taken");
  });

  it("answers a rule of core/rules that has no KS code of its own (schedule names are unique)", async () => {
    const s = await readySite(cloud);
    expect((await s.put("schedules", id(), docs.schedule({ name: "Office" }))).status).toBe(201);
    const res = await s.put("schedules", id(), docs.schedule({ name: " office " }));
    expectKs(res, 1100);
    expect(res.body.details.rule).toBe("schedule.name_taken");
  });

  it("answers an Idempotency-Key reused for a different request", async () => {
    const s = await readySite(cloud);
    const key = id();
    const floorId = id();
    expect((await call(cloud, "PUT", s.path(`/floors/${floorId}`), { token: s.token, body: docs.floor(), headers: { "Idempotency-Key": key } })).status).toBe(201);
    const res = await call(cloud, "PUT", s.path(`/floors/${floorId}`), { token: s.token, body: docs.floor({ level: 1 }), headers: { "Idempotency-Key": key } });
    expectKs(res, 1100);
    expect(res.body.details.reason).toBe("idempotency_key_reused");
  });

  it("answers a batch with more than 1000 changes", async () => {
    const s = await readySite(cloud);
    const changes = Array.from({ length: 1001 }, (_, i) => ({ idempotency_key: `k${i}`, op: "delete", resource: "floors", id: id() }));
    const res = await call(cloud, "POST", s.path("/changes:batch"), { token: s.token, body: { changes } });
    expectKs(res, 1100);
    expect(res.body.details.reason).toBe("batch_too_big");
  });
});

describe("1101 a value is invalid (404, as the table says)", () => {
  it("answers an unknown id in the path", async () => {
    const s = await readySite(cloud);
    const res = await call(cloud, "GET", s.path(`/locks/${id()}`), { token: s.token });
    expectKs(res, 1101, 404);
    expect(res.body.message).toBe("Value of 'lock_id' is invalid.");
  });

  it("answers a site the caller cannot reach", async () => {
    const other = await signedIn(cloud);
    const s = await readySite(cloud);
    expectKs(await call(cloud, "GET", s.path(""), { token: other.token }), 1101, 404);
  });

  it("answers a reference to an entity the site does not have", async () => {
    const s = await readySite(cloud);
    const res = await s.put("doors", id(), docs.door(id()));
    expectKs(res, 1101, 404);
    expect(res.body.details.parameter).toBe("floor_id");
  });

  it("answers a $top out of range and a forged continuation token", async () => {
    const s = await readySite(cloud);
    expectKs(await call(cloud, "GET", s.path("/floors?$top=0"), { token: s.token }), 1101, 404);
    expectKs(await call(cloud, "GET", s.path("/floors?continuation_token=eyJiIjoxfQ.abc"), { token: s.token }), 1101, 404);
  });

  it("answers an unknown invitation token", async () => {
    const who = await signedIn(cloud);
    expectKs(await call(cloud, "POST", `/v1/ownership-invitations/${"x".repeat(43)}:accept`, { token: who.token }), 1101, 404);
  });
});

describe("1102 the OData filter is invalid", () => {
  it.each([
    ["level eq", "a comparison without its value"],
    ["level equals 1", "an operator outside the subset"],
    ["colour eq 'red'", "a field the resource does not have"],
    ["contains(name, 3)", "contains without a string"],
    ["(level eq 1", "an unclosed parenthesis"],
    ["name eq 'open", "an unterminated string"],
    ["level gt null", "null with an ordering operator"],
  ])("answers %s (%s)", async (filter) => {
    const s = await readySite(cloud);
    expectKs(await call(cloud, "GET", s.path(`/floors?$filter=${encodeURIComponent(filter)}`), { token: s.token }), 1102);
  });

  it("answers an $orderby it cannot read", async () => {
    const s = await readySite(cloud);
    expectKs(await call(cloud, "GET", s.path(`/floors?$orderby=${encodeURIComponent("level sideways")}`), { token: s.token }), 1102);
  });
});

describe("1500 unauthorized", () => {
  it("answers a request without a token, and a wrong password", async () => {
    const s = await readySite(cloud);
    expectKs(await call(cloud, "GET", s.path("/floors")), 1500);
    expectKs(await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: s.email, password: "wrong password" } }), 1500);
  });

  it("answers an access token once it has expired (15 minutes)", async () => {
    const s = await readySite(cloud);
    expect((await call(cloud, "GET", s.path("/floors"), { token: s.token })).status).toBe(200);
    clock.advance(15 * 60_000);
    const res = await call(cloud, "GET", s.path("/floors"), { token: s.token });
    expectKs(res, 1500);
    expect(res.body.details.reason).toBe("expired");
  });
});

describe("IQ activation: 1501 and 2208", () => {
  it("answers a wrong activation code with 1501 and an unknown serial with 2208", async () => {
    const s = await readySite(cloud);
    cloud.registerHardware({ serial: "SN-TEST-1501", activation_code: "AB12-CD34" });
    const known = id();
    const unknown = id();
    await s.put("iqs", known, docs.iq({ serial: "SN-TEST-1501" }));
    await s.put("iqs", unknown, docs.iq({ serial: "SN-NOBODY" }));
    expectKs(await call(cloud, "POST", s.path(`/iqs/${known}:activate`), { token: s.token, body: { activation_code: "AB12-XXXX" } }), 1501);
    expectKs(await call(cloud, "POST", s.path(`/iqs/${unknown}:activate`), { token: s.token, body: { activation_code: "AB12-CD34" } }), 2208);
    const ok = await call(cloud, "POST", s.path(`/iqs/${known}:activate`), { token: s.token, body: { activation_code: "AB12-CD34" } });
    expect(ok.status).toBe(200);
    expect(ok.body.activation).toBe("activated");
  });
});

describe("2201 internal error", () => {
  it("answers an injected 5xx with 2201 and status 500", async () => {
    const s = await readySite(cloud);
    cloud.setFaults({ error_count: 1 });
    try {
      expectKs(await call(cloud, "GET", s.path("/floors"), { token: s.token }), 2201);
      expect((await call(cloud, "GET", s.path("/floors"), { token: s.token })).status).toBe(200);
    } finally {
      cloud.clearFaults();
    }
  });
});

describe("2203 operation cannot be executed", () => {
  it("answers deleting an entity that others still name", async () => {
    const s = await readySite(cloud);
    const floorId = id();
    await s.put("floors", floorId, docs.floor());
    await s.put("doors", id(), docs.door(floorId));
    const res = await call(cloud, "DELETE", s.path(`/floors/${floorId}`), { token: s.token });
    expectKs(res, 2203);
    expect(res.body.details.referenced_by[0].resource).toBe("doors");
  });

  it("answers removing the e-mail second factor", async () => {
    const who = await signedIn(cloud);
    expectKs(await call(cloud, "DELETE", "/v1/me/two-factor/email", { token: who.token }), 2203);
  });

  it("answers ownership offered to someone who is not a Site Admin", async () => {
    const s = await readySite(cloud);
    await s.put("users", id(), docs.user({ email: "tom@aurora.example", role: "user" }));
    expectKs(await call(cloud, "POST", s.path("/ownership-invitations"), { token: s.token, body: { email: "tom@aurora.example" } }), 2203);
  });
});

describe("2204 the IQ tree is invalid", () => {
  it("answers a tree with 17 locks, with the validator's violations", async () => {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 17);
    const iqId = id();
    await s.put("iqs", iqId, docs.iq());
    const items = lockIds.map((l) => ({ id: l, parent_id: iqId, hardware_type: "lock" }));
    const res = await call(cloud, "PUT", s.path(`/iqs/${iqId}/tree`), { token: s.token, body: { items } });
    expectKs(res, 2204);
    expect(res.body.details.violations.map((v: { rule: string }) => v.rule)).toContain("iq-locks");
  });

  it("answers a lock hanging on an IQ that has a repeater, and a lock held by another IQ", async () => {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 2);
    const [iqA, iqB, rep] = [id(), id(), id()];
    await s.put("iqs", iqA, docs.iq());
    await s.put("iqs", iqB, docs.iq({ customer_reference: "IQ 2" }));
    await s.put("repeaters", rep, docs.repeater());
    const mixed = await call(cloud, "PUT", s.path(`/iqs/${iqA}/tree`), {
      token: s.token,
      body: { items: [{ id: rep, parent_id: iqA, hardware_type: "repeater" }, { id: lockIds[0], parent_id: iqA, hardware_type: "lock" }] },
    });
    expectKs(mixed, 2204);
    expect(mixed.body.details.violations.map((v: { rule: string }) => v.rule)).toEqual(["lock-on-iq-with-repeaters"]);
    expect((await call(cloud, "PUT", s.path(`/iqs/${iqA}/tree`), { token: s.token, body: { items: [{ id: lockIds[0], parent_id: iqA, hardware_type: "lock" }] } })).status).toBe(200);
    const taken = await call(cloud, "PUT", s.path(`/iqs/${iqB}/tree`), { token: s.token, body: { items: [{ id: lockIds[0], parent_id: iqB, hardware_type: "lock" }] } });
    expectKs(taken, 2204);
    expect(taken.body.details.violations[0].rule).toBe("attached-elsewhere");
  });
});

describe("2209 delete-IQ prerequisites", () => {
  it("answers deleting an IQ whose tree is not empty, and deletes it once emptied", async () => {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 1);
    const iqId = id();
    await s.put("iqs", iqId, docs.iq());
    await call(cloud, "PUT", s.path(`/iqs/${iqId}/tree`), { token: s.token, body: { items: [{ id: lockIds[0], parent_id: iqId, hardware_type: "lock" }] } });
    expectKs(await call(cloud, "DELETE", s.path(`/iqs/${iqId}`), { token: s.token }), 2209);
    await call(cloud, "PUT", s.path(`/iqs/${iqId}/tree`), { token: s.token, body: { items: [] } });
    expect((await call(cloud, "DELETE", s.path(`/iqs/${iqId}`), { token: s.token })).status).toBe(204);
  });
});

describe("2210 site not released and 2212 no subscription", () => {
  it("answers 2212 on content writes of a site without a subscription, while reads still work", async () => {
    const who = await signedIn(cloud);
    const siteId = id();
    await call(cloud, "PUT", `/v1/sites/${siteId}`, { token: who.token, body: { name: "No plan" } });
    expectKs(await call(cloud, "PUT", `/v1/sites/${siteId}/floors/${id()}`, { token: who.token, body: docs.floor() }), 2212);
    expectKs(await call(cloud, "POST", `/v1/sites/${siteId}/changes:batch`, { token: who.token, body: { changes: [{ idempotency_key: "a", op: "delete", resource: "floors", id: id() }] } }), 2212);
    expect((await call(cloud, "GET", `/v1/sites/${siteId}/floors`, { token: who.token })).status).toBe(200);
  });

  it("answers 2212 once the subscription has run out", async () => {
    const s = await readySite(cloud, { validUntil: new Date(clock.now() + 60_000).toISOString() });
    expect((await s.put("floors", id(), docs.floor())).status).toBe(201);
    clock.advance(60_000);
    const fresh = await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: s.email, password: s.password } });
    expectKs(await call(cloud, "PUT", s.path(`/floors/${id()}`), { token: fresh.body.access_token, body: docs.floor() }), 2212);
  });

  it("answers 2210 to the new owner until the installer releases the site", async () => {
    const s = await readySite(cloud);
    const owner = await signedIn(cloud);
    await s.put("users", id(), docs.user({ email: owner.email, role: "site-admin" }));
    await call(cloud, "POST", s.path("/ownership-invitations"), { token: s.token, body: { email: owner.email } });
    const token = cloud.outbox({ to: owner.email }).at(-1)!.token!;
    expect((await call(cloud, "POST", `/v1/ownership-invitations/${token}:accept`, { token: owner.token })).status).toBe(200);
    expectKs(await call(cloud, "GET", s.path("/locks"), { token: owner.token }), 2210);
    expect((await call(cloud, "POST", s.path(":release"), { token: s.token })).status).toBe(200);
    expect((await call(cloud, "GET", s.path("/locks"), { token: owner.token })).status).toBe(200);
  });
});

describe("pod rules 2213-2222", () => {
  async function podSite() {
    const s = await readySite(cloud);
    const { lockIds } = await withLocks(s, 3);
    const withEmail = id();
    const noEmail = id();
    const third = id();
    await s.put("users", withEmail, docs.user({ email: "member@pods.example" }));
    await s.put("users", noEmail, docs.user({ first_name: "Nora" }));
    await s.put("users", third, docs.user({ first_name: "Theo", email: "theo@pods.example" }));
    const member = (userId: string, o: Record<string, unknown> = {}) => ({ user_id: userId, tag_id: null, lock_ids: [lockIds[0]], ...o });
    return { s, lockIds, withEmail, noEmail, third, member };
  }

  it("2213: a pod name taken in the site", async () => {
    const p = await podSite();
    expect((await p.s.put("pods", id(), docs.pod({ members: [p.member(p.withEmail)], lock_ids: p.lockIds }))).status).toBe(201);
    expectKs(await p.s.put("pods", id(), docs.pod({ name: "studio a", members: [p.member(p.third)] })), 2213);
  });

  it("2214: locks that are not part of the site", async () => {
    const p = await podSite();
    expectKs(await p.s.put("pods", id(), docs.pod({ members: [p.member(p.withEmail)], lock_ids: [id()] })), 2214);
  });

  it("2215: no member with an e-mail", async () => {
    const p = await podSite();
    expectKs(await p.s.put("pods", id(), docs.pod({ members: [p.member(p.noEmail)] })), 2215);
  });

  it("2216: the same user twice", async () => {
    const p = await podSite();
    expectKs(await p.s.put("pods", id(), docs.pod({ members: [p.member(p.withEmail), p.member(p.withEmail)] })), 2216);
  });

  it("2217: a member of another pod of the site", async () => {
    const p = await podSite();
    await p.s.put("pods", id(), docs.pod({ members: [p.member(p.withEmail)] }));
    expectKs(await p.s.put("pods", id(), docs.pod({ name: "Studio B", members: [p.member(p.withEmail)] })), 2217);
  });

  it("2218: one tag for two members", async () => {
    const p = await podSite();
    const tagId = id();
    await p.s.put("tags", tagId, docs.tag("00C0FFEE"));
    expectKs(await p.s.put("pods", id(), docs.pod({ members: [p.member(p.withEmail, { tag_id: tagId }), p.member(p.third, { tag_id: tagId })] })), 2218);
  });

  it("2219, 2221, 2222: guest limit and guests' locks; 2220: deleting a pod member", async () => {
    const p = await podSite();
    const podId = id();
    const pod = docs.pod({ members: [p.member(p.withEmail)], lock_ids: [p.lockIds[0], p.lockIds[1]], guest_limit: 1 });
    expect((await p.s.put("pods", podId, pod)).status).toBe(201);
    expectKs(await p.s.put("pod-guests", id(), docs.podGuest(podId, p.withEmail, [p.lockIds[2]!])), 2222);
    expect((await p.s.put("pod-guests", id(), docs.podGuest(podId, p.withEmail, [p.lockIds[0]!]))).status).toBe(201);
    expectKs(await p.s.put("pod-guests", id(), docs.podGuest(podId, p.withEmail, [p.lockIds[0]!], { invitation: { token_hash: "b".repeat(64), expires_at: "2027-01-01T00:00:00.000Z" } })), 2221);
    expectKs(await p.s.put("pods", podId, { ...pod, guest_limit: 0 }), 2219);
    expectKs(await call(cloud, "DELETE", p.s.path(`/users/${p.withEmail}`), { token: p.s.token }), 2220);
  });
});

describe("4201 could not invite", () => {
  it("answers an installer inviting themselves", async () => {
    const s = await readySite(cloud);
    await s.put("users", id(), docs.user({ email: s.email, role: "site-admin" }));
    expectKs(await call(cloud, "POST", s.path("/ownership-invitations"), { token: s.token, body: { email: s.email } }), 4201);
  });
});

describe("errors outside the KS table", () => {
  it("404 http.not_found and 405 http.method_not_allowed", async () => {
    expectError(await call(cloud, "GET", "/v1/nothing-here"), 404, "http.not_found");
    const res = await call(cloud, "PATCH", "/v1/sites");
    expectError(res, 405, "http.method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET");
  });

  it("409 cloud.conflict when If-Match names another version", async () => {
    const s = await readySite(cloud);
    const floorId = id();
    await s.put("floors", floorId, docs.floor());
    const res = await call(cloud, "PUT", s.path(`/floors/${floorId}`), { token: s.token, body: docs.floor({ level: 2 }), headers: { "If-Match": '"7"' } });
    expectError(res, 409, "cloud.conflict");
    expect(res.body.details.current_version).toBe(1);
  });

  it("429 rate_limited with Retry-After", async () => {
    const s = await readySite(cloud);
    cloud.setRateLimit({ capacity: 2, refillPerSecond: 0.5 });
    try {
      await call(cloud, "GET", s.path("/floors"), { token: s.token });
      await call(cloud, "GET", s.path("/floors"), { token: s.token });
      const res = await call(cloud, "GET", s.path("/floors"), { token: s.token });
      expectError(res, 429, "rate_limited");
      expect(res.headers.get("retry-after")).toBe("2");
      expect(res.body.details.retry_after_seconds).toBe(2);
      clock.advance(2000);
      expect((await call(cloud, "GET", s.path("/floors"), { token: s.token })).status).toBe(200);
    } finally {
      cloud.setRateLimit({ capacity: 600, refillPerSecond: 200 });
    }
  });

  it("502 / 503 fault.injected", async () => {
    cloud.setFaults({ error_count: 1, error_status: 503 });
    try {
      expectError(await call(cloud, "GET", "/v1/sites"), 503, "fault.injected");
    } finally {
      cloud.clearFaults();
    }
  });
});
