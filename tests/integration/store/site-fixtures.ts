import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import type { SiteStoreDeps } from "../../../core/store/index.ts";

/** A fresh temp folder per test; `remove()` in afterEach. */
export function makeTempDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "lintel-store-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Exact time and ids, so journal rows can be compared whole. */
export function exactDeps(seed = 1, actor = "installer@test"): SiteStoreDeps & { readonly clock: ManualClock } {
  const clock = new ManualClock(Date.UTC(2026, 2, 14, 9, 30));
  return { clock, ids: uuidv7Source(clock, seededRandom(seed)), actor };
}

export function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
