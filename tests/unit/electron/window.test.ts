import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  buildWebPreferences,
  contentSecurityPolicy,
  createSenderCheck,
  isRendererUrl,
  isSafeExternalUrl,
  type FrameLike,
  type RendererTarget,
} from "../../../electron/main/security.ts";

type Handler = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  class FakeWebContents {
    readonly handlers = new Map<string, ((...args: unknown[]) => unknown)[]>();
    windowOpenHandler: ((d: { url: string }) => unknown) | null = null;
    on(name: string, fn: (...args: unknown[]) => unknown) {
      this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn]);
      return this;
    }
    setWindowOpenHandler(fn: (d: { url: string }) => unknown) {
      this.windowOpenHandler = fn;
    }
  }
  const created: { options: Record<string, unknown>; win: FakeBrowserWindow }[] = [];
  class FakeBrowserWindow {
    readonly webContents = new FakeWebContents();
    loadFile = vi.fn(async () => undefined);
    loadURL = vi.fn(async () => undefined);
    once = vi.fn();
    constructor(options: Record<string, unknown>) {
      created.push({ options, win: this });
    }
  }
  return { FakeWebContents, FakeBrowserWindow, created, shell: { openExternal: vi.fn(async () => undefined) } };
});
vi.mock("electron", () => ({ BrowserWindow: electron.FakeBrowserWindow, shell: electron.shell }));

const { createMainWindow, guardContents, hardenSession, rendererTarget, PRELOAD_PATH, RENDERER_INDEX } = await import("../../../electron/main/window.ts");

const FILE_TARGET: RendererTarget = { kind: "file", indexUrl: "file:///Applications/Lintel.app/Contents/Resources/app.asar/out/renderer/index.html" };
const DEV_TARGET: RendererTarget = { kind: "dev", url: "http://localhost:5173" };

describe("BrowserWindow webPreferences", () => {
  it("isolates and sandboxes the page, with no Node", () => {
    const prefs = buildWebPreferences({ preloadPath: "/x/out/preload/index.cjs", devTools: false });
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.disableBlinkFeatures).toBe("Auxclick");
    expect(prefs.preload).toBe("/x/out/preload/index.cjs");
    expect(prefs.devTools).toBe(false);
  });

  it("createMainWindow uses exactly those preferences and the CommonJS preload", () => {
    electron.created.length = 0;
    createMainWindow({ target: FILE_TARGET, isPackaged: true });
    const { options, win } = electron.created[0]!;
    expect(options.webPreferences).toEqual(buildWebPreferences({ preloadPath: PRELOAD_PATH, devTools: false }));
    expect(PRELOAD_PATH).toMatch(/preload[\\/]index\.cjs$/);
    expect(win.loadFile).toHaveBeenCalledWith(RENDERER_INDEX);
    expect(win.loadURL).not.toHaveBeenCalled();
  });

  it("loads the dev server only when not packaged", () => {
    expect(rendererTarget(false, { ELECTRON_RENDERER_URL: "http://localhost:5173" })).toEqual(DEV_TARGET);
    expect(rendererTarget(true, { ELECTRON_RENDERER_URL: "http://localhost:5173" }).kind).toBe("file");
    expect(rendererTarget(false, {}).kind).toBe("file");
  });
});

describe("navigation, new windows, webviews", () => {
  let contents: InstanceType<typeof electron.FakeWebContents>;
  const fire = (name: string, ...args: unknown[]) => (contents.handlers.get(name) ?? []).forEach((h: Handler) => h(...args));
  const navEvent = (url: string) => ({ url, preventDefault: vi.fn() });

  beforeEach(() => {
    contents = new electron.FakeWebContents();
    electron.shell.openExternal.mockClear();
    guardContents(contents as never, FILE_TARGET);
  });

  it("blocks navigation away from the renderer file, allows the same file", () => {
    for (const url of ["https://evil.example/", "file:///etc/passwd", "file:///Applications/Lintel.app/Contents/Resources/app.asar/out/renderer/other.html"]) {
      const e = navEvent(url);
      fire("will-navigate", e);
      expect(e.preventDefault, url).toHaveBeenCalled();
    }
    const same = navEvent(`${(FILE_TARGET as { indexUrl: string }).indexUrl}#/sites`);
    fire("will-navigate", same);
    expect(same.preventDefault).not.toHaveBeenCalled();
  });

  it("denies every new window; https links go to the OS browser, nothing else does", () => {
    expect(contents.windowOpenHandler!({ url: "https://salto.example/help" })).toEqual({ action: "deny" });
    expect(electron.shell.openExternal).toHaveBeenCalledWith("https://salto.example/help");
    for (const url of ["http://insecure.example/", "file:///etc/passwd", "javascript:alert(1)", "smb://share/x", "https://user:pw@x.example/"]) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: "deny" });
    }
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it("refuses to attach any webview", () => {
    const e = { preventDefault: vi.fn() };
    fire("will-attach-webview", e, {}, {});
    expect(e.preventDefault).toHaveBeenCalled();
  });
});

describe("session hardening", () => {
  it("sets the CSP header and denies every permission", () => {
    let headersListener: Handler | undefined;
    let requestHandler: Handler | undefined;
    let checkHandler: Handler | undefined;
    let deviceHandler: Handler | undefined;
    const ses = {
      webRequest: { onHeadersReceived: (fn: Handler) => (headersListener = fn) },
      setPermissionRequestHandler: (fn: Handler) => (requestHandler = fn),
      setPermissionCheckHandler: (fn: Handler) => (checkHandler = fn),
      setDevicePermissionHandler: (fn: Handler) => (deviceHandler = fn),
    };
    hardenSession(ses as never, DEV_TARGET);

    const callback = vi.fn();
    headersListener!({ responseHeaders: { "content-security-policy": ["default-src *"], "X-Other": ["1"] } }, callback);
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: { "X-Other": ["1"], "Content-Security-Policy": [contentSecurityPolicy(DEV_TARGET)] },
    });

    const grant = vi.fn();
    for (const perm of ["media", "geolocation", "notifications", "openExternal"]) requestHandler!({}, perm, grant, {});
    expect(grant.mock.calls.every(([ok]) => ok === false)).toBe(true);
    expect(checkHandler!({}, "hid", "file://", {})).toBe(false);
    expect(deviceHandler!({ deviceType: "usb" })).toBe(false);
  });

  it("the CSP allows only our own scripts, no objects, no frames", () => {
    const csp = contentSecurityPolicy(FILE_TARGET);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy(DEV_TARGET)).toContain("connect-src 'self' ws://localhost:5173");
  });
});

describe("renderer URL and sender checks", () => {
  it("recognises only our page", () => {
    const index = (FILE_TARGET as { indexUrl: string }).indexUrl;
    expect(isRendererUrl(index, FILE_TARGET)).toBe(true);
    expect(isRendererUrl(`${index}?x=1#/a`, FILE_TARGET)).toBe(true);
    expect(isRendererUrl("file:///tmp/index.html", FILE_TARGET)).toBe(false);
    expect(isRendererUrl("not a url", FILE_TARGET)).toBe(false);
    expect(isRendererUrl("http://localhost:5173/#/x", DEV_TARGET)).toBe(true);
    expect(isRendererUrl("http://localhost:5174/", DEV_TARGET)).toBe(false);
    expect(isRendererUrl("http://localhost.evil.example:5173/", DEV_TARGET)).toBe(false);
    expect(isSafeExternalUrl("https://example.com")).toBe(true);
    expect(isSafeExternalUrl("http://example.com")).toBe(false);
  });

  it("accepts the main window's top frame showing our page, nothing else", () => {
    const top: FrameLike = { url: "http://localhost:5173/", parent: null, processId: 1, routingId: 1 };
    const contents = { mainFrame: top };
    const check = createSenderCheck(() => contents, DEV_TARGET);
    expect(check({ sender: contents, senderFrame: top })).toBe(true);
    expect(check({ sender: {}, senderFrame: top })).toBe(false);
    expect(check({ sender: contents, senderFrame: { ...top, parent: top, routingId: 2 } })).toBe(false);
    expect(createSenderCheck(() => null, DEV_TARGET)({ sender: contents, senderFrame: top })).toBe(false);
  });
});
