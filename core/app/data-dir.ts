import { homedir, platform } from "node:os";
import { join } from "node:path";

/**
 * Where Lintel keeps its sites and settings when no shell says otherwise (Electron
 * passes its userData folder; `--data` and LINTEL_HOME override for the CLI).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINTEL_HOME) return env.LINTEL_HOME;
  switch (platform()) {
    case "win32":
      return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "Lintel");
    case "darwin":
      return join(homedir(), "Library", "Application Support", "Lintel");
    default:
      // Electron's userData on Linux, so the app and the CLI see the same sites.
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "Lintel");
  }
}
