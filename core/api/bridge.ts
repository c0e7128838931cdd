import type { WireError } from "../errors/wire.ts";

/** The result envelope every transport returns: errors travel as data, never as thrown IPC errors. */
export type Envelope = { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly error: WireError };

/**
 * What Electron's preload exposes to the page as `window.lintel` (contextBridge), and
 * what the browser client builds over WebSocket: the same two functions.
 */
export interface LintelBridge {
  invoke(name: string, input: unknown): Promise<Envelope>;
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
}
