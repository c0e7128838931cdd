import { describe, expect, it } from "vitest";
import { KsHttp, type FetchLike } from "../../../core/cloud/http.ts";
import { CloudSession } from "../../../core/cloud/session.ts";
import { KsSyncRemote } from "../../../core/cloud/sync-remote.ts";
import { KsError, toWireError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import type { SecretVault } from "../../../core/ports/secret-vault.ts";
import type { PushItem } from "../../../core/sync/remote.ts";

const SITE = "019b76da-a800-74f0-81c7-00000000000a";
const DOOR = "019b76da-a800-74f0-81c7-00000000000b";
const FLOOR = "019b76da-a800-74f0-81c7-00000000000c";
const clock = new ManualClock(Date.UTC(2026, 0, 1));

/** A session already signed in (its tokens in the vault), over a scripted fetch. */
function remoteWith(answer: (path: string, body: unknown) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const sent: { path: string; body: unknown; headers: Record<string, string> }[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    const path = new URL(url).pathname + new URL(url).search;
    const body = init.body === undefined ? undefined : JSON.parse(String(init.body));
    sent.push({ path, body, headers: init.headers as Record<string, string> });
    const a = answer(path, body);
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: a.headers ?? {} });
  };
  const entries = new Map<string, string>([
    [
      "ks-cloud:http://cloud.test:session",
      JSON.stringify({ email: "i@x.test", accessToken: "at", accessExpiresAt: clock.now() + 600_000, refreshToken: "rt", refreshExpiresAt: clock.now() + 86_400_000, sessionId: "s" }),
    ],
  ]);
  const vault: SecretVault = { get: async (k) => entries.get(k) ?? null, set: async (k, v) => void entries.set(k, v), delete: async (k) => void entries.delete(k) };
  const session = new CloudSession({ http: new KsHttp({ baseUrl: "http://cloud.test", clock, fetch: fetchImpl }), vault, clock });
  return { remote: new KsSyncRemote(session, SITE), sent };
}

const door = (key: string, ifVersion?: number): PushItem => ({
  key,
  entity: "door",
  entityId: DOOR,
  op: "update",
  doc: { id: DOOR, floorId: FLOOR, name: "Room", x: 1, y: 2 },
  ...(ifVersion === undefined ? {} : { ifVersion }),
});
const signal = new AbortController().signal;

describe("the sync engine's remote over the KS API", () => {
  it("sends changes in one batch with their keys and if_version, and reads each result", async () => {
    const { remote, sent } = remoteWith((_p, body) => ({
      status: 200,
      body: {
        results: (body as { changes: { idempotency_key: string }[] }).changes.map((c, i) =>
          i === 0
            ? { idempotency_key: c.idempotency_key, resource: "doors", id: DOOR, op: "upsert", status: 200, version: 4, replayed: true }
            : {
                idempotency_key: c.idempotency_key,
                resource: "doors",
                id: DOOR,
                op: "upsert",
                status: 400,
                version: null,
                replayed: false,
                error: toWireError(new KsError(2203, { details: { referenced_by: ["locks"] } })),
              },
        ),
      },
    }));
    const results = await remote.push([door("k1", 3), door("k2")], signal);
    expect(sent[0]!.path).toBe(`/v1/sites/${SITE}/changes:batch`);
    expect(sent[0]!.headers["authorization"]).toBe("Bearer at");
    expect(sent[0]!.body).toEqual({
      changes: [
        { idempotency_key: "k1", op: "upsert", resource: "doors", id: DOOR, body: { floor_id: FLOOR, name: "Room", x: 1, y: 2 }, if_version: 3 },
        { idempotency_key: "k2", op: "upsert", resource: "doors", id: DOOR, body: { floor_id: FLOOR, name: "Room", x: 1, y: 2 } },
      ],
      dry_run: false,
    });
    expect(results[0]).toEqual({ status: "duplicate", version: 4 });
    expect(results[1]).toMatchObject({ status: "rejected", error: { ksCode: 2203, status: 403 } });
  });

  it("turns a 409 into a conflict carrying the cloud's current document in Lintel's shape", async () => {
    const { remote } = remoteWith((_p, body) => ({
      status: 200,
      body: {
        results: [
          {
            idempotency_key: (body as { changes: { idempotency_key: string }[] }).changes[0]!.idempotency_key,
            resource: "doors",
            id: DOOR,
            op: "upsert",
            status: 409,
            version: null,
            error: { code: "cloud.conflict", message: "moved on", status: 409, details: { current_version: 7, current: { id: DOOR, floor_id: FLOOR, name: "Theirs", x: 1, y: 2, version: 7, updated_at: "2026-01-01T00:00:00.000Z" } } },
          },
        ],
      },
    }));
    expect(await remote.push([door("k1", 6)], signal)).toEqual([{ status: "conflict", remoteVersion: 7, remoteDoc: { id: DOOR, floorId: FLOOR, name: "Theirs", x: 1, y: 2 } }]);
  });

  it("refuses answers that do not match the changes sent (bad response: the engine retries the same keys)", async () => {
    const { remote } = remoteWith(() => ({ status: 200, body: { results: [{ idempotency_key: "other", resource: "doors", id: DOOR, op: "upsert", status: 200, version: 1 }] } }));
    await expect(remote.push([door("k1")], signal)).rejects.toMatchObject({ code: "cloud.bad_response" });
  });

  it("puts the site document with a request-level key; a refusal of it is that change's result", async () => {
    const { remote, sent } = remoteWith(() => ({ status: 403, body: toWireError(new KsError(2203, { details: { reason: "not_yours" } })) }));
    const site = { id: SITE, name: "Hotel", address: "", timezone: "UTC", stage: "planning", subscription: null, createdAt: "2026-01-01T00:00:00.000Z" };
    const [r] = await remote.push([{ key: "s1", entity: "site", entityId: SITE, op: "insert", doc: site }], signal);
    expect(sent[0]).toMatchObject({ path: `/v1/sites/${SITE}`, headers: { "idempotency-key": "s1" } });
    expect(r).toMatchObject({ status: "rejected", error: { ksCode: 2203 } });
  });

  it("reads the feed: own echoes without their documents, iq-trees and unknown resources left out, a missing site as an empty feed", async () => {
    const feed = {
      items: [
        { seq: 1, resource: "doors", id: DOOR, op: "upsert", version: 1, body: { floor_id: FLOOR, name: "Mine", x: 1, y: 2 }, at: "t", origin: "api", idempotency_key: "lintel:me:1-1" },
        { seq: 2, resource: "iq-trees", id: DOOR, op: "upsert", version: 1, body: { items: [] }, at: "t", origin: "api", idempotency_key: null },
        { seq: 3, resource: "doors", id: DOOR, op: "upsert", version: 2, body: { floor_id: FLOOR, name: "Theirs", x: 1, y: 2 }, at: "t", origin: "cloud", idempotency_key: null },
        { seq: 4, resource: "widgets", id: DOOR, op: "delete", version: null, body: null, at: "t", origin: "cloud" },
      ],
      cursor: "4",
      has_more: true,
    };
    const { remote, sent } = remoteWith(() => ({ status: 200, body: feed }));
    const page = await remote.pull("0", signal, "lintel:me:");
    expect(sent[0]!.path).toBe(`/v1/sites/${SITE}/changes?since=0&%24top=1000`);
    expect(page).toEqual({
      cursor: "4",
      more: true,
      changes: [
        { entity: "door", entityId: DOOR, op: "upsert", doc: null, version: 1, key: "lintel:me:1-1" },
        { entity: "door", entityId: DOOR, op: "upsert", doc: { id: DOOR, floorId: FLOOR, name: "Theirs", x: 1, y: 2 }, version: 2, key: null },
      ],
    });

    const missing = remoteWith(() => ({ status: 404, body: toWireError(new KsError(1101, { message: "Value of 'site_id' is invalid.", details: { parameter: "site_id" } })) }));
    expect(await missing.remote.pull(null, signal)).toEqual({ changes: [], cursor: null, more: false });
    await expect(missing.remote.pull("5", signal)).rejects.toMatchObject({ ksCode: 1101 });
  });
});
