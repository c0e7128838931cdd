import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where scripts/build-electron-native.js puts better-sqlite3 compiled for Electron. */
export const ELECTRON_NATIVE_RELATIVE = join("native", "electron", "better_sqlite3.node");

/**
 * The Electron build of better-sqlite3, if there is one. node_modules holds the Node
 * build (tests and the CLI use it), so the app points better-sqlite3 at its own copy:
 * in a packaged app under resources/ (electron-builder `extraResources`), in
 * development under the project folder. Without one, better-sqlite3 loads its
 * default build (right in a packaged app, where electron-builder rebuilt it).
 */
export function resolveNativeBinding(
  where: { readonly isPackaged: boolean; readonly resourcesPath: string; readonly appPath: string },
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const candidate = join(where.isPackaged ? where.resourcesPath : where.appPath, ELECTRON_NATIVE_RELATIVE);
  return exists(candidate) ? candidate : undefined;
}
