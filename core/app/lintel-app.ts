import { randomBytes } from "node:crypto";
import { platform } from "node:os";
import { cloudHandlers } from "../api/handlers/cloud.ts";
import { handoverHandlers, sessionFromVault } from "../api/handlers/handover.ts";
import { commissioningHandlers } from "../api/handlers/commissioning.ts";
import { errorHandlers } from "../api/handlers/errors.ts";
import { floorHandlers } from "../api/handlers/floors.ts";
import { importHandlers } from "../api/handlers/import.ts";
import { planHandlers } from "../api/handlers/plans.ts";
import { podHandlers } from "../api/handlers/pods.ts";
import { readerHandlers } from "../api/handlers/readers.ts";
import { receptionHandlers } from "../api/handlers/reception.ts";
import { siteContentHandlers } from "../api/handlers/site-content.ts";
import { siteHandlers } from "../api/handlers/sites.ts";
import { combineHandlers, EventHub, Router, type HandlerModule } from "../api/router.ts";
import { CommissioningFlow, type OpenIqSession } from "../commissioning/flow.ts";
import type { FetchLike } from "../cloud/http.ts";
import { openIqSession } from "../devices/ble/client.ts";
import type { BleCentral } from "../devices/ble/port.ts";
import { createTagReaders, type TagReaderOptions, type TagReaders } from "../devices/hid/tag-readers.ts";
import { systemClock, type Clock } from "../ports/clock.ts";
import { uuidv7Source, type IdSource, type RandomBytes } from "../ports/ids.ts";
import { realScheduler, type Scheduler } from "../ports/scheduler.ts";
import type { SecretVault } from "../ports/secret-vault.ts";
import { fileVaultFor } from "./file-vault.ts";
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
  /** USB tag readers: node-hid and the simulated reader by default; tests inject a port or switch them off. */
  readonly tagReaders?: TagReaderOptions | undefined;
  /** The radio that reaches IQs (noble, or the simulated IQs); without one, commissioning says Bluetooth is unavailable. */
  readonly ble?: BleCentral | undefined;
  /** Time for the commissioning flow's waits; real timers unless a test or the simulator brings virtual time. */
  readonly scheduler?: Scheduler | undefined;
  /** The IQ session over a GATT link (PROTOCOL.md); tests may pass a fake. */
  readonly openIqSession?: OpenIqSession | undefined;
  /** The KS cloud's origin; LINTEL_CLOUD_URL, else the emulator of `npm run cloud` on this machine. */
  readonly cloudUrl?: string | undefined;
  /** How the cloud client reaches it: global fetch unless a test wraps it. */
  readonly fetch?: FetchLike | undefined;
}

export interface LintelApp {
  readonly router: Router;
  readonly events: EventHub;
  readonly workspace: Workspace;
  readonly vault: SecretVault | undefined;
  readonly tagReaders: TagReaders;
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
  const tagReaders = createTagReaders(options.tagReaders ?? {}, { clock });
  // Outside Electron (CLI, `lintel serve`) secrets go to an encrypted file in the data folder.
  const vault = options.vault ?? (options.transport === "electron" ? undefined : fileVaultFor(options.dataDir, process.env));
  const scheduler = options.scheduler ?? realScheduler();
  // The KS cloud to sign in to and sync with: the emulator of `npm run cloud` unless told.
  const cloudUrl = options.cloudUrl ?? process.env["LINTEL_CLOUD_URL"] ?? "http://127.0.0.1:4480";
  const commissioning = new CommissioningFlow({
    clock,
    ids,
    central: options.ble,
    openSession: options.openIqSession ?? ((link, code) => openIqSession(link, code)),
    vault,
    sleep: (ms) => scheduler.sleep(ms),
  });
  const appHandlers: HandlerModule = {
    "app.info": async () => ({
      version: pkg.version,
      transport: options.transport,
      dataDir: options.dataDir,
      platform: platform(),
      // Bluetooth is whatever radio the shell passes in (real, simulated or none), as it stands now: the radio may switch.
      bluetooth: bluetoothNow(options.ble),
      tagReaders: await tagReaders.ready().then(() => tagReaders.availability()),
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
      importHandlers(workspace, events, { ids }),
      receptionHandlers(workspace, events, { clock }),
      readerHandlers(workspace, events, tagReaders),
      commissioningHandlers(workspace, events, commissioning, { vault }),
      cloudHandlers(workspace, events, {
        cloudUrl,
        clock,
        vault,
        fetch: options.fetch,
        sleep: (ms, signal) => scheduler.sleep(ms, signal),
        random: () => {
          const b = random();
          return ((b[0]! << 8) | b[1]!) / 65536;
        },
        nativeBinding: options.nativeBinding,
        deviceName: `Lintel on ${platform()}`,
      }),
      handoverHandlers(workspace, events, { clock, ids, nativeBinding: options.nativeBinding, session: sessionFromVault({ cloudUrl, clock, vault, fetch: options.fetch }) }),
    ),
  );
  const close = (): void => {
    tagReaders.close();
    void commissioning.close();
    workspace.closeAll();
  };
  return { router, events, workspace, vault, tagReaders, close };
}

/** app.info's one word for the radio: simulated IQs, real Bluetooth that is on, or neither. */
function bluetoothNow(ble: BleCentral | undefined): "available" | "unavailable" | "simulated" {
  if (ble === undefined) return "unavailable";
  if (ble.kind === "simulated") return "simulated";
  return ble.state() === "powered-on" ? "available" : "unavailable";
}
