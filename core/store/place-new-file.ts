import { constants, copyFileSync, existsSync, linkSync, rmSync } from "node:fs";
import { siteFileErrors } from "./site-file-errors.ts";

/**
 * Gives a finished file (a new site, a backup) its final name, never replacing
 * anything: a hard link appears atomically or fails with EEXIST, so a crash leaves
 * either no file or a complete one at `to`. File systems without hard links (FAT
 * and exFAT USB sticks, which dealers use to pass sites around) get an exclusive copy.
 *
 * A leftover `-wal` next to `to` is refused too: SQLite would replay another
 * database's WAL into the new file.
 */
export function placeNewFile(from: string, to: string): void {
  if (existsSync(`${to}-wal`)) throw siteFileErrors.exists(`${to}-wal`);
  try {
    linkSync(from, to);
  } catch (e) {
    const code = e instanceof Error && "code" in e ? e.code : undefined;
    if (code === "EEXIST") throw siteFileErrors.exists(to);
    try {
      copyFileSync(from, to, constants.COPYFILE_EXCL);
    } catch (copyError) {
      const copyCode = copyError instanceof Error && "code" in copyError ? copyError.code : undefined;
      if (copyCode === "EEXIST") throw siteFileErrors.exists(to);
      throw copyError;
    }
  }
}

/** Removes a scratch SQLite file and its companions. */
export function removeSqliteFile(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${path}${suffix}`, { force: true });
}
