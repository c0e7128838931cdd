import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, as this machine and CI have it; Playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env.LINTEL_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}
