import { randomBytes } from "node:crypto";
import { platform } from "node:os";
import { errorHandlers } from "../api/handlers/errors.ts";
import { floorHandlers } from "../api/handlers/floors.ts";
import { planHandlers } from "../api/handlers/plans.ts";
import { podHandlers } from "../api/handlers/pods.ts";
import { siteContentHandlers } from "../api/handlers/site-content.ts";
import { siteHandlers } from "../api/handlers/sites.ts";
import { combineHandlers, EventHub, Router, type HandlerModule } from "../api/router.ts";
import { systemClock, type Clock } from "../ports/clock.ts";
import { uuidv7Source, type IdSource, type RandomBytes } from "../ports/ids.ts";
import type { SecretVault } from "../ports/secret-vault.ts";
import { Workspace } from "./workspace.ts";
import pkg from "../../package.json" with { type: "json" };

export interface LintelAppOptions {
  readonly dataDir: string;
  readonly transport: "electron" | "browser" | "cli";
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** Secret randomness (invitation tokens); Node's crypto unless a test seeds it. */
  readonly random?: RandomBytes;
  /** Secrets (Wi-Fi keys, cloud tokens) go here, never into a site file. */
  readonly vault?: SecretVault | undefined;
  /** Electron's build of better-sqlite3 (see scripts/build-electron-native.js). */
  readonly nativeBinding?: string | undefined;
}

export interface LintelApp {
  readonly router: Router;
  readonly events: EventHub;
  readonly workspace: Workspace;
  readonly vault: SecretVault | undefined;
  close(): void;
}

/**
 * The composition root shared by the three shells: it makes the ports (clock, ids),
 * the workspace of open sites, and the router over every feature's handlers.
 */
export function createLintelApp(options: LintelAppOptions): LintelApp {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? (() => randomBytes(16));
  const ids = options.ids ?? uuidv7Source(clock, random);
  const workspace = new Workspace({ dataDir: options.dataDir, clock, ids, nativeBinding: options.nativeBinding });
  const events = new EventHub();
  const appHandlers: HandlerModule = {
    "app.info": () => ({
      version: pkg.version,
      transport: options.transport,
      dataDir: options.dataDir,
      platform: platform(),
      // Bluetooth and USB tag readers arrive with their own issues; until then there are none.
      bluetooth: "unavailable",
      tagReaders: "unavailable",
    }),
  };
  const router = new Router(
    combineHandlers(
      appHandlers,
      errorHandlers,
      siteHandlers(workspace, events),
      siteContentHandlers(workspace, events, { clock, ids }),
      floorHandlers(workspace, events, { ids }),
      planHandlers(workspace, events, { clock, ids }),
      podHandlers(workspace, events, { random }),
    ),
  );
  return { router, events, workspace, vault: options.vault, close: () => workspace.closeAll() };
}
