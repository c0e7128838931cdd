import { describe, expect, it, vi } from "vitest";
import type { CallContext } from "../../../core/api/router.ts";
import { channelOf, EVENT_CHANNEL, PROCEDURE_NAMES } from "../../../core/api/names.ts";
import { AppError, KsError } from "../../../core/errors/index.ts";
import { BAD_SENDER, forwardEvents, registerIpc, type IpcMainLike } from "../../../electron/main/ipc.ts";
import { createSenderCheck, type FrameLike, type RendererTarget } from "../../../electron/main/security.ts";

// ipc.ts imports only types from "electron"; this mock makes sure nothing at runtime needs the binary.
vi.mock("electron", () => ({}));

type Listener = (event: FakeEvent, ...args: unknown[]) => unknown;
interface FakeEvent {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const registered: string[] = [];
  const ipcMain: IpcMainLike<FakeEvent> = {
    handle(channel, listener) {
      registered.push(channel);
      handlers.set(channel, listener as Listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
  return { ipcMain, handlers, registered };
}

const TARGET: RendererTarget = { kind: "file", indexUrl: "file:///opt/Lintel/resources/app.asar/out/renderer/index.html" };

function fakeWindow(url = "file:///opt/Lintel/resources/app.asar/out/renderer/index.html#/sites") {
  const mainFrame: FrameLike = { url, parent: null, processId: 4, routingId: 1 };
  const contents = { mainFrame };
  return { contents, mainFrame };
}

function fakeRouter() {
  return { call: vi.fn(async (name: string, input: unknown, _ctx: CallContext): Promise<unknown> => ({ echoed: name, input })) };
}

describe("registerIpc: the Electron main registers exactly the contract's procedures", () => {
  it("registers one handler per procedure name, and nothing else", () => {
    const { ipcMain, registered } = fakeIpcMain();
    registerIpc(ipcMain, fakeRouter(), () => true, "tester");
    const expected = PROCEDURE_NAMES.map(channelOf);
    expect(new Set(registered).size).toBe(registered.length); // no duplicates
    expect([...registered].sort()).toEqual([...expected].sort()); // no extras, none missing
    expect(registered).not.toContain(EVENT_CHANNEL);
  });

  it("refuses a message from an untrusted sender with ipc.bad_sender, without calling the router", async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const router = fakeRouter();
    const win = fakeWindow();
    registerIpc(ipcMain, router, createSenderCheck(() => win.contents, TARGET), "tester");
    const handler = handlers.get(channelOf("sites.list"))!;

    const otherWindowFrame: FrameLike = { url: win.mainFrame.url, parent: null, processId: 9, routingId: 1 };
    const subFrame: FrameLike = { url: win.mainFrame.url, parent: win.mainFrame, processId: 4, routingId: 7 };
    const untrusted: FakeEvent[] = [
      { sender: {}, senderFrame: otherWindowFrame }, // another window
      { sender: win.contents, senderFrame: subFrame }, // an iframe in our window
      { sender: win.contents, senderFrame: null }, // a frame that is gone
    ];
    for (const event of untrusted) {
      const env = await handler(event, {});
      expect(env).toEqual(BAD_SENDER);
      expect(env).toMatchObject({ ok: false, error: { code: "ipc.bad_sender" } });
    }
    // our window, after navigating somewhere else
    const navigated = fakeWindow("https://evil.example/");
    const handlers2 = fakeIpcMain();
    registerIpc(handlers2.ipcMain, router, createSenderCheck(() => navigated.contents, TARGET), "tester");
    const env = await handlers2.handlers.get(channelOf("sites.list"))!({ sender: navigated.contents, senderFrame: navigated.mainFrame }, {});
    expect(env).toMatchObject({ ok: false, error: { code: "ipc.bad_sender" } });
    expect(router.call).not.toHaveBeenCalled();
  });

  it("a sender check that throws counts as a refusal", async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, () => {
      throw new Error("boom");
    });
    expect(await handlers.get(channelOf("app.info"))!({ sender: null, senderFrame: null }, {})).toEqual(BAD_SENDER);
    expect(router.call).not.toHaveBeenCalled();
  });

  it("passes a trusted sender's call to the router with the electron transport and the actor", async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const router = fakeRouter();
    const win = fakeWindow();
    registerIpc(ipcMain, router, createSenderCheck(() => win.contents, TARGET), "installer-anna");
    const env = await handlers.get(channelOf("doors.list"))!({ sender: win.contents, senderFrame: win.mainFrame }, { floorId: "f1" });
    expect(router.call).toHaveBeenCalledWith("doors.list", { floorId: "f1" }, { transport: "electron", actor: "installer-anna" });
    expect(env).toEqual({ ok: true, output: { echoed: "doors.list", input: { floorId: "f1" } } });
  });

  it("turns thrown errors into error envelopes (wire errors, never thrown over IPC)", async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const router = {
      call: vi.fn(async (name: string): Promise<unknown> => {
        if (name === "sites.open") throw new AppError("site.not_lintel", "Not a Lintel site file");
        if (name === "doors.create") throw new KsError(1100);
        throw new Error("kaput");
      }),
    };
    registerIpc(ipcMain, router, () => true, "tester");
    const ev: FakeEvent = { sender: null, senderFrame: null };
    expect(await handlers.get(channelOf("sites.open"))!(ev, {})).toEqual({
      ok: false,
      error: { code: "site.not_lintel", message: "Not a Lintel site file", details: undefined },
    });
    expect(await handlers.get(channelOf("doors.create"))!(ev, {})).toMatchObject({ ok: false, error: { ksCode: 1100 } });
    expect(await handlers.get(channelOf("tags.list"))!(ev, {})).toEqual({ ok: false, error: { code: "internal", message: "kaput" } });
  });

  it("the returned function removes every handler", () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const unregister = registerIpc(ipcMain, fakeRouter(), () => true, "tester");
    expect(handlers.size).toBe(PROCEDURE_NAMES.length);
    unregister();
    expect(handlers.size).toBe(0);
  });
});

describe("forwardEvents", () => {
  it("sends each hub event to the window on the one event channel, and stops when unsubscribed", () => {
    let listener: ((name: "site.changed" | "sites.changed", payload: unknown) => void) | undefined;
    const hub = {
      subscribe: vi.fn((l: typeof listener) => {
        listener = l;
        return () => {
          listener = undefined;
        };
      }),
    };
    const target = { isDestroyed: vi.fn(() => false), send: vi.fn() };
    const stop = forwardEvents(hub, () => target);
    listener!("sites.changed", { reason: "x" });
    expect(target.send).toHaveBeenCalledWith(EVENT_CHANNEL, "sites.changed", { reason: "x" });
    target.isDestroyed.mockReturnValue(true);
    listener!("site.changed", {});
    expect(target.send).toHaveBeenCalledTimes(1);
    stop();
    expect(listener).toBeUndefined();
  });
});
