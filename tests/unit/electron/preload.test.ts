import { beforeEach, describe, expect, it, vi } from "vitest";
import type { LintelBridge } from "../../../core/api/bridge.ts";
import { channelOf, EVENT_CHANNEL } from "../../../core/api/names.ts";

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: {
    invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, output: "pong" })),
    on: vi.fn(),
    removeListener: vi.fn(),
  },
}));
vi.mock("electron", () => electron);

await import("../../../electron/preload/index.ts");

function exposed(): { key: string; bridge: LintelBridge } {
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  const [key, bridge] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, LintelBridge];
  return { key, bridge };
}

describe("preload bridge", () => {
  beforeEach(() => {
    electron.ipcRenderer.invoke.mockClear();
    electron.ipcRenderer.on.mockClear();
    electron.ipcRenderer.removeListener.mockClear();
  });

  it("exposes only window.lintel, with exactly invoke and onEvent", () => {
    const { key, bridge } = exposed();
    expect(key).toBe("lintel");
    expect(Object.keys(bridge).sort()).toEqual(["invoke", "onEvent"]);
    expect(typeof bridge.invoke).toBe("function");
    expect(typeof bridge.onEvent).toBe("function");
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it("never sends an unknown procedure name over IPC", async () => {
    const { bridge } = exposed();
    for (const name of ["nope", "lintel:app.info", "__proto__", "constructor", "", "sites.list "]) {
      const env = await bridge.invoke(name, {});
      expect(env).toMatchObject({ ok: false, error: { code: "api.unknown_procedure" } });
    }
    expect(await bridge.invoke(42 as unknown as string, {})).toMatchObject({ ok: false });
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it("invokes a contract procedure on its own channel", async () => {
    const { bridge } = exposed();
    const env = await bridge.invoke("sites.list", { q: 1 });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(channelOf("sites.list"), { q: 1 });
    expect(env).toEqual({ ok: true, output: "pong" });
  });

  it("turns an IPC failure into an error envelope", async () => {
    const { bridge } = exposed();
    electron.ipcRenderer.invoke.mockRejectedValueOnce(new Error("No handler registered"));
    expect(await bridge.invoke("app.info", {})).toEqual({ ok: false, error: { code: "ipc.failed", message: "No handler registered" } });
  });

  it("onEvent listens on the event channel, relays name and payload only, and unsubscribes", () => {
    const { bridge } = exposed();
    const seen: unknown[] = [];
    const off = bridge.onEvent((name, payload) => seen.push([name, payload]));
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [channel, relay] = electron.ipcRenderer.on.mock.calls[0] as [string, (...a: unknown[]) => void];
    expect(channel).toBe(EVENT_CHANNEL);
    relay({ sender: "the IpcRendererEvent must not leak" }, "site.changed", { id: 1 });
    expect(seen).toEqual([["site.changed", { id: 1 }]]);
    off();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(EVENT_CHANNEL, relay);
  });
});
