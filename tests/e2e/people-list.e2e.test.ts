import { join } from "node:path";
import ExcelJS from "exceljs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

/**
 * The People list with many people (issue 5): 20,000 people imported from a CSV through
 * the Import screen (a file with a bad row first: its problems listed, nothing
 * imported), then the virtual list scrolled end to end — few rows in the page, the
 * scrollbar as tall as everyone — and one person found by search; then 20 more from a
 * workbook with a title above its header.
 */
const PEOPLE = 20_000;
const ROW_HEIGHT = 40;
const FIRST = ["Ada", "Bram", "Chloé", "Dries", "Elif", "Femke", "Gust", "Hanne", "Ilias", "Jana"];

/** Person i is "First Person0000i", so the list (by last name) has person i at row i. */
function csv(rows: number, bad: { line: number; email: string } | null = null): Buffer {
  const lines = ["First name;Last name;E-mail;Tag number"];
  for (let i = 0; i < rows; i++) {
    const last = `Person${String(i).padStart(5, "0")}`;
    const email = bad && bad.line === i + 2 ? bad.email : `p${i}@big-office.example`;
    lines.push(`${FIRST[i % FIRST.length]};${last};${email};${(0x05000000 + i).toString(16).toUpperCase().padStart(8, "0")}`);
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}

describe("the People list with 20,000 people", () => {
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;

  beforeAll(async () => {
    ui = await openUiSession("people-list");
    ({ serve, page } = ui);
  });

  afterAll(() => ui?.close());

  const rowText = (index: number) => page.locator(`[data-testid="user-row"][data-index="${index}"]`).textContent();

  it("lists a file's problems by line, column and reason, and imports nothing", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");
    await page.getByTestId("create-site-name").fill("Big Office");
    await page.getByTestId("create-site-submit").click();
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 10_000 }).toContain("Big Office");

    await page.getByTestId("nav-people").click();
    await page.getByTestId("people-tab-import").click();
    await page.getByTestId("import-file").setInputFiles({ name: "staff.csv", mimeType: "text/csv", buffer: csv(30, { line: 7, email: "not-an-address" }) });
    await page.getByTestId("import-summary").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("import-problem-count").textContent()).toBe("1");
    const problem = (await page.getByTestId("import-problem").allTextContents()).join("\n");
    expect(problem).toMatch(/^7/);
    expect(problem).toMatch(/e-mail/i);
    expect(await page.getByTestId("import-commit").isDisabled()).toBe(true);
    // The guessed mapping: names, e-mail and tags, each column once.
    expect(await page.getByTestId("import-column-field").evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(["firstName", "lastName", "email", "tags"]);
    await page.screenshot({ path: join(SHOTS, "people-import-problems.png"), fullPage: true });
  });

  it(`imports ${PEOPLE.toLocaleString("en")} people from a CSV`, { timeout: 120_000 }, async () => {
    await page.getByTestId("import-file").setInputFiles({ name: "staff.csv", mimeType: "text/csv", buffer: csv(PEOPLE) });
    await expect.poll(() => page.getByTestId("import-problem-count").textContent(), { timeout: 60_000 }).toBe("0");
    expect(await page.getByTestId("import-summary").textContent()).toContain(PEOPLE.toLocaleString("en"));
    expect(await page.getByTestId("import-preview-row").count()).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, "people-import-preview.png") });
    await page.getByTestId("import-commit").click();
    await page.getByTestId("import-done").waitFor({ timeout: 100_000 });
    expect(await page.getByTestId("import-done").textContent()).toContain(`Imported ${PEOPLE.toLocaleString("en")} people`);
  });

  it("scrolls the virtual list end to end with only the rows in view in the page", { timeout: 60_000 }, async () => {
    await page.getByTestId("people-tab-people").click();
    await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 15_000 }).toBe(`${PEOPLE.toLocaleString("en")} people`);
    const scroller = page.getByTestId("people-scroller");
    // The scrollbar is as tall as everyone…
    expect(await scroller.evaluate((el) => el.scrollHeight)).toBe(PEOPLE * ROW_HEIGHT);
    await expect.poll(() => rowText(0)).toContain("Person00000");

    // …but the page holds only what is in view and a few rows either side.
    const inPage = () => page.getByTestId("user-row").count();
    expect(await inPage()).toBeLessThan(60);

    // To the middle, then the very end: the rows there are fetched and shown.
    await scroller.evaluate((el) => (el.scrollTop = 10_000 * 40));
    await expect.poll(() => rowText(10_000), { timeout: 10_000 }).toContain("Person10000");
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => rowText(PEOPLE - 1), { timeout: 10_000 }).toContain(`Person${PEOPLE - 1}`);
    expect(await inPage()).toBeLessThan(60);
    await page.screenshot({ path: join(SHOTS, "people-list-end.png") });

    // The keyboard: Home goes back to the first person, Enter opens them.
    await scroller.focus();
    await page.keyboard.press("Home");
    await expect.poll(() => rowText(0), { timeout: 10_000 }).toContain("Person00000");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("user-detail-name").textContent(), { timeout: 10_000 }).toBe("Bram Person00001");
  });

  it("finds one person among them by search and shows their tag", async () => {
    await page.getByTestId("user-search").fill("person12345");
    await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 10_000 }).toBe("1 match");
    expect(await page.getByTestId("people-scroller").evaluate((el) => el.scrollHeight <= el.clientHeight)).toBe(true);
    await expect.poll(() => rowText(0)).toContain("Person12345");
    await page.getByTestId("user-row").first().click();
    await expect.poll(() => page.getByTestId("user-detail-name").textContent()).toBe("Femke Person12345");
    expect(await page.getByTestId("user-detail-tag").allTextContents()).toEqual([expect.stringContaining((0x05000000 + 12345).toString(16).toUpperCase())]);
    await page.screenshot({ path: join(SHOTS, "people-search-detail.png") });
    expect(ui.pageErrors).toEqual([]);
  });

  it("imports a workbook whose header sits below a title merged across its columns", { timeout: 60_000 }, async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Staff");
    ws.getCell("A1").value = "Big Office: new staff, November 2026";
    ws.mergeCells("A1:D1");
    ws.getRow(3).values = ["First name", "Last name", "E-mail", "Tag number"];
    for (let i = 0; i < 20; i++) {
      const email = `new${i}@big-office.example`;
      ws.getRow(4 + i).values = [FIRST[i % FIRST.length]!, `Newcomer${String(i).padStart(2, "0")}`, { text: email, hyperlink: `mailto:${email}` }, (0x06000000 + i).toString(16).toUpperCase()];
    }
    const buffer = Buffer.from(await wb.xlsx.writeBuffer());
    await page.getByTestId("people-tab-import").click();
    await page.getByTestId("import-file").setInputFiles({ name: "new-staff.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer });
    await expect.poll(() => page.getByTestId("import-problem-count").textContent(), { timeout: 20_000 }).toBe("0");
    expect(await page.getByTestId("import-column-field").evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(["firstName", "lastName", "email", "tags"]);
    expect(await page.getByTestId("import-summary").textContent()).toContain("20");
    expect(await page.getByTestId("import-header-line").textContent()).toContain("The header is on row 3");
    expect(await page.getByTestId("import-preview-row").first().textContent()).toContain("new0@big-office.example");
    await page.screenshot({ path: join(SHOTS, "people-import-xlsx-title.png"), fullPage: true });
    await page.getByTestId("import-commit").click();
    await page.getByTestId("import-done").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("import-done").textContent()).toContain("Imported 20 people");
    await page.getByTestId("people-tab-people").click();
    await page.getByTestId("user-search").fill("newcomer");
    await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 15_000 }).toBe("20 matches");
    await page.getByTestId("user-search").fill("");
    await expect.poll(() => page.getByTestId("users-total").textContent(), { timeout: 15_000 }).toBe(`${(PEOPLE + 20).toLocaleString("en")} people`);
    expect(ui.pageErrors).toEqual([]);
  });
});
