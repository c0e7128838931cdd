import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { EventPayload } from "../../core/api/contract.ts";
import type { EventName } from "../../core/api/names.ts";
import { createLintelApp, type LintelApp, type LintelAppOptions } from "../../core/app/lintel-app.ts";
import type { AppError } from "../../core/errors/index.ts";
import { ManualClock } from "../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../core/ports/ids.ts";

/** The ports and devices a test may add to the app; the folder, clock, ids and randomness are the session's. */
export type AppExtras = Omit<LintelAppOptions, "dataDir" | "transport" | "clock" | "ids" | "random">;

export interface AppSessionOptions {
  /** Who the journal records for the session's router calls. */
  readonly actor: string;
  /** The temp data folder's name prefix, so a leftover folder says which test made it. */
  readonly tmpPrefix: string;
  /** Seed of the id source (uuidv7 on the session's clock). */
  readonly idSeed: number;
  /** Seed of the app's secret randomness; Node's crypto when absent. */
  readonly randomSeed?: number;
  /** Where the ManualClock starts: 25 November 2026, 09:00 UTC unless a test needs another hour. */
  readonly startMs?: number;
  readonly extras?: AppExtras;
  /** Leave the app closed until the test calls `open` (a test that picks its devices per case). */
  readonly deferOpen?: boolean;
}

/** A LintelApp on a temp data folder with a manual clock, seen through its router as the CLI does. */
export interface AppSession {
  readonly dataDir: string;
  readonly clock: ManualClock;
  /** The open app; throws before the first `open` of a deferred session. */
  readonly app: LintelApp;
  /** Every event since the app was (re)opened, in order; a test may empty it (`events.length = 0`). */
  readonly events: [EventName, unknown][];
  /** A router call as the actor, its output typed by the caller. */
  call<T>(name: string, input?: unknown): Promise<T>;
  /** The error a call is refused with; throws if it succeeds. */
  failure(name: string, input: unknown): Promise<AppError>;
  /** The payloads of the events of one kind, in order. */
  ofKind<K extends EventName>(name: K): EventPayload<K>[];
  /** Closes the open app, if any, and opens a new one on the same folder and clock (fresh ids and randomness from the same seeds). */
  open(extras?: AppExtras): LintelApp;
  /** Closes the app and deletes the folder. */
  close(): void;
}

export const DEFAULT_START_MS = Date.UTC(2026, 10, 25, 9, 0, 0);

export function openAppSession(options: AppSessionOptions): AppSession {
  const dataDir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
  const clock = new ManualClock(options.startMs ?? DEFAULT_START_MS);
  const ctx = { transport: "cli", actor: options.actor } as const;
  const events: [EventName, unknown][] = [];
  let current: LintelApp | undefined;

  const app = (): LintelApp => {
    if (!current) throw new Error("the app session has no open app: call open() first");
    return current;
  };
  const call = <T>(name: string, input: unknown = {}) => app().router.call(name, input, ctx) as Promise<T>;
  const open = (extras: AppExtras = options.extras ?? {}): LintelApp => {
    current?.close();
    const random = options.randomSeed === undefined ? {} : { random: seededRandom(options.randomSeed) };
    current = createLintelApp({ ...extras, dataDir, transport: "cli", clock, ids: uuidv7Source(clock, seededRandom(options.idSeed)), ...random });
    events.length = 0;
    current.events.subscribe((name, payload) => events.push([name, payload]));
    return current;
  };
  if (!options.deferOpen) open();

  return {
    dataDir,
    clock,
    get app() {
      return app();
    },
    events,
    call,
    failure: async (name, input) => {
      try {
        await call(name, input);
      } catch (e) {
        return e as AppError;
      }
      throw new Error(`${name} did not fail on ${JSON.stringify(input)}`);
    },
    ofKind: <K extends EventName>(name: K) => events.filter(([n]) => n === name).map(([, p]) => p as EventPayload<K>),
    open,
    close: () => {
      current?.close();
      current = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh session for every test of the enclosing describe (opened in beforeEach, closed in
 * afterEach). The returned handle always speaks for the current test's session, so its
 * functions may be destructured once at describe level.
 */
export function useAppSession(options: () => AppSessionOptions): AppSession {
  let current: AppSession | undefined;
  beforeEach(() => {
    current = openAppSession(options());
  });
  afterEach(() => {
    current?.close();
    current = undefined;
  });
  const s = (): AppSession => {
    if (!current) throw new Error("no app session outside a test");
    return current;
  };
  return {
    get dataDir() {
      return s().dataDir;
    },
    get clock() {
      return s().clock;
    },
    get app() {
      return s().app;
    },
    get events() {
      return s().events;
    },
    call: <T>(name: string, input?: unknown) => s().call<T>(name, input),
    failure: (name, input) => s().failure(name, input),
    ofKind: <K extends EventName>(name: K) => s().ofKind(name),
    open: (extras) => s().open(extras),
    close: () => s().close(),
  };
}
