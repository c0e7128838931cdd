import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BrowserWindow, shell, type Session, type WebContents } from "electron";
import { buildWebPreferences, contentSecurityPolicy, isRendererUrl, isSafeExternalUrl, type RendererTarget } from "./security.ts";

export { buildWebPreferences } from "./security.ts";

/** out/main/index.js → out/preload/index.cjs and out/renderer/index.html. */
const OUT_DIR = join(import.meta.dirname, "..");
export const PRELOAD_PATH = join(OUT_DIR, "preload", "index.cjs");
export const RENDERER_INDEX = join(OUT_DIR, "renderer", "index.html");

/** The dev server (electron-vite sets ELECTRON_RENDERER_URL) when not packaged; else our file. */
export function rendererTarget(isPackaged: boolean, env: NodeJS.ProcessEnv = process.env): RendererTarget {
  const devUrl = env.ELECTRON_RENDERER_URL;
  if (!isPackaged && devUrl) return { kind: "dev", url: devUrl };
  return { kind: "file", indexUrl: pathToFileURL(RENDERER_INDEX).href };
}

/**
 * Session-wide rules, applied once: the CSP header on every response, and no
 * permission (camera, notifications, HID, serial, USB, ...) for any page. Bluetooth
 * and tag readers are reached from the main process, never from the page.
 */
export function hardenSession(ses: Session, target: RendererTarget): void {
  const csp = contentSecurityPolicy(target);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) if (name.toLowerCase() === "content-security-policy") delete headers[name];
    headers["Content-Security-Policy"] = [csp];
    callback({ responseHeaders: headers });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

/**
 * Rules for every WebContents (our window, and any other that might appear): no
 * navigation away from the renderer, no new windows (https links open in the OS
 * browser), no <webview>.
 */
const guarded = new WeakSet<WebContents>();
export function guardContents(contents: WebContents, target: RendererTarget): void {
  if (guarded.has(contents)) return;
  guarded.add(contents);
  const refuseNavigation = (event: { preventDefault(): void }, url: string): void => {
    if (!isRendererUrl(url, target)) event.preventDefault();
  };
  contents.on("will-navigate", (event) => refuseNavigation(event, event.url));
  contents.on("will-frame-navigate", (event) => refuseNavigation(event, event.url));
  contents.on("will-redirect", (event) => refuseNavigation(event, event.url));
  contents.on("will-attach-webview", (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: "deny" };
  });
}

export function createMainWindow(options: { readonly target: RendererTarget; readonly isPackaged: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: "Lintel",
    backgroundColor: "#ffffff",
    webPreferences: buildWebPreferences({ preloadPath: PRELOAD_PATH, devTools: !options.isPackaged }),
  });
  guardContents(win.webContents, options.target);
  win.once("ready-to-show", () => win.show());
  if (options.target.kind === "dev") void win.loadURL(options.target.url);
  else void win.loadFile(RENDERER_INDEX);
  return win;
}
