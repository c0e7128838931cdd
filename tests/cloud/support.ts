import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { ksRow, statusesOf, WireErrorSchema, type KsCode } from "../../core/errors/index.ts";
import type { RunningCloud } from "./server.ts";

/**
 * Helpers of the conformance tests: plain `fetch` against a started emulator (real
 * HTTP, as Lintel's client will talk to it) and builders for documents in the API's
 * snake_case shape.
 */

export interface Res {
  readonly status: number;
  readonly headers: Headers;
  // The tests read whatever JSON came back; its shape is what they assert.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface CallOptions {
  readonly body?: unknown;
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
  /** Sent as is (for broken JSON). */
  readonly raw?: string;
}

export async function call(base: string | RunningCloud, method: string, path: string, o: CallOptions = {}): Promise<Res> {
  const url = typeof base === "string" ? base : base.url;
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined || o.raw !== undefined) headers["content-type"] = "application/json";
  if (o.token) headers["authorization"] = `Bearer ${o.token}`;
  const res = await fetch(url + path, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? null : JSON.parse(text) };
}

/** Asserts a KS error: the table's status and code, in core/errors' wire format. */
export function expectKs(res: Res, code: KsCode, status?: number): void {
  const row = ksRow(code)!;
  expect({ status: res.status, code: res.body?.code, ksCode: res.body?.ksCode }).toEqual({ status: status ?? statusesOf(row)[0], code: `ks.${code}`, ksCode: code });
  expect(WireErrorSchema.safeParse(res.body).success).toBe(true);
  expect(res.body.status).toBe(res.status);
  expect(res.body.http).toBe(row.http);
}

/** Asserts one of the emulator's own errors (not in the KS table). */
export function expectError(res: Res, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.body.ksCode).toBeUndefined();
}

export const id = (): string => randomUUID();

let accounts = 0;

/** A fresh account without 2FA, signed in. */
export async function signedIn(cloud: RunningCloud, extra: { email?: string; password?: string } = {}) {
  const email = extra.email ?? `person${++accounts}.${id().slice(0, 8)}@example.com`;
  const password = extra.password ?? "correct horse battery";
  const seeded = cloud.createAccount({ email, password });
  const res = await call(cloud, "POST", "/v1/auth/sign-in", { body: { email, password } });
  expect(res.status).toBe(200);
  return { email, password, accountId: seeded.account.id as string, token: res.body.access_token as string, refresh: res.body.refresh_token as string };
}

/** An installer with a site that has a valid subscription: ready for content. */
export async function readySite(cloud: RunningCloud, o: { validUntil?: string } = {}) {
  const who = await signedIn(cloud);
  const siteId = id();
  const put = await call(cloud, "PUT", `/v1/sites/${siteId}`, { token: who.token, body: { name: "Hotel Aurora", timezone: "Europe/Brussels" } });
  expect(put.status).toBe(201);
  const sub = cloud.grantSubscription({ email: who.email, valid_until: o.validUntil ?? new Date(cloud.clock.now() + 365 * 86_400_000).toISOString() });
  const assigned = await call(cloud, "PUT", `/v1/sites/${siteId}/subscription`, { token: who.token, body: { subscription_id: sub.id } });
  expect(assigned.status).toBe(200);
  const path = (rest: string) => `/v1/sites/${siteId}${rest}`;
  const put1 = (resource: string, docId: string, body: unknown) => call(cloud, "PUT", path(`/${resource}/${docId}`), { token: who.token, body });
  return { ...who, siteId, subscriptionId: sub.id, path, put: put1 };
}

// ------------------------------------------------------------------ documents

const TIMEFRAME = {
  monday: true,
  tuesday: true,
  wednesday: true,
  thursday: true,
  friday: true,
  saturday: false,
  sunday: false,
  start_time: "08:00:00",
  end_time: "18:00:00",
  start_date: null,
  end_date: null,
};

export const docs = {
  floor: (o: Record<string, unknown> = {}) => ({ name: "Ground floor", level: 0, width_m: 40, depth_m: 20, ...o }),
  door: (floorId: string, o: Record<string, unknown> = {}) => ({ floor_id: floorId, name: "Room 1", x: 2, y: 3, ...o }),
  lock: (doorId: string, o: Record<string, unknown> = {}) => ({ door_id: doorId, customer_reference: "Room 1", hardware: { kind: "escutcheon" }, ...o }),
  iq: (o: Record<string, unknown> = {}) => ({ customer_reference: "IQ 1", ...o }),
  repeater: (o: Record<string, unknown> = {}) => ({ customer_reference: "R 1", ...o }),
  user: (o: Record<string, unknown> = {}) => ({ first_name: "Jonas", last_name: "Peeters", email: null, role: "user", ...o }),
  tag: (number: string, o: Record<string, unknown> = {}) => ({ number, state: "unassigned", ...o }),
  schedule: (o: Record<string, unknown> = {}) => ({ name: "Office hours", timeframes: [TIMEFRAME], ...o }),
  accessGroup: (o: Record<string, unknown> = {}) => ({ name: "Staff", lock_ids: [], schedule_ids: [], user_ids: [], ...o }),
  pod: (o: Record<string, unknown> = {}) => ({ name: "Studio A", members: [], lock_ids: [], tag_ids: [], guest_limit: 5, timeframe: TIMEFRAME, ...o }),
  podGuest: (podId: string, invitedBy: string, lockIds: string[], o: Record<string, unknown> = {}) => ({
    pod_id: podId,
    invited_by: invitedBy,
    first_name: "Gina",
    last_name: "Guest",
    lock_ids: lockIds,
    timeframe: TIMEFRAME,
    invitation: { token_hash: "a".repeat(64), expires_at: "2027-01-01T00:00:00.000Z" },
    status: "invited",
    ...o,
  }),
};

/** A floor, `n` doors and their locks, through the single-document endpoints. */
export async function withLocks(site: Awaited<ReturnType<typeof readySite>>, n: number) {
  const floorId = id();
  expect((await site.put("floors", floorId, docs.floor())).status).toBe(201);
  const lockIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const doorId = id();
    const lockId = id();
    expect((await site.put("doors", doorId, docs.door(floorId, { name: `Room ${i + 1}` }))).status).toBe(201);
    expect((await site.put("locks", lockId, docs.lock(doorId, { customer_reference: `Room ${i + 1}` }))).status).toBe(201);
    lockIds.push(lockId);
  }
  return { floorId, lockIds };
}
