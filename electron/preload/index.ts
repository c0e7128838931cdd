import { contextBridge, ipcRenderer, type IpcRendererEvent } from "electron";
import type { Envelope, LintelBridge } from "../../core/api/bridge.ts";
import { channelOf, EVENT_CHANNEL, PROCEDURE_NAMES, type ProcedureName } from "../../core/api/names.ts";

/**
 * The one typed bridge, and the only file that touches `ipcRenderer`. The page gets
 * `window.lintel` with two functions: `invoke` opens exactly the contract's channels
 * (any other name is refused here, before IPC), `onEvent` hears the one event
 * channel. Neither the `ipcRenderer` object nor its events ever reach the page.
 */

const KNOWN: ReadonlySet<string> = new Set(PROCEDURE_NAMES);

function failure(code: string, message: string): Envelope {
  return { ok: false, error: { code, message } };
}

const bridge: LintelBridge = Object.freeze({
  invoke(name: string, input: unknown): Promise<Envelope> {
    if (typeof name !== "string" || !KNOWN.has(name)) {
      return Promise.resolve(failure("api.unknown_procedure", `There is no procedure called "${String(name)}"`));
    }
    return (ipcRenderer.invoke(channelOf(name as ProcedureName), input) as Promise<Envelope>).catch((e: unknown) =>
      failure("ipc.failed", e instanceof Error ? e.message : String(e)),
    );
  },
  onEvent(listener: (name: string, payload: unknown) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("onEvent expects a function");
    const relay = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (typeof name === "string") listener(name, payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, relay);
    };
  },
});

contextBridge.exposeInMainWorld("lintel", bridge);
