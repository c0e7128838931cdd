import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

describe("lintel serve in Chromium", () => {
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;

  beforeAll(async () => {
    ui = await openUiSession("sites");
    ({ serve, page } = ui);
  });

  afterAll(() => ui?.close());

  it("opens the demo hotel on a first start", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");
    await expect.poll(() => page.getByTestId("overview-counts").textContent()).toMatch(/20\s*doors?/i);
    await page.screenshot({ path: join(SHOTS, "e2e-first-start.png") });
  });

  it("creates a site, and after a reload finds it persisted and open", async () => {
    await page.getByTestId("nav-sites").click();
    await page.getByTestId("create-site-name").fill("Coworking Dockside");
    await page.getByTestId("create-site-address").fill("Quay 3, Antwerp");
    await page.getByTestId("create-site-submit").click();
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 10_000 }).toContain("Coworking Dockside");

    await page.reload();
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Coworking Dockside");
    await page.getByTestId("nav-sites").click();
    const names = await page.getByTestId("recent-site").allTextContents();
    expect(names.join("\n")).toContain("Coworking Dockside");
    expect(names.join("\n")).toContain("Hotel Aurora");
    await page.screenshot({ path: join(SHOTS, "e2e-after-reload.png") });
  });

  it("adds a user that the people list then finds", async () => {
    await page.getByTestId("nav-people").click();
    await page.getByTestId("add-user-first").fill("Ines");
    await page.getByTestId("add-user-last").fill("Vermeulen");
    await page.getByTestId("add-user-email").fill("ines@dockside.example");
    await page.getByTestId("add-user-submit").click();
    await page.getByTestId("user-search").fill("Verm");
    await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 10_000 }).toMatch(/\b1\b/);
    await page.screenshot({ path: join(SHOTS, "e2e-people.png") });
  });
});
