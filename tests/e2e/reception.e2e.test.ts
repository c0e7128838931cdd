import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pageRpc } from "../support/page-rpc.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

/**
 * Reception mode in Chromium on the demo hotel (issue 5): the simulated USB reader is
 * plugged in and chosen as the Tag reader, five new tags are presented to it one after
 * another and given — two to new people, three to people already on the site — with the
 * keyboard only; then the People list and each person's page show them.
 */
const NEW_TAGS = ["0A1B2C01", "0A1B2C02", "0A1B2C03", "0A1B2C04", "0A1B2C05"] as const;

describe("reception mode in Chromium", () => {
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;
  /** Milliseconds from the reader's report reaching the window to the answer painted, per read (reported, not asserted). */
  const shown: number[] = [];

  beforeAll(async () => {
    ui = await openUiSession("reception");
    ({ serve, page } = ui);
  });

  afterAll(async () => {
    if (shown.length) process.stdout.write(`reception: tag shown after ${shown.map((m) => `${m} ms`).join(", ")}\n`);
    await ui?.close();
  });

  /** A tag held against the simulated reader: the same reports a USB reader sends, through the same port. */
  async function presentTag(tagNumber: string): Promise<void> {
    const r = await pageRpc(page, "readers.simulate", { action: "present", tagNumber });
    expect(r.presented?.tagNumber).toBe(tagNumber);
    const result = page.getByTestId("tag-result");
    await expect.poll(() => result.getByTestId("tag-result-number").textContent(), { timeout: 10_000 }).toBe(tagNumber);
    await expect.poll(() => result.textContent()).toMatch(/shown in \d+ ms/);
    const ms = /shown in (\d+) ms/.exec((await result.textContent()) ?? "");
    if (ms) shown.push(Number(ms[1]));
  }

  async function expectGivenTo(name: string): Promise<void> {
    await expect.poll(() => page.getByTestId("tag-result").getAttribute("data-look"), { timeout: 10_000 }).toBe("given");
    expect(await page.getByTestId("tag-result-name").textContent()).toBe(name);
    // Ready for the next tag: the focus is back in the tag box.
    await expect.poll(() => page.locator("*:focus").getAttribute("data-testid", { timeout: 1000 })).toBe("reception-tag-input");
  }

  it("makes an access group for the new people", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");
    await page.getByTestId("nav-people").click();
    await page.getByTestId("people-tab-groups").click();
    await page.getByTestId("group-new-name").fill("Front desk");
    await page.getByTestId("group-new-submit").click();
    await page.getByTestId("group-detail").waitFor();
    await page.getByTestId("group-edit-locks").click();
    await page.getByTestId("group-lock").nth(0).check();
    await page.getByTestId("group-lock").nth(1).check();
    await page.getByTestId("group-save-locks").click();
    await expect.poll(() => page.getByTestId("group-row").textContent()).toContain("2 locks");
  });

  it("offers the site's locks greyed with the reason, and the simulated USB reader once plugged in", async () => {
    await page.getByTestId("nav-reception").click();
    await page.getByTestId("reader-picker").waitFor();
    // The demo hotel's locks are not commissioned yet: none is online, so none can be the Tag reader.
    const locks = page.getByTestId("reader-option-lock");
    await expect.poll(() => locks.count()).toBe(20);
    expect(await locks.evaluateAll((els) => els.filter((e) => e.getAttribute("data-eligible") === "true").length)).toBe(0);
    expect(new Set(await page.getByTestId("reader-refusal").allTextContents())).toEqual(new Set(["Offline"]));
    expect(await locks.first().isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, "reception-reader-picker.png") });

    await page.getByTestId("reader-plug-simulated").click();
    const usb = page.getByTestId("reader-option-usb");
    await usb.waitFor({ timeout: 10_000 });
    expect(await usb.textContent()).toContain("Simulated desk reader");
    await usb.click();
    await page.getByTestId("reader-bar").waitFor();
    expect(await page.getByTestId("reader-bar-name").textContent()).toBe("Simulated desk reader");
    expect(await page.getByTestId("reader-picker").count()).toBe(0);
  });

  it("gives five new tags: two to new people, three to people already on the site, from the keyboard", async () => {
    const [t1, t2, t3, t4, t5] = NEW_TAGS;

    // 1. A new person, with an e-mail and the access group.
    await presentTag(t1);
    await expect.poll(() => page.getByTestId("tag-result-unassigned").textContent()).toContain("Unassigned — assign to…");
    await expect.poll(() => page.locator("*:focus").getAttribute("data-testid", { timeout: 1000 })).toBe("assign-search");
    await page.screenshot({ path: join(SHOTS, "reception-unassigned.png") });
    await page.keyboard.type("Nadia Haddad");
    await expect.poll(() => page.getByTestId("assign-option-new").getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Enter");
    await page.getByTestId("new-person-form").waitFor();
    expect(await page.getByTestId("new-person-first").inputValue()).toBe("Nadia");
    expect(await page.getByTestId("new-person-last").inputValue()).toBe("Haddad");
    await page.getByTestId("new-person-group").check();
    await page.getByTestId("new-person-email").fill("nadia.haddad@aurora-hotel.example");
    await page.screenshot({ path: join(SHOTS, "reception-new-person.png") });
    await page.keyboard.press("Enter");
    await expectGivenTo("Nadia Haddad");
    expect(await page.getByTestId("tag-result").textContent()).toContain("Front desk");

    // 2. Someone already on the site: type, Enter.
    await presentTag(t2);
    await page.keyboard.type("Ahmed");
    await expect.poll(() => page.getByTestId("assign-option").allTextContents()).toEqual([expect.stringContaining("Ahmed Benali")]);
    await page.keyboard.press("Enter");
    await expectGivenTo("Ahmed Benali");

    // 3. A second new person, a Site Super User, without e-mail.
    await presentTag(t3);
    await page.keyboard.type("Pieter Janssens");
    await page.keyboard.press("Enter");
    await page.getByTestId("new-person-form").waitFor();
    await page.getByTestId("new-person-role").selectOption("site-super-user");
    await page.getByTestId("new-person-last").press("Enter");
    await expectGivenTo("Pieter Janssens");

    // 4. and 5. Existing people again; Enter pressed without waiting for the search.
    await presentTag(t4);
    await page.keyboard.type("lea du");
    await page.keyboard.press("Enter");
    await expectGivenTo("Lea Dubois");
    // Lea's new tag replaces one she lost: the old one is blocked at the desk.
    await page.getByTestId("tag-result-report-lost").filter({ hasText: "04A2B9C3" }).click();
    await expect.poll(() => page.getByTestId("tag-result-given").textContent(), { timeout: 10_000 }).toContain("Blocked: 04A2B9C3");
    expect(await page.getByTestId("tag-result-report-lost").count()).toBe(0);

    await presentTag(t5);
    await page.keyboard.type("sofia");
    await page.keyboard.press("Enter");
    await expectGivenTo("Sofia Ricci");

    const entries = page.getByTestId("session-entry");
    expect(await entries.count()).toBe(5);
    const listed = await entries.allTextContents();
    expect(listed[0]).toContain("Sofia Ricci");
    expect(listed[4]).toContain("Nadia Haddad");
    expect(listed.filter((t) => t.includes("New"))).toHaveLength(2);
    expect(await page.getByTestId("session-count").textContent()).toContain("5 tags given");
    await page.screenshot({ path: join(SHOTS, "reception-session.png"), fullPage: true });
  });

  it("shows a known tag's owner, a Master Key with what to do, and a blocked tag", async () => {
    await presentTag("04A2B9C2");
    expect(await page.getByTestId("tag-result").getAttribute("data-look")).toBe("assigned");
    expect(await page.getByTestId("tag-result-name").textContent()).toBe("Jonas Peeters");
    await page.getByTestId("tag-result-master-key").waitFor();
    expect(await page.getByTestId("tag-result-owner").textContent()).toContain("unassign it as Master Key");
    await expect.poll(() => page.getByTestId("tag-result-groups").textContent()).toContain("In no access group");
    await page.screenshot({ path: join(SHOTS, "reception-master-key.png") });

    await presentTag("04A2B9C8");
    await page.getByTestId("tag-result-blocked").waitFor();
    expect(await page.getByTestId("tag-result-blocked").textContent()).toContain("Blocked — reported lost");
    await page.screenshot({ path: join(SHOTS, "reception-blocked.png") });
  });

  it("looks up a number typed by hand, and says so when it is no tag number", async () => {
    await page.getByTestId("reception-tag-input").fill("04a2b9c4");
    await page.getByTestId("reception-tag-input").press("Enter");
    await expect.poll(() => page.getByTestId("tag-result-name").textContent(), { timeout: 10_000 }).toBe("Tom Wouters");
    expect(await page.getByTestId("tag-result").textContent()).toContain("typed");

    await page.getByTestId("reception-tag-input").fill("not a tag!");
    await page.getByTestId("reception-tag-input").press("Enter");
    await page.getByTestId("reception-tag-error").waitFor();
    expect(await page.getByTestId("reception-tag-error").textContent()).toMatch(/tag/i);
  });

  it("reads a reader that only types, telling its burst from a person typing", async () => {
    await page.getByTestId("reader-change").click();
    await page.getByTestId("reader-option-keyboard").click();
    await expect.poll(() => page.getByTestId("reader-bar-name").textContent()).toBe("A reader that types");
    const box = page.getByTestId("reception-tag-input");
    await box.focus();
    // A reader types a whole number and Enter within milliseconds.
    await page.keyboard.type("0A1B2C09", { delay: 0 });
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("tag-result-number").textContent(), { timeout: 10_000 }).toBe("0A1B2C09");
    expect(await page.getByTestId("tag-result").textContent()).toContain("read by the reader");
    await page.keyboard.press("Escape");

    // A person types slowly: looked up as typed.
    await box.focus();
    await page.keyboard.type("04A2B9C1", { delay: 120 });
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("tag-result-name").textContent(), { timeout: 10_000 }).toBe("Maren Claes");
    expect(await page.getByTestId("tag-result").textContent()).toContain("typed");
  });

  it("shows the new tags on the People list and on each person's page", async () => {
    await page.getByTestId("nav-people").click();
    await page.getByTestId("people-tab-people").click();
    await page.getByTestId("user-search").fill("Haddad");
    await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 10_000 }).toBe("1 match");
    await page.getByTestId("user-row").first().click();
    const detail = page.getByTestId("user-detail");
    await expect.poll(() => detail.getByTestId("user-detail-name").textContent()).toBe("Nadia Haddad");
    expect(await detail.getByTestId("user-detail-tag").allTextContents()).toEqual([expect.stringContaining(NEW_TAGS[0])]);
    expect(await detail.getByTestId("user-detail-group").allTextContents()).toEqual([expect.stringContaining("Front desk")]);
    await page.screenshot({ path: join(SHOTS, "people-detail-new.png") });

    for (const [search, name, tag] of [
      ["Ahmed", "Ahmed Benali", NEW_TAGS[1]],
      ["Janssens", "Pieter Janssens", NEW_TAGS[2]],
      ["Ricci", "Sofia Ricci", NEW_TAGS[4]],
      ["Dubois", "Lea Dubois", NEW_TAGS[3]],
    ] as const) {
      await page.getByTestId("user-search").fill(search);
      await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 10_000 }).toBe("1 match");
      await expect.poll(() => page.getByTestId("user-row").first().textContent()).toContain(name.split(" ")[0]);
      await page.getByTestId("user-row").first().click();
      await expect.poll(() => detail.getByTestId("user-detail-name").textContent()).toBe(name);
      await expect.poll(() => detail.getByTestId("user-detail-tag").allTextContents()).toContainEqual(expect.stringContaining(tag));
    }
    // Lea's lost tag is blocked, her new one active.
    expect((await detail.getByTestId("user-detail-tag").allTextContents()).find((t) => t.includes("04A2B9C3"))).toContain("Blocked");
    // Pieter was made a Site Super User at the desk.
    await page.getByTestId("user-search").fill("Janssens");
    await expect.poll(() => page.getByTestId("user-row").first().textContent()).toContain("Site Super User");
    expect(ui.pageErrors).toEqual([]);
  });
});
