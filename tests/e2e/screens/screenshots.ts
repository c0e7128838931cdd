/**
 * Screenshots of every screen of the UI at 1440×900, for people to look at (not a test).
 *
 *   npm run build && npx tsx tests/e2e/screens/screenshots.ts
 *
 * Starts `lintel serve` on a fresh data folder (so the first start opens the demo
 * hotel), drives Debian's Chromium through each area and a few states worth seeing
 * (errors, a missing site file, no site open), and writes PNGs to
 * test-results/screens/. Set LINTEL_URL to an already running `serve` URL (with its
 * ?token=) to photograph that instead, and LINTEL_DATA to its data folder to also run
 * the steps that write files there (a fresh folder is best: the first start is shown).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium } from "../../support/browser.ts";
import { startServe, type ServeProcess } from "../../support/serve-process.ts";

const OUT = resolve(import.meta.dirname, "../../../test-results/screens");
const AREAS = ["sites", "plan", "commission", "people", "pods", "sync"] as const;

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.waitForTimeout(400);
}

async function shot(page: Page, name: string): Promise<void> {
  await settle(page);
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  process.stdout.write(`  ${file}\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const external = process.env.LINTEL_URL;
  const ownData = external ? null : mkdtempSync(join(tmpdir(), "lintel-screens-"));
  const dataDir = ownData ?? process.env.LINTEL_DATA ?? null;
  let serve: ServeProcess | null = null;
  const browser = await launchChromium();
  try {
    if (ownData) serve = await startServe(ownData);
    const url = external ?? serve!.openUrl;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("pageerror", (e) => process.stderr.write(`page error: ${e.message}\n`));

    // First start: the demo hotel opens by itself.
    await page.goto(url);
    await page.getByTestId("overview-counts").waitFor({ timeout: 20_000 });
    await shot(page, "01-sites");

    let n = 2;
    for (const area of AREAS.slice(1)) {
      await page.getByTestId(`nav-${area}`).click();
      await shot(page, `${String(n++).padStart(2, "0")}-${area}`);
    }

    // People: search, paging, adding a user, and a refusal from the core (KS 1100).
    await page.getByTestId("nav-people").click();
    await page.getByTestId("user-search").fill("a");
    await page.waitForTimeout(500);
    await shot(page, "07-people-search");
    await page.getByTestId("user-search").fill("");
    await page.getByTestId("add-user-first").fill("Ines");
    await page.getByTestId("add-user-last").fill("Vermeulen");
    await page.getByTestId("add-user-email").fill("ines@dockside.example");
    await page.getByTestId("add-user-role").selectOption("site-admin");
    await page.getByTestId("add-user-submit").click();
    await page.getByTestId("add-user-done").waitFor();
    await shot(page, "08-people-added");
    await page.getByTestId("add-user-first").fill("Bad");
    await page.getByTestId("add-user-last").fill("Address");
    await page.getByTestId("add-user-email").fill("bad@example.c");
    await page.getByTestId("add-user-submit").click();
    await page.getByTestId("error-banner").waitFor();
    await shot(page, "09-error-ks");
    await page.getByRole("button", { name: "Dismiss error" }).click();

    // Pods: the wizard, a pod page with guests and their tokens, and the refusal beyond the limit (KS 2221).
    await page.getByTestId("nav-pods").click();
    await page.getByTestId("pods-create").click();
    await page.getByRole("checkbox", { name: "Tom Wouters" }).check();
    await page.getByRole("checkbox", { name: "Sofia Ricci" }).check();
    await page.getByTestId("pod-wizard-member-all-locks").first().click();
    await shot(page, "pods-wizard-members");
    await page.getByTestId("pod-wizard-next").click();
    for (const box of await page.getByTestId("pod-wizard-tag").all()) await box.check();
    await page.getByTestId("pod-wizard-next").click();
    await page.getByTestId("pod-wizard-next").click();
    await page.getByTestId("pod-wizard-name").fill("Studio A");
    await page.getByTestId("pod-wizard-guest-limit").fill("1");
    await page.getByTestId("pod-wizard-next").click();
    await shot(page, "pods-wizard-overview");
    await page.getByTestId("pod-wizard-create").click();
    await page.getByTestId("pod-page").waitFor();
    await page.getByTestId("pod-invite-open").click();
    await page.getByTestId("pod-invite-first-0").fill("Ines");
    await page.getByTestId("pod-invite-last-0").fill("Vos");
    await page.getByTestId("pod-invite-submit").click();
    await page.getByTestId("pod-invite-token").waitFor();
    await shot(page, "pods-page-invited");
    await page.getByTestId("pod-invite-open").click();
    await page.getByTestId("pod-invite-first-0").fill("Kai");
    await page.getByTestId("pod-invite-last-0").fill("Berg");
    await page.getByTestId("pod-invite-submit").click();
    await page.getByTestId("pod-invite-refusal").waitFor();
    await shot(page, "pods-refused-2221");
    await page.getByRole("button", { name: "Dismiss error" }).click();
    await page.getByTestId("pod-back").click();
    await page.getByTestId("pod-row").first().waitFor();
    await shot(page, "pods-list");

    // Sites: a backup, then a file that is not a site.
    await page.getByTestId("nav-sites").click();
    await page.getByTestId("backup-site").click();
    await page.getByTestId("backup-result").waitFor();
    await shot(page, "10-sites-backup");
    if (dataDir) {
      // Plan: the demo hotel's mesh, planned, with range circles; then a repeater or IQ selected.
      await page.getByTestId("nav-plan").click();
      await page.getByTestId("plan-run").click();
      await page.getByTestId("plan-tree-iq").first().waitFor({ timeout: 20_000 });
      await shot(page, "15-plan-planned");
      await page.getByTestId("plan-range-toggle").check();
      await page.locator('[data-testid="plan-tree-iq"] .name').first().click();
      await shot(page, "16-plan-ranges-selected");
      await page.getByTestId("plan-range-toggle").uncheck();
      await page.getByTestId("nav-sites").click();

      const notASite = join(dataDir, "customers.xlsx");
      writeFileSync(notASite, "this is a spreadsheet export, not a site\n");
      await page.getByTestId("open-site-path").fill(notASite);
      await page.getByTestId("open-site-submit").click();
      await page.getByTestId("error-banner").waitFor();
      await shot(page, "11-error-not-lintel");
      await page.getByRole("button", { name: "Dismiss error" }).click();

      // A new site, then its file goes missing: after a reload nothing is open.
      await page.getByTestId("create-site-name").fill("Coworking Dockside");
      await page.getByTestId("create-site-address").fill("Quay 3, Antwerp");
      await page.getByTestId("create-site-submit").click();
      await page.getByTestId("site-name").filter({ hasText: "Coworking Dockside" }).waitFor();
      await shot(page, "12-sites-created");
      const path = await page.getByTestId("recent-site").filter({ hasText: "Coworking Dockside" }).locator(".path").textContent();
      await page.getByTestId("close-site").click();
      if (path) rmSync(path.trim(), { force: true });
      await page.reload();
      await page.getByTestId("recent-site").first().waitFor();
      await shot(page, "13-sites-missing-file");
      await page.getByTestId("nav-plan").click();
      await shot(page, "14-plan-no-site");
    }
  } finally {
    await browser.close();
    await serve?.stop();
    if (ownData) rmSync(ownData, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
