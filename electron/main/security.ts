/**
 * The window's security policy as plain data and pure functions, so it is tested
 * without launching Electron. `window.ts` applies it; `ipc.ts` uses the sender check.
 */

/** Where the one trusted page lives: our built file, or the dev server in development. */
export type RendererTarget =
  | { readonly kind: "file"; /** file:// URL of out/renderer/index.html */ readonly indexUrl: string }
  | { readonly kind: "dev"; /** ELECTRON_RENDERER_URL, e.g. http://localhost:5173 */ readonly url: string };

/** The subset of Electron's `WebPreferences` we set; every hardening flag is explicit. */
export interface HardenedWebPreferences {
  readonly preload: string;
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly webviewTag: false;
  readonly experimentalFeatures: false;
  readonly navigateOnDragDrop: false;
  readonly safeDialogs: true;
  readonly spellcheck: false;
  /** Middle-click (auxclick) must not open links behind the window-open handler's back. */
  readonly disableBlinkFeatures: "Auxclick";
  readonly devTools: boolean;
}

export function buildWebPreferences(options: { readonly preloadPath: string; readonly devTools: boolean }): HardenedWebPreferences {
  return {
    preload: options.preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    disableBlinkFeatures: "Auxclick",
    devTools: options.devTools,
  };
}

/**
 * The Content-Security-Policy, sent as a response header (covers the dev server) and
 * also present as a meta tag in renderer/index.html (covers file://, where Chromium
 * sends no response headers). Development adds the Vite server and its HMR socket.
 */
export function contentSecurityPolicy(target: RendererTarget): string {
  const dev = target.kind === "dev" ? new URL(target.url) : null;
  const devSocket = dev ? ` ${dev.protocol === "https:" ? "wss:" : "ws:"}//${dev.host}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${devSocket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Is `url` our renderer page (any hash or query of it), and nothing else? */
export function isRendererUrl(url: string, target: RendererTarget): boolean {
  const u = parse(url);
  if (!u) return false;
  if (target.kind === "dev") {
    const dev = parse(target.url);
    return dev !== null && (u.protocol === "http:" || u.protocol === "https:") && u.origin === dev.origin;
  }
  const index = parse(target.indexUrl);
  if (!index || u.protocol !== "file:" || index.protocol !== "file:") return false;
  // file:// has an opaque origin: compare the exact file, ignoring #route and ?query.
  return u.host === index.host && decodeURIComponent(u.pathname) === decodeURIComponent(index.pathname);
}

/** Links the app may hand to the OS browser: https only, no credentials in the URL. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === "https:" && u.username === "" && u.password === "";
}

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}
/** The parts of an IPC event (IpcMainInvokeEvent) the sender check reads. */
export interface SenderEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}
/** The parts of the main window's WebContents the sender check reads. */
export interface TrustedContentsLike {
  readonly mainFrame: FrameLike;
}

/**
 * GitHub Desktop's rule: every IPC message must come from the main window's top
 * frame, and that frame must be showing our renderer. A sub-frame, another window,
 * or our window after navigating elsewhere are all refused.
 */
export function createSenderCheck(
  getTrustedContents: () => TrustedContentsLike | null,
  target: RendererTarget,
): (event: SenderEventLike) => boolean {
  return (event) => {
    const contents = getTrustedContents();
    const frame = event.senderFrame;
    if (!contents || !frame) return false;
    if (event.sender !== contents) return false;
    const top = contents.mainFrame;
    const isTop = frame === top || (frame.processId === top.processId && frame.routingId === top.routingId);
    if (!isTop || frame.parent !== null) return false;
    return isRendererUrl(frame.url, target);
  };
}
