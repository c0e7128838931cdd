import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startServe, type ServeProcess } from "./serve-process.ts";

/** Where e2e tests leave screenshots for people to look at (git-ignored). */
export const SHOTS = resolve(import.meta.dirname, "../../test-results/screens");

/** `lintel serve` on a fresh data folder, and a 1440×900 Chromium page on it. */
export interface UiSession {
  readonly serve: ServeProcess;
  readonly browser: Browser;
  readonly page: Page;
  readonly dataDir: string;
  /** Uncaught errors in the page: an e2e ends by expecting none. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function openUiSession(name: string, options: { readonly acceptDownloads?: boolean } = {}): Promise<UiSession> {
  const dataDir = mkdtempSync(join(tmpdir(), `lintel-e2e-${name}-`));
  mkdirSync(SHOTS, { recursive: true });
  const serve = await startServe(dataDir);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: options.acceptDownloads ?? false });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return {
    serve,
    browser,
    page,
    dataDir,
    pageErrors,
    close: async () => {
      await browser.close();
      await serve.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
