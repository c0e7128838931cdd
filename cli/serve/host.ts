import { randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import type { Router, EventHub, CallContext } from "../../core/api/router.ts";
import { ClientFrame, RPC_PATH, SESSION_COOKIE, type ServerFrame } from "../../core/api/wire.ts";
import { toWireError } from "../../core/errors/index.ts";
import { MAX_INLINE_BYTES } from "../../core/people-import/limits.ts";

export interface HostOptions {
  readonly router: Router;
  readonly events: EventHub;
  /** The built renderer (out/renderer). */
  readonly staticDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly actor: string;
  /** Fixed only in tests; otherwise 32 random bytes per run. */
  readonly token?: string;
}

export interface RunningHost {
  readonly url: string;
  /** The URL to open: it carries the session token once, then a cookie does. */
  readonly openUrl: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The loopback host behind `lintel serve`: serves the built renderer and carries the
 * API contract over one WebSocket. It listens on 127.0.0.1 only; every request must
 * name this host (no DNS rebinding) and carry the session token (first as `?token=`,
 * then as an HttpOnly SameSite=Strict cookie); the WebSocket also checks Origin, so
 * no other web page can drive it.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(32).toString("base64url");
  const staticDir = resolve(options.staticDir);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const tokenMatches = (candidate: string | undefined): boolean => {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const cookieToken = (req: IncomingMessage): string | undefined => {
    for (const part of (req.headers.cookie ?? "").split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === SESSION_COOKIE) return v.join("=");
    }
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    try {
      handleHttp(req, res);
    } catch {
      send(res, 500, "text/plain; charset=utf-8", "Internal error");
    }
  });

  function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      "Content-Type": type,
      "Content-Security-Policy": CSP,
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      ...headers,
    });
    res.end(body);
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse): void {
    if (!allowedHosts().includes(req.headers.host ?? "")) {
      send(res, 421, "text/plain; charset=utf-8", "Lintel answers only to 127.0.0.1 and localhost.");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "Method not allowed", { Allow: "GET, HEAD" });
      return;
    }
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const given = url.searchParams.get("token");
    if (given !== null) {
      if (!tokenMatches(given)) {
        send(res, 403, "text/plain; charset=utf-8", "This link's session token is not valid. Use the URL that `lintel serve` printed.");
        return;
      }
      url.searchParams.delete("token");
      send(res, 303, "text/plain; charset=utf-8", "", {
        Location: url.pathname + url.search,
        "Set-Cookie": `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
      });
      return;
    }
    if (!tokenMatches(cookieToken(req))) {
      send(res, 401, "text/html; charset=utf-8", "<!doctype html><title>Lintel</title><p>Open Lintel with the URL that <code>lintel serve</code> printed: it carries this session's token.</p>");
      return;
    }
    serveStatic(url.pathname, res, req.method === "HEAD");
  }

  function serveStatic(pathname: string, res: ServerResponse, headOnly: boolean): void {
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, "");
    } catch {
      send(res, 400, "text/plain; charset=utf-8", "Bad path");
      return;
    }
    let file = join(staticDir, rel);
    if (file !== staticDir && !file.startsWith(staticDir + sep)) {
      send(res, 403, "text/plain; charset=utf-8", "Forbidden");
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticDir, "index.html");
    if (!existsSync(file)) {
      send(res, 503, "text/plain; charset=utf-8", "The UI is not built. Run `npm run build` first.");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Security-Policy": CSP,
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": file.endsWith("index.html") ? "no-store" : "max-age=3600",
      "Content-Length": String(statSync(file).size),
    });
    if (headOnly) res.end();
    else createReadStream(file).pipe(res);
  }

  // Big enough for the largest file the core takes inline (a people import, in base64,
  // plus the call's envelope); the socket is loopback-only and behind the session token.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.ceil(MAX_INLINE_BYTES / 3) * 4 + 1024 * 1024 });
  const ctx: CallContext = { transport: "browser", actor: options.actor };

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://x");
    const ok =
      url.pathname === RPC_PATH &&
      allowedHosts().includes(req.headers.host ?? "") &&
      allowedOrigins().includes(req.headers.origin ?? "") &&
      tokenMatches(cookieToken(req));
    if (!ok) {
      socket.write("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  wss.on("connection", (ws: WebSocket) => {
    ws.on("message", (data, isBinary) => {
      let frame: ClientFrame;
      try {
        if (isBinary) throw new Error("binary");
        frame = ClientFrame.parse(JSON.parse(String(data)));
      } catch {
        ws.close(1003, "unreadable frame");
        return;
      }
      void options.router.call(frame.name, frame.input, ctx).then(
        (output) => reply(ws, { t: "result", id: frame.id, ok: true, output }),
        (e: unknown) => reply(ws, { t: "result", id: frame.id, ok: false, error: toWireError(e) }),
      );
    });
  });

  const unsubscribe = options.events.subscribe((name, payload) => {
    for (const client of wss.clients) reply(client, { t: "event", name, payload });
  });

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port, "127.0.0.1", () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function reply(ws: WebSocket, frame: ServerFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}
