import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

/**
 * 30 doors on two 50 × 20 m floors: three clusters of five per floor, 18 m apart.
 * With one IQ place in the middle of each floor the planner needs repeaters to reach
 * the outer clusters.
 */
function doorsCsv(): string {
  const rows = ["door,floor,level,x,y,kind"];
  const offsets = [
    [0, 0],
    [1.5, 0],
    [-1.5, 0],
    [0, 1.5],
    [0, -1.5],
  ] as const;
  const kinds = ["escutcheon", "escutcheon", "cylinder", "escutcheon", "wall-reader"] as const;
  for (const [floor, level, prefix, cy] of [
    ["Ground floor", 0, "G", 6],
    ["First floor", 1, "1", 12],
  ] as const) {
    for (let c = 0; c < 3; c++) {
      offsets.forEach(([dx, dy], i) => {
        rows.push(`${prefix}.${c + 1}${i + 1},${floor},${level},${6 + c * 18 + dx},${cy + dy},${kinds[i]}`);
      });
    }
  }
  return `${rows.join("\n")}\n`;
}

/** Where a point in metres of the shown floor is on the screen. */
async function screenOf(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.getByTestId("plan-map").evaluate(
    (el, p) => {
      const ctm = (el as unknown as { getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null }).getScreenCTM();
      if (!ctm) throw new Error("the map has no screen transform");
      return { x: ctm.a * p.x + ctm.c * p.y + ctm.e, y: ctm.b * p.x + ctm.d * p.y + ctm.f };
    },
    { x, y },
  );
}

async function scrollToTop(page: Page): Promise<void> {
  await page.locator("main").evaluate((m: unknown) => (m as { scrollTo(o: { top: number }): void }).scrollTo({ top: 0 }));
}

/** Scroll the app's main area (only it: the shell around it does not scroll) so an element's top is in view. */
async function scrollMainTo(page: Page, testid: string): Promise<void> {
  await page.evaluate(`(() => {
    const main = document.querySelector("main");
    const el = document.querySelector('[data-testid="${testid}"]');
    if (main && el) main.scrollTop += el.getBoundingClientRect().top - main.getBoundingClientRect().top - 60;
  })()`);
}

/** Centre of an element on screen. */
async function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

describe("the Plan screen in Chromium", () => {
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;

  beforeAll(async () => {
    ui = await openUiSession("plan", { acceptDownloads: true });
    ({ serve, page } = ui);
  });

  afterAll(() => ui?.close());

  it("imports doors, refusing a broken CSV row by row", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");
    await page.getByTestId("nav-sites").click();
    await page.getByTestId("create-site-name").fill("Dockside Offices");
    await page.getByTestId("create-site-submit").click();
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 10_000 }).toContain("Dockside Offices");

    await page.getByTestId("nav-plan").click();
    await page.getByTestId("plan-import-format").selectOption("csv");
    await page.getByTestId("plan-import-text").fill("door,floor,x,y\nA1,Ground floor,4,abc\n,Ground floor,5,5\n");
    await page.getByTestId("plan-import-submit").click();
    await page.getByTestId("plan-import-errors").waitFor();
    expect(await page.getByTestId("plan-import-result").getAttribute("data-ok")).toBe("false");
    const errors = await page.getByTestId("plan-import-errors").locator("tbody tr").count();
    expect(errors).toBeGreaterThanOrEqual(2);
    await shot(page, "plan-01-import-errors");

    await page.getByTestId("plan-import-text").fill(doorsCsv());
    await page.getByTestId("plan-import-submit").click();
    await expect.poll(() => page.getByTestId("plan-import-result").textContent(), { timeout: 10_000 }).toMatch(/30 doors/);
    await expect.poll(() => page.getByTestId("plan-door").count(), { timeout: 10_000 }).toBe(15);
    await shot(page, "plan-02-imported");
  }, 60_000);

  it("marks an IQ place per floor, plans the mesh and shows it on the map and as a tree", async () => {
    await page.getByTestId("floor-place-iq-site").click();
    let p = await screenOf(page, 24, 10);
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => page.getByTestId("plan-iq-site").count()).toBe(1);
    await page.getByTestId("plan-floor-tab").nth(1).click();
    p = await screenOf(page, 24, 10);
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => page.getByTestId("plan-iq-site").count()).toBe(1);
    await page.getByTestId("floor-place-iq-site").click(); // back to select
    await page.getByTestId("plan-floor-tab").nth(0).click();

    await page.getByTestId("plan-run").click();
    await page.getByTestId("plan-progress").waitFor({ timeout: 5_000 });
    await expect.poll(() => page.getByTestId("plan-tree-iq").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId("plan-progress").getAttribute("data-phase")).toBe("done");
    expect(await page.getByTestId("plan-violation").count()).toBe(0);

    const tree = (await page.getByTestId("plan-tree").textContent()) ?? "";
    expect(tree).toMatch(/\d+\/16 locks/);
    expect(tree).toMatch(/\d+\/6 repeaters/);
    expect(tree).toContain("G.11");
    await expect.poll(() => page.getByTestId("plan-bom").textContent(), { timeout: 5_000 }).toMatch(/IQ\s*Network\s*\d/);
    await page.getByTestId("plan-floor-tab").nth(1).click();
    await page.getByTestId("plan-range-toggle").check();
    await shot(page, "plan-03-planned");
    await page.getByTestId("plan-floor-tab").nth(0).click();
    await shot(page, "plan-03b-planned-ground");
    await page.getByTestId("plan-range-toggle").uncheck();
    await scrollMainTo(page, "plan-bom");
    await shot(page, "plan-04-diff-bom");
    await page.getByTestId("plan-map").scrollIntoViewIfNeeded();
  }, 60_000);

  it("drags a repeater out of range and sees the hop-range violation live", async () => {
    await scrollToTop(page);
    // The floor that has a repeater (or, failing that, an IQ) on it.
    const onSomeFloor = async (kind: string): Promise<boolean> => {
      for (let tab = 0; tab < 2; tab++) {
        await page.getByTestId("plan-floor-tab").nth(tab).click();
        if ((await page.getByTestId(kind).count()) > 0) return true;
      }
      return false;
    };
    const testid = (await onSomeFloor("plan-repeater")) ? "plan-repeater" : (await onSomeFloor("plan-iq")) ? "plan-iq" : null;
    if (!testid) throw new Error("the plan shows no repeater and no IQ on any floor");
    const id = await page.getByTestId(testid).first().getAttribute("data-id");
    const from = await centre(page, `[data-testid="${testid}"][data-id="${id}"] .device-shape`);
    // To the floor's corner farthest from it: 24 m or more from anything it hangs on.
    const corners = [await screenOf(page, 0.5, 0.5), await screenOf(page, 48, 0.5)];
    const to = corners.sort((a, b) => Math.hypot(b.x - from.x, b.y - from.y) - Math.hypot(a.x - from.x, a.y - from.y))[0]!;
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();

    await expect.poll(() => page.locator('[data-testid="plan-violation"][data-rule="hop-range"]').count(), { timeout: 5_000 }).toBeGreaterThan(0);
    await page.getByTestId("plan-save").waitFor();
    const ms = (await page.getByTestId("plan-check-ms").textContent()) ?? "";
    expect(ms).toMatch(/checked in [\d.]+ ms/);
    expect(await page.locator(`[data-testid="plan-tree-repeater"].bad, [data-testid="plan-tree-iq"].bad`).count()).toBeGreaterThan(0);
    await shot(page, "plan-05-violation");

    // Drag a lock in the tree onto another IQ: it hangs there now, and the selection panel says so.
    const lockRow = page.getByTestId("plan-tree-lock").first();
    const doorId = await lockRow.getAttribute("data-id");
    const targetIq = page.getByTestId("plan-tree-iq").last();
    const targetId = await targetIq.getAttribute("data-id");
    await scrollMainTo(page, "plan-tree");
    await lockRow.dragTo(targetIq);
    await page.locator(`[data-testid="plan-tree-lock"][data-id="${doorId}"] .name`).click();
    await page.getByTestId("plan-parent-select").waitFor();
    expect(await page.getByTestId("plan-parent-select").inputValue()).toBe(targetId);
    await scrollToTop(page);
    await shot(page, "plan-06-selected-door");

    // Save the edited plan: what changed is said, and it is stored with its violations.
    await page.getByTestId("plan-save").click();
    await expect.poll(() => page.getByTestId("plan-edit-bar").count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('[data-testid="plan-violation"][data-rule="hop-range"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId("plan-diff").getAttribute("data-has-previous")).toBe("true");
    await scrollMainTo(page, "plan-bom");
    await shot(page, "plan-06b-saved-diff");
  }, 60_000);

  it("exports the bill of materials as CSV and PDF", async () => {
    await page.getByTestId("plan-bom").scrollIntoViewIfNeeded();
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("plan-bom-csv").click()]);
    const csvText = readFileSync(await csv.path(), "utf8");
    expect(csvText).toContain("item,kind,quantity");
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);

    const [pdf] = await Promise.all([page.waitForEvent("download", { timeout: 15_000 }), page.getByTestId("plan-bom-pdf").click()]);
    expect(readFileSync(await pdf.path()).subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
  }, 60_000);

  it("adds a floor, uploads its drawing, sets the scale by two clicks and places a door", async () => {
    await page.getByTestId("floor-add-name").scrollIntoViewIfNeeded();
    await page.getByTestId("floor-add-name").fill("Annex");
    await page.getByTestId("floor-add-level").fill("-1");
    await page.getByTestId("floor-add-width").fill("30");
    await page.getByTestId("floor-add-depth").fill("20");
    await page.getByTestId("floor-add-submit").click();
    await expect.poll(() => page.getByTestId("plan-floor-tab").count(), { timeout: 10_000 }).toBe(3);

    // A drawing of 600 × 400 px whose two marks are 500 px apart and 25 m apart really (0.05 m/px).
    const png = await page.evaluate<string>(`(() => {
      const c = document.createElement("canvas");
      c.width = 600;
      c.height = 400;
      const g = c.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, 600, 400);
      g.strokeStyle = "#555";
      g.lineWidth = 6;
      g.strokeRect(20, 20, 560, 360);
      g.lineWidth = 3;
      g.beginPath();
      g.moveTo(300, 20);
      g.lineTo(300, 250);
      g.moveTo(20, 200);
      g.lineTo(240, 200);
      g.stroke();
      g.fillStyle = "#c00";
      g.fillRect(45, 345, 10, 10);
      g.fillRect(545, 345, 10, 10);
      return c.toDataURL("image/png").split(",")[1];
    })()`);
    await scrollToTop(page);
    await page.getByTestId("floor-image-input").setInputFiles({ name: "annex.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
    await expect.poll(() => page.locator('[data-testid="plan-map"] image').count(), { timeout: 10_000 }).toBe(1);

    // Uploaded at 30 m / 600 px = 0.05 m/px: the marks at 50 px and 550 px are at 2.5 m and 27.5 m.
    await page.getByTestId("floor-set-scale").click();
    let p = await screenOf(page, 2.5, 17.5);
    await page.mouse.click(p.x, p.y);
    p = await screenOf(page, 27.5, 17.5);
    await page.mouse.click(p.x, p.y);
    await page.getByTestId("floor-scale-distance").fill("20");
    await shot(page, "plan-07-scale");
    await page.getByTestId("floor-scale-apply").click();
    await expect.poll(() => page.getByTestId("floor-fit").count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId("floor-fit").textContent()).toContain("24 × 16");

    await page.getByTestId("floor-place-door").click();
    await page.getByTestId("floor-door-name").fill("Plant room");
    p = await screenOf(page, 10, 5);
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => page.getByTestId("plan-door").count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId("floor-place-door").click();
    await shot(page, "plan-08-placed-door");
    expect(ui.pageErrors).toEqual([]);
  }, 60_000);
});
