import { z } from "zod";
import { describe, expect, it } from "vitest";
import { retryInfo } from "../../../core/cloud/errors.ts";
import { KsHttp, type FetchLike } from "../../../core/cloud/http.ts";
import { AppError, KsError, toWireError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";

const clock = new ManualClock(Date.UTC(2026, 0, 1));

function answering(status: number, body: string, headers: Record<string, string> = {}): { fetch: FetchLike; seen: { url: string; init: RequestInit }[] } {
  const seen: { url: string; init: RequestInit }[] = [];
  return {
    seen,
    fetch: async (url, init) => {
      seen.push({ url, init });
      return new Response(status === 204 ? null : body, { status, headers });
    },
  };
}

const http = (f: FetchLike) => new KsHttp({ baseUrl: "http://cloud.test/", clock, fetch: f });
const Thing = z.object({ id: z.string() });

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

describe("the KS HTTP client", () => {
  it("sends JSON with the bearer, the idempotency key and the query, and parses the answer with its schema", async () => {
    const f = answering(200, JSON.stringify({ id: "x", extra: 1 }));
    const res = await http(f.fetch).request({ method: "POST", path: "/v1/things", query: { $top: 5, skip: undefined }, body: { a: 1 }, bearer: "tok", idempotencyKey: "k-1", schema: Thing });
    expect(res.body).toEqual({ id: "x" });
    expect(f.seen[0]!.url).toBe("http://cloud.test/v1/things?%24top=5");
    expect(f.seen[0]!.init.headers).toMatchObject({ authorization: "Bearer tok", "idempotency-key": "k-1", "content-type": "application/json" });
    expect(f.seen[0]!.init.body).toBe('{"a":1}');
  });

  it("turns a KS error body into a KsError with its code, status and the cloud's details", async () => {
    const body = JSON.stringify(toWireError(new KsError(2204, { details: { violations: [{ rule: "locks-per-iq" }] } })));
    const e = await failure(http(answering(400, body).fetch).request({ method: "PUT", path: "/v1/x", schema: Thing }));
    expect(e).toBeInstanceOf(KsError);
    expect((e as KsError).ksCode).toBe(2204);
    expect((e as KsError).status).toBe(400);
    expect(e.details).toMatchObject({ status: 400, method: "PUT", path: "/v1/x", cloud: { violations: [{ rule: "locks-per-iq" }] } });
    expect(retryInfo(e)).toBeNull();
  });

  it("keeps 1101 with the table's odd 404, and marks a KS 5xx as worth retrying", async () => {
    const e1101 = await failure(http(answering(404, JSON.stringify(toWireError(new KsError(1101)))).fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect((e1101 as KsError).status).toBe(404);
    const e2201 = await failure(http(answering(500, JSON.stringify(toWireError(new KsError(2201))), { "retry-after": "4" }).fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(e2201.code).toBe("ks.2201");
    expect(retryInfo(e2201)).toEqual({ retryAfterMs: 4000 });
  });

  it("429 carries the Retry-After the server asked for; 502/503 are unavailable", async () => {
    const limited = await failure(http(answering(429, JSON.stringify({ code: "rate_limited", message: "Too many", status: 429 }), { "retry-after": "2" }).fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(limited.code).toBe("cloud.rate_limited");
    expect(retryInfo(limited)).toEqual({ retryAfterMs: 2000 });
    const down = await failure(http(answering(503, "<html>down</html>").fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(down.code).toBe("cloud.unavailable");
    expect(retryInfo(down)).toEqual({});
  });

  it("keeps the cloud's own codes for other refusals (409 conflict), and says so when the body is unreadable", async () => {
    const conflict = await failure(
      http(answering(409, JSON.stringify({ code: "cloud.conflict", message: "moved on", status: 409, details: { current_version: 3 } })).fetch).request({ method: "PUT", path: "/v1/x", schema: Thing }),
    );
    expect(conflict.code).toBe("cloud.conflict");
    expect(conflict.details).toMatchObject({ status: 409, cloud: { current_version: 3 } });
    expect(retryInfo(conflict)).toBeNull();
    const teapot = await failure(http(answering(418, "no").fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(teapot.code).toBe("cloud.refused");
  });

  it("a 2xx that is not JSON or not the promised shape is a bad response (retryable), never a crash", async () => {
    const notJson = await failure(http(answering(200, "{oops").fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(notJson.code).toBe("cloud.bad_response");
    const wrong = await failure(http(answering(200, JSON.stringify({ name: 1 })).fetch).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(wrong.code).toBe("cloud.bad_response");
    expect(retryInfo(wrong)).toEqual({});
    const empty = await http(answering(204, "").fetch).request({ method: "DELETE", path: "/v1/x", schema: z.unknown() });
    expect(empty.status).toBe(204);
  });

  it("a connection that fails is a network error; a cancelled one says cancelled", async () => {
    const refused: FetchLike = async () => {
      throw new TypeError("fetch failed", { cause: new Error("ECONNRESET") });
    };
    const e = await failure(http(refused).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(e.code).toBe("cloud.network");
    expect(e.details).toMatchObject({ cause: "fetch failed: ECONNRESET" });
    expect(retryInfo(e)).toEqual({});

    const ctl = new AbortController();
    const hanging: FetchLike = (_u, init) =>
      new Promise((_ok, fail) => init.signal?.addEventListener("abort", () => fail(new DOMException("aborted", "AbortError"))));
    const p = http(hanging).request({ method: "GET", path: "/v1/x", schema: Thing, signal: ctl.signal });
    ctl.abort();
    expect((await failure(p)).code).toBe("cloud.cancelled");
  });

  it("gives up on a server that never answers", async () => {
    const hanging: FetchLike = (_u, init) =>
      new Promise((_ok, fail) => init.signal?.addEventListener("abort", () => fail(new DOMException("timeout", "TimeoutError"))));
    const e = await failure(new KsHttp({ baseUrl: "http://cloud.test", clock, fetch: hanging, timeoutMs: 20 }).request({ method: "GET", path: "/v1/x", schema: Thing }));
    expect(e.code).toBe("cloud.network");
    expect(e.details).toMatchObject({ cause: "no answer within 20 ms" });
  });
});
