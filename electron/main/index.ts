import { join } from "node:path";
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session } from "electron";
import { createLintelApp } from "../../core/app/lintel-app.ts";
import { radioFromEnv } from "../../core/app/radio.ts";
import { forwardEvents, registerIpc } from "./ipc.ts";
import { resolveNativeBinding } from "./native-binding.ts";
import { SafeStorageVault } from "./secret-vault.ts";
import { createSenderCheck } from "./security.ts";
import { createMainWindow, guardContents, hardenSession, rendererTarget } from "./window.ts";

/**
 * The Electron shell: one instance, one window, the core's router behind IPC.
 * Everything the app does happens in the core; this file only wires it up.
 */

// One name in development and packaged (package.json says "lintel"): userData is
// %APPDATA%\Lintel and ~/Library/Application Support/Lintel, as for the CLI.
app.setName("Lintel");

if (!app.requestSingleInstanceLock()) {
  // A second launch hands over to the first (which focuses its window) and exits.
  app.quit();
} else {
  start();
}

function start(): void {
  const target = rendererTarget(app.isPackaged);
  let mainWindow: BrowserWindow | null = null;

  app.enableSandbox();
  app.on("web-contents-created", (_event, contents) => guardContents(contents, target));

  app.on("second-instance", () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.whenReady().then(() => {
    // LINTEL_HOME overrides, as it does for the CLI (core/app/data-dir.ts).
    const dataDir = process.env.LINTEL_HOME || app.getPath("userData");
    // Real Bluetooth (noble, loaded on first use) or the simulated IQs, switchable in Commission.
    const radio = radioFromEnv(process.env);
    const lintel = createLintelApp({
      dataDir,
      transport: "electron",
      nativeBinding: resolveNativeBinding({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath() }),
      vault: new SafeStorageVault(join(dataDir, "secrets.json"), safeStorage),
      ble: radio,
      scheduler: radio.scheduler,
    });

    hardenSession(session.defaultSession, target);
    const unregister = registerIpc(
      ipcMain,
      lintel.router,
      createSenderCheck(() => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null), target),
    );
    const unforward = forwardEvents(lintel.events, () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null));

    const openWindow = (): void => {
      mainWindow = createMainWindow({ target, isPackaged: app.isPackaged });
      mainWindow.on("closed", () => {
        mainWindow = null;
      });
    };
    openWindow();

    app.on("activate", () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
    app.on("will-quit", () => {
      unforward();
      unregister();
      lintel.close();
      radio.close();
    });
  }).catch((e: unknown) => {
    // e.g. better-sqlite3 built for Node rather than Electron: say so, do not hang.
    dialog.showErrorBox("Lintel could not start", e instanceof Error ? e.message : String(e));
    app.exit(1);
  });

  app.on("window-all-closed", () => {
    if (process.platform !== "darwin") app.quit();
  });
}
