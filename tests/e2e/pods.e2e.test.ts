import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

/**
 * Pods in Chromium on the demo hotel (issue 6): a pod with two members and three tags
 * made through the wizard, guests invited up to the limit, and the refusal beyond it.
 */
describe("pods in Chromium", () => {
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;

  beforeAll(async () => {
    ui = await openUiSession("pods");
    ({ serve, page } = ui);
  });

  afterAll(() => ui?.close());

  it("creates a pod with two members and three tags through the wizard", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");
    await page.getByTestId("nav-pods").click();
    await page.getByTestId("pods-create").click();

    // 1. Members: Tom keeps his own tag, Sofia gets none; both may use every lock.
    await page.getByTestId("pod-wizard-step-members").waitFor();
    await page.getByRole("checkbox", { name: "Tom Wouters" }).check();
    await page.getByRole("checkbox", { name: "Sofia Ricci" }).check();
    const members = page.getByTestId("pod-wizard-member");
    await expect.poll(() => members.count()).toBe(2);
    await members.nth(0).getByTestId("pod-wizard-member-tag").selectOption({ label: "04A2B9C4 (their own tag)" });
    await members.nth(0).getByTestId("pod-wizard-member-all-locks").click();
    await members.nth(1).getByTestId("pod-wizard-member-all-locks").click();
    await page.screenshot({ path: join(SHOTS, "pods-wizard-members.png"), fullPage: true });
    await page.getByTestId("pod-wizard-next").click();

    // 2. The two unassigned site tags go to the pod, for guests.
    await page.getByTestId("pod-wizard-step-tags").waitFor();
    const tags = page.getByTestId("pod-wizard-tag");
    expect(await tags.count()).toBe(2);
    await tags.nth(0).check();
    await tags.nth(1).check();
    await page.getByTestId("pod-wizard-next").click();

    // 3. Timeframe: weekdays 08:00-18:00 as proposed. 4. Name.
    await page.getByTestId("pod-wizard-step-timeframe").waitFor();
    await page.getByTestId("pod-wizard-next").click();
    await page.getByTestId("pod-wizard-name").fill("Studio A");
    await page.getByTestId("pod-wizard-next").click();

    // 5. Overview, then create.
    await page.getByTestId("pod-wizard-step-overview").waitFor();
    expect(await page.getByTestId("pod-wizard-step-overview").textContent()).toContain("3 tags");
    await page.screenshot({ path: join(SHOTS, "pods-wizard-overview.png") });
    await page.getByTestId("pod-wizard-create").click();

    await page.getByTestId("pod-page").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("pod-name").textContent()).toBe("Studio A");
    expect(await page.getByTestId("pod-member-row").count()).toBe(2);
    expect(await page.getByTestId("pod-tags-assigned").getByTestId("pod-tag").allTextContents()).toEqual([expect.stringContaining("04A2B9C4")]);
    expect(await page.getByTestId("pod-tags-unassigned").getByTestId("pod-tag").count()).toBe(2);
  });

  it("sets a guest limit of 2 and invites two guests, showing their tokens once", async () => {
    await page.getByTestId("pod-guest-limit").fill("2");
    await page.getByTestId("pod-guest-limit-save").click();
    await expect.poll(() => page.getByTestId("pod-guest-count").textContent()).toContain("0 of 2");

    await page.getByTestId("pod-invite-open").click();
    await page.getByTestId("pod-invite-first-0").fill("Ines");
    await page.getByTestId("pod-invite-last-0").fill("Vos");
    await page.getByTestId("pod-invite-tag-0").selectOption({ index: 1 });
    await page.getByTestId("pod-invite-add-row").click();
    await page.getByTestId("pod-invite-first-1").fill("Kai");
    await page.getByTestId("pod-invite-last-1").fill("Berg");
    await page.getByTestId("pod-invite-timeframe-checkin").fill("2026-11-26T15:00");
    await page.getByTestId("pod-invite-timeframe-checkout").fill("2026-11-28T11:00");
    await page.screenshot({ path: join(SHOTS, "pods-invite-form.png"), fullPage: true });
    await page.getByTestId("pod-invite-submit").click();

    await page.getByTestId("pod-invite-token").waitFor({ timeout: 10_000 });
    const tokens = await page.getByTestId("pod-invite-token-value").allTextContents();
    expect(tokens).toHaveLength(2);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect.poll(() => page.getByTestId("pod-guest-row").count()).toBe(2);
    const rows = await page.getByTestId("pod-guest-row").allTextContents();
    expect(rows.join("\n")).toContain("Ines Vos");
    expect(rows.join("\n")).toContain("Invited");
    expect(await page.getByTestId("pod-tags-assigned").textContent()).toContain("Ines Vos (guest)");
    await page.screenshot({ path: join(SHOTS, "pods-invited.png"), fullPage: true });

    // The tokens are shown once: hiding them leaves no way back to them.
    await page.getByTestId("pod-invite-token-done").click();
    expect(await page.getByTestId("pod-invite-token").count()).toBe(0);
  });

  it("refuses a third guest with KS 2221 in words, inviting none", async () => {
    await page.getByTestId("pod-invite-open").click();
    await page.getByTestId("pod-invite-first-0").fill("Noor");
    await page.getByTestId("pod-invite-last-0").fill("Jansen");
    await page.getByTestId("pod-invite-submit").click();

    const refusal = page.getByTestId("pod-invite-refusal");
    await refusal.waitFor({ timeout: 10_000 });
    expect(await refusal.textContent()).toContain("KS 2221 · Can not add all guests. Max guest amount reached for pod.");
    await page.getByTestId("error-banner").waitFor();
    expect(await page.getByTestId("error-banner").textContent()).toContain("KS 2221");
    expect(await page.getByTestId("pod-guest-row").count()).toBe(2);
    expect(await page.getByTestId("pod-invite-token").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "pods-refused-2221.png"), fullPage: true });
  });

  it("refuses a guest limit below the guests the pod has (KS 2219)", async () => {
    await page.getByRole("button", { name: "Dismiss error" }).click();
    await page.getByTestId("pod-invite-cancel").click();
    await page.getByTestId("pod-guest-limit").fill("1");
    await page.getByTestId("pod-guest-limit-save").click();
    const refusal = page.getByTestId("pod-guest-limit-refusal");
    await refusal.waitFor({ timeout: 10_000 });
    expect(await refusal.textContent()).toContain("KS 2219");
    await page.screenshot({ path: join(SHOTS, "pods-refused-2219.png") });
  });

  it("lists the pod with its members, guests and tags", async () => {
    await page.getByRole("button", { name: "Dismiss error" }).click();
    await page.getByTestId("pod-back").click();
    const row = page.getByTestId("pod-row");
    await expect.poll(() => row.count()).toBe(1);
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("Studio A");
    expect(text).toMatch(/2\s*\/\s*2/);
    await page.screenshot({ path: join(SHOTS, "pods-list.png") });
    expect(ui.pageErrors).toEqual([]);
  });

  it("shows the core's refusal at the wizard step it concerns (KS 2215 at Members)", async () => {
    await page.getByTestId("pods-create").click();
    await page.getByRole("checkbox", { name: "Ahmed Benali" }).check();
    for (let i = 0; i < 3; i++) await page.getByTestId("pod-wizard-next").click();
    await page.getByTestId("pod-wizard-name").fill("Studio B");
    await page.getByTestId("pod-wizard-next").click();
    await page.getByTestId("pod-wizard-create").click();
    const refusal = page.getByTestId("pod-wizard-refusal");
    await refusal.waitFor({ timeout: 10_000 });
    expect(await refusal.textContent()).toContain("KS 2215 · At least one Pod Member must have an email.");
    expect(await page.getByTestId("pod-wizard-step-members").count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "pods-wizard-refused-2215.png") });
    expect(ui.pageErrors).toEqual([]);
  });
});
