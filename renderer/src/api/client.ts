import { procedures, events, type Input, type Output } from "../../../core/api/contract.ts";
import type { Envelope, LintelBridge } from "../../../core/api/bridge.ts";
import type { EventName, ProcedureName } from "../../../core/api/names.ts";
import { ClientFrame, RPC_PATH, ServerFrame } from "../../../core/api/wire.ts";
import { AppError, fromWireError } from "../../../core/errors/index.ts";

/**
 * The renderer's only way to the core. In Electron it uses the preload bridge
 * (`window.lintel`); in a browser (`lintel serve`) a WebSocket to the loopback host
 * that served this page. Outputs and events are parsed with the contract's schemas.
 */
declare global {
  interface Window {
    lintel?: LintelBridge;
  }
}

class WebSocketBridge implements LintelBridge {
  private socket: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (e: Envelope) => void>();
  private readonly listeners = new Set<(name: string, payload: unknown) => void>();

  private connect(): Promise<WebSocket> {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    if (this.opening) return this.opening;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const url = new URL(RPC_PATH, window.location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(url);
      ws.onopen = () => {
        this.socket = ws;
        this.opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        this.opening = null;
        reject(new AppError("transport.unreachable", "Lintel's local service is not answering. Is `lintel serve` still running?"));
      };
      ws.onclose = () => {
        this.socket = null;
        for (const [, settle] of this.pending) {
          settle({ ok: false, error: { code: "transport.closed", message: "The connection to Lintel's local service closed." } });
        }
        this.pending.clear();
      };
      ws.onmessage = (m) => this.receive(m.data);
    });
    return this.opening;
  }

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = ServerFrame.parse(JSON.parse(String(data)));
    } catch {
      return; // an unreadable frame is dropped; the call it belonged to times out with a clear error
    }
    if (frame.t === "event") {
      for (const l of this.listeners) l(frame.name, frame.payload);
      return;
    }
    const settle = this.pending.get(frame.id);
    if (!settle) return;
    this.pending.delete(frame.id);
    settle(frame.ok ? { ok: true, output: frame.output } : { ok: false, error: frame.error });
  }

  async invoke(name: string, input: unknown): Promise<Envelope> {
    const ws = await this.connect();
    const id = this.nextId++;
    const frame: ClientFrame = { t: "call", id, name, input };
    return new Promise<Envelope>((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify(frame));
    });
  }

  onEvent(listener: (name: string, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    void this.connect().catch(() => undefined);
    return () => this.listeners.delete(listener);
  }
}

const bridge: LintelBridge = window.lintel ?? new WebSocketBridge();

/** Which shell this renderer runs in. */
export const transport: "electron" | "browser" = window.lintel ? "electron" : "browser";

/** Call a procedure of the contract; throws AppError / KsError on failure. */
export async function call<K extends ProcedureName>(name: K, input: Input<K>): Promise<Output<K>> {
  const env = await bridge.invoke(name, input);
  if (!env.ok) throw fromWireError(env.error);
  return procedures[name].output.parse(env.output) as Output<K>;
}

/** Listen to one event of the contract; returns the unsubscribe function. */
export function on<K extends EventName>(name: K, listener: (payload: ReturnType<(typeof events)[K]["parse"]>) => void): () => void {
  return bridge.onEvent((n, payload) => {
    if (n !== name) return;
    const parsed = events[name].safeParse(payload);
    if (parsed.success) listener(parsed.data as ReturnType<(typeof events)[K]["parse"]>);
  });
}
