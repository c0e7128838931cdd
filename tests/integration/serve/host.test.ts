import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { EventHub } from "../../../core/api/router.ts";
import { KsError } from "../../../core/errors/index.ts";
import { startHost, type RunningHost } from "../../../cli/serve/host.ts";
import { routerWith } from "../../support/fake-router.ts";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

function connect(host: RunningHost, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, { headers });
    ws.once("open", () => ok(ws));
    ws.once("unexpected-response", (_req, res) => fail(new Error(`refused ${res.statusCode}`)));
    ws.once("error", fail);
  });
}

function callOver(ws: WebSocket, id: number, name: string, input: unknown): Promise<unknown> {
  return new Promise((ok) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as { t: string; id?: number };
      if (frame.t === "result" && frame.id === id) {
        ws.off("message", onMessage);
        ok(frame);
      }
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify({ t: "call", id, name, input }));
  });
}

describe("lintel serve host", () => {
  let host: RunningHost;
  let dir: string;
  const events = new EventHub();
  const router = routerWith({
    "errors.list": () => [{ code: 1100, http: "400", message: "The request received is invalid" }],
    "sites.list": () => {
      throw new KsError(2212);
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lintel-host-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Lintel UI</title>");
    writeFileSync(join(dir, "app.js"), "console.log(1)");
    host = await startHost({ router, events, staticDir: dir, port: 0, actor: "tester" });
  });
  afterAll(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cookie = () => `lintel_session=${host.token}`;
  const origin = () => `http://127.0.0.1:${host.port}`;

  it("listens on loopback only, with a long random token", () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(host.token.length).toBeGreaterThanOrEqual(40);
  });

  it("trades the URL's token for an HttpOnly SameSite cookie", async () => {
    const r = await get(host.port, `/?token=${host.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe("/");
    expect(String(r.headers["set-cookie"])).toMatch(/lintel_session=.+; HttpOnly; SameSite=Strict; Path=\//);
  });

  it("refuses pages without the token, with a wrong token, or for another Host name", async () => {
    expect((await get(host.port, "/")).status).toBe(401);
    expect((await get(host.port, "/?token=wrong")).status).toBe(403);
    expect((await get(host.port, "/", { Cookie: "lintel_session=wrong" })).status).toBe(401);
    expect((await get(host.port, "/", { Host: "evil.example", Cookie: cookie() })).status).toBe(421);
  });

  it("serves the UI with a CSP, falls back to index.html, and never leaves its folder", async () => {
    const page = await get(host.port, "/", { Cookie: cookie() });
    expect(page.status).toBe(200);
    expect(page.body).toContain("Lintel UI");
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect((await get(host.port, "/app.js", { Cookie: cookie() })).headers["content-type"]).toMatch(/javascript/);
    expect((await get(host.port, "/people", { Cookie: cookie() })).body).toContain("Lintel UI");
    const escape = await get(host.port, "/..%2f..%2f..%2fetc%2fpasswd", { Cookie: cookie() });
    expect(escape.body).not.toContain("root:");
  });

  it("carries calls, results and typed errors over the WebSocket", async () => {
    const ws = await connect(host, { Cookie: cookie(), Origin: origin() });
    expect(await callOver(ws, 1, "errors.list", {})).toEqual({ t: "result", id: 1, ok: true, output: [{ code: 1100, http: "400", message: "The request received is invalid" }] });
    expect(await callOver(ws, 2, "sites.list", {})).toMatchObject({ ok: false, error: { code: "ks.2212", ksCode: 2212, status: 403 } });
    expect(await callOver(ws, 3, "errors.explain", { code: "x" })).toMatchObject({ ok: false, error: { ksCode: 1100 } });
    ws.close();
  });

  it("pushes events to connected pages", async () => {
    const ws = await connect(host, { Cookie: cookie(), Origin: origin() });
    const got = new Promise((ok) => ws.once("message", (d) => ok(JSON.parse(String(d)))));
    events.emit("sites.changed", {});
    expect(await got).toEqual({ t: "event", name: "sites.changed", payload: {} });
    ws.close();
  });

  it("refuses WebSockets from another origin or without the session", async () => {
    await expect(connect(host, { Cookie: cookie(), Origin: "http://evil.example" })).rejects.toThrow(/403/);
    await expect(connect(host, { Cookie: cookie() })).rejects.toThrow(/403/);
    await expect(connect(host, { Origin: origin() })).rejects.toThrow(/403/);
  });

  it("closes the socket on an unreadable frame", async () => {
    const ws = await connect(host, { Cookie: cookie(), Origin: origin() });
    const closed = new Promise<number>((ok) => ws.once("close", (code) => ok(code)));
    ws.send("{not json");
    expect(await closed).toBe(1003);
  });
});
