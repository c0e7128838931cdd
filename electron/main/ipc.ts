import { userInfo } from "node:os";
import type { Envelope } from "../../core/api/bridge.ts";
import { channelOf, EVENT_CHANNEL, PROCEDURE_NAMES, type EventName } from "../../core/api/names.ts";
import type { CallContext } from "../../core/api/router.ts";
import { toWireError } from "../../core/errors/wire.ts";

/**
 * The only file that touches `ipcMain`. One channel per procedure of the contract,
 * registered here and nowhere else; every message's sender is checked before the
 * router sees it; answers are envelopes, so errors travel as data.
 */

/** The part of Electron's `ipcMain` used here; a test passes a recording fake. */
export interface IpcMainLike<E> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** The part of the Router used here. */
export interface RouterLike {
  call(name: string, rawInput: unknown, ctx: CallContext): Promise<unknown>;
}

/** Who the journal records for actions taken in the desktop app: the OS account. */
export function osActor(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown"; // some sandboxes have no passwd entry for the uid
  }
}

export const BAD_SENDER: Envelope = {
  ok: false,
  error: { code: "ipc.bad_sender", message: "This message did not come from Lintel's own window and was refused." },
};

/** A sender check that throws counts as a refusal. */
function safely(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch {
    return false;
  }
}

/**
 * Register a handler for exactly each procedure name. Returns a function that
 * removes them again (used on shutdown and by tests).
 */
export function registerIpc<E>(
  ipcMain: IpcMainLike<E>,
  router: RouterLike,
  isTrustedSender: (event: E) => boolean,
  actor: string = osActor(),
): () => void {
  const channels = PROCEDURE_NAMES.map((name) => {
    const channel = channelOf(name);
    ipcMain.handle(channel, async (event: E, input?: unknown): Promise<Envelope> => {
      if (!safely(() => isTrustedSender(event))) return BAD_SENDER;
      try {
        const output = await router.call(name, input, { transport: "electron", actor });
        return { ok: true, output };
      } catch (e) {
        return { ok: false, error: toWireError(e) };
      }
    });
    return channel;
  });
  return () => {
    for (const c of channels) ipcMain.removeHandler(c);
  };
}

/** The part of Electron's WebContents that events are sent through. */
export interface EventTargetLike {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}
export interface EventSourceLike {
  subscribe(listener: (name: EventName, payload: unknown) => void): () => void;
}

/** Forward every event of the hub to the window (if it is open). Returns the unsubscribe. */
export function forwardEvents(events: EventSourceLike, getTarget: () => EventTargetLike | null): () => void {
  return events.subscribe((name, payload) => {
    const target = getTarget();
    if (target && !target.isDestroyed()) target.send(EVENT_CHANNEL, name, payload);
  });
}
