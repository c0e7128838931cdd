import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { RPC_PATH, SESSION_COOKIE } from "../../core/api/wire.ts";
import { demoWifi } from "../../core/demo/demo-fleet.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

/**
 * Commissioning a two-IQ site in Chromium against `lintel serve` with the simulated
 * IQs (issue 4): switch them on, then for each planned IQ scan, pick, blink, start with
 * the code from its label, set the network (Wi-Fi on the first, the shared Wi-Fi with
 * one click on the second), read the stickers, attach, test every door, and find the
 * as-built tree equal to the plan. Then the refusals of delete (2209) and replace (2206).
 *
 * The simulated IQs run on real timers sped up 20× (LINTEL_SIM_TIME_SCALE, read by the
 * serve process for the simulator only), so the simulated minutes of a real site take
 * seconds here.
 */

const { passphrase: OFFICE_PASSPHRASE, ssid: OFFICE } = demoWifi()[0]!;

/** One procedure over the serve process's WebSocket, as the page would call it (to set up the plan). */
async function rpc<T>(openUrl: string, name: string, input: unknown): Promise<T> {
  const url = new URL(openUrl);
  const token = url.searchParams.get("token") ?? "";
  const ws = new WebSocket(`ws://${url.host}${RPC_PATH}`, { headers: { Cookie: `${SESSION_COOKIE}=${token}`, Origin: `http://${url.host}` } });
  try {
    await new Promise<void>((ok, fail) => {
      ws.once("open", () => ok());
      ws.once("error", fail);
    });
    return await new Promise<T>((ok, fail) => {
      ws.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { t: string; id?: number; ok?: boolean; output?: T; error?: { message: string } };
        if (frame.t !== "result" || frame.id !== 1) return;
        if (frame.ok) ok(frame.output as T);
        else fail(new Error(`${name}: ${frame.error?.message}`));
      });
      ws.send(JSON.stringify({ t: "call", id: 1, name, input }));
    });
  } finally {
    ws.close();
  }
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

describe("commissioning a two-IQ site in Chromium with simulated IQs", { timeout: 60_000 }, () => {
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;
  const before = process.env.LINTEL_SIM_TIME_SCALE;
  const beforeSim = process.env.LINTEL_SIMULATED_IQS;

  beforeAll(async () => {
    process.env.LINTEL_SIM_TIME_SCALE = "20";
    // Without a radio the app would start on the simulated IQs; start on real Bluetooth
    // to see how its absence is explained and how the switch is found.
    process.env.LINTEL_SIMULATED_IQS = "0";
    ui = await openUiSession("commission");
    ({ serve, page } = ui);
  });

  afterAll(async () => {
    await ui?.close();
    if (before === undefined) delete process.env.LINTEL_SIM_TIME_SCALE;
    else process.env.LINTEL_SIM_TIME_SCALE = before;
    if (beforeSim === undefined) delete process.env.LINTEL_SIMULATED_IQS;
    else process.env.LINTEL_SIMULATED_IQS = beforeSim;
  });

  it("says why real Bluetooth is unavailable and switches the simulated IQs on", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");

    // The demo hotel's two floors, one IQ each: IQ1 with two repeaters, IQ2 with one.
    const { siteId } = await rpc<{ siteId: string }>(serve.openUrl, "sites.openDemo", {});
    const doors = await rpc<{ door: { id: string; floorId: string; x: number; y: number } }[]>(serve.openUrl, "doors.list", { siteId });
    const floors = [...new Set(doors.map((d) => d.door.floorId))];
    const on = (f: string) => doors.filter((d) => d.door.floorId === f).map((d) => d.door);
    const ground = on(floors[0]!);
    const first = on(floors[1]!);
    await rpc(serve.openUrl, "plan.save", {
      siteId,
      label: "Two IQs",
      plan: {
        format: "lintel-plan/1",
        iqs: [
          { id: "IQ1", floor: floors[0], x: 24, y: 8 },
          { id: "IQ2", floor: floors[1], x: 24, y: 8 },
        ],
        repeaters: [
          { id: "R1", floor: floors[0], x: 14, y: 8, parent: "IQ1" },
          { id: "R2", floor: floors[0], x: 34, y: 8, parent: "IQ1" },
          { id: "R3", floor: floors[1], x: 20, y: 8, parent: "IQ2" },
        ],
        locks: [...ground.map((d) => ({ door: d.id, parent: d.x < 24 ? "R1" : "R2" })), ...first.map((d) => ({ door: d.id, parent: "R3" }))],
        cost: 3.5,
      },
    });

    await page.getByTestId("nav-commission").click();
    await expect.poll(() => page.getByTestId("ble-state").textContent(), { timeout: 10_000 }).toBe("Bluetooth unavailable");
    expect(await page.getByTestId("ble-message").textContent()).toMatch(/no Bluetooth adapter.*\(.+\)/);
    expect(await page.getByTestId("scan-card").textContent()).toContain("Switch on the simulated IQs");
    await expect.poll(() => page.getByTestId("planned-iq").count()).toBe(2);
    await shot(page, "commission-unavailable");

    await page.getByRole("switch", { name: /Simulated IQs/ }).check();
    await expect.poll(() => page.getByTestId("ble-state").textContent()).toContain("Simulated IQs on the air");
    await expect.poll(() => page.locator("nav").textContent()).toContain("Bluetooth simulated");
    expect(await page.getByTestId("ble-scan").isEnabled()).toBe(true);
  });

  for (const [i, planned] of (["IQ1", "IQ2"] as const).entries()) {
    it(`commissions ${planned} from scan to every door tested`, async () => {
      // The label on the box: serial and activation code.
      await page.getByTestId("ble-labels-toggle").click();
      const label = page.getByTestId("ble-label").nth(i);
      const serial = ((await label.locator("td").first().textContent()) ?? "").trim().replace(/^IQ-/, "");
      const code = ((await label.getByTestId("ble-label-code").textContent()) ?? "").trim();
      expect(serial).toMatch(/^SN24A000\d$/);
      await page.getByTestId("ble-labels-toggle").click();

      // Scan: every simulated IQ, strongest first, with its signal.
      await page.getByTestId("ble-scan").click();
      await expect.poll(() => page.getByTestId("scan-row").count(), { timeout: 10_000 }).toBe(4);
      await expect.poll(() => page.getByTestId("ble-scan").textContent()).toContain("Scan again");
      const row = page.locator(`[data-testid="scan-row"][data-serial="${serial}"]`);
      expect(await row.getByTestId("rssi").textContent()).toMatch(/-\d+ dBm/);
      if (i === 0) await shot(page, "commission-scan");

      // Pick, blink with the code, say which planned IQ it is, start.
      await row.getByTestId("scan-pick").click();
      await page.getByTestId("scan-code").fill(code);
      await page.getByTestId("scan-blink").click();
      await page.getByTestId("scan-blink-ok").waitFor({ timeout: 10_000 });
      await page.getByTestId("scan-planned").selectOption(planned);
      // The first becomes the demo's placed (not yet commissioned) ground-floor IQ; the second a new IQ.
      if (i === 0) await page.getByTestId("scan-as-iq").selectOption({ label: "IQ ground floor (placed in the site, not commissioned yet)" });
      if (i === 0) await shot(page, "commission-scan-picked");
      await page.getByTestId("scan-start").click();

      // Connect, code, identify run by themselves; the wizard stops at the network.
      await page.getByTestId("wizard").waitFor();
      expect(await page.getByTestId("wizard-title").textContent()).toBe(i === 0 ? "IQ ground floor" : "IQ2");
      const panel = page.getByTestId("wizard-panel");
      await expect.poll(() => panel.getAttribute("data-step"), { timeout: 20_000 }).toBe("network");
      await expect.poll(() => panel.getAttribute("data-status")).toBe("needs-input");
      await expect.poll(() => page.getByTestId("identity-serial").textContent()).toBe(serial);
      const steps = await page.getByTestId("wizard-step").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-step")}:${e.getAttribute("data-state")}`));
      expect(steps.slice(0, 4)).toEqual(["discover:done", "authenticate:done", "identify:done", "network:waiting"]);

      if (i === 0) {
        // Wi-Fi from the networks the IQ sees, with the passphrase typed once.
        expect(await page.getByTestId("net-shared").count()).toBe(0);
        await page.getByTestId("net-tab-wifi").click();
        await page.getByTestId("net-wifi-scan").click();
        await page.locator(`[data-testid="net-wifi-row"][data-ssid="${OFFICE}"]`).click();
        await page.getByTestId("net-wifi-pass").fill(OFFICE_PASSPHRASE);
        await shot(page, "commission-wizard-network-wifi");
        await page.getByTestId("net-apply").click();
      } else {
        // The second IQ is offered the first one's Wi-Fi: one click.
        const shared = page.locator(`[data-testid="net-shared-use"][data-ssid="${OFFICE}"]`);
        await shared.waitFor();
        expect(await shared.textContent()).toContain("joined by IQ ground floor");
        await shot(page, "commission-wizard-network-shared");
        await shared.click();
      }

      // Network and cloud check, then the Device IDs from the stickers.
      await page.getByTestId("step-devices").waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("wizard-identity").textContent()).toContain(`Wi-Fi “${OFFICE}”`);
      const devices = await page.getByTestId("devices-row").count();
      expect(devices).toBe(i === 0 ? 12 : 11);
      await page.getByTestId("devices-fill-sim").click();
      const ids = await page.getByTestId("devices-id").evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
      expect(ids.every((id) => /^[0-9A-F]{12}$/.test(id))).toBe(true);
      if (i === 0) await shot(page, "commission-wizard-devices");
      await page.getByTestId("devices-attach").click();

      // Attached; the door tests wait for a go from someone near the doors.
      await page.getByTestId("wizard-ready-test").waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("results-attached").textContent()).toBe(`${devices}/${devices}`);
      await page.getByTestId("wizard-test").click();
      await page.getByTestId("wizard-done").waitFor({ timeout: 30_000 });

      // Every door opened, each with its link quality; the as-built tree is the plan.
      await expect.poll(() => page.getByTestId("results-opened").textContent()).toBe("10/10");
      const outcomes = await page.locator('[data-testid="results-row"][data-role="lock"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-outcome")));
      expect(outcomes).toEqual(Array(10).fill("opened"));
      const qualities = await page.getByTestId("link-quality").allTextContents();
      expect(qualities.length).toBeGreaterThanOrEqual(devices);
      await expect.poll(() => page.getByTestId("asbuilt-status").textContent()).toContain("no differences");
      expect(await page.locator('[data-testid="asbuilt-row"][data-mark]:not([data-mark=""])').count()).toBe(0);
      expect(await page.getByTestId("asbuilt-planned").getByTestId("asbuilt-row").count()).toBe(devices + 1);
      expect(await page.getByTestId("asbuilt-built").getByTestId("asbuilt-row").count()).toBe(devices + 1);
      if (i === 0) {
        await shot(page, "commission-wizard-done");
        await page.getByTestId("door-results").scrollIntoViewIfNeeded();
        await shot(page, "commission-results");
        await page.getByTestId("asbuilt").scrollIntoViewIfNeeded();
        await shot(page, "commission-asbuilt");
      }
      await page.getByTestId("wizard-back").click();
      await expect.poll(() => page.locator(`[data-testid="planned-iq"][data-planned="${planned}"] [data-testid="planned-status"]`).textContent()).toContain("Done");
    });
  }

  it("shows both IQs commissioned, refuses deleting (2209) and replacing (2206) them, deletes an empty one, and keeps the passphrase out of the data folder", async () => {
    expect(await page.getByTestId("planned-done").textContent()).toBe("2 of 2 commissioned");
    expect(await page.getByTestId("site-iq").evaluateAll((els) => els.map((e) => e.getAttribute("data-name")))).toEqual(["IQ ground floor", "IQ first floor", "IQ2"]);
    const iq1 = page.locator('[data-testid="site-iq"][data-name="IQ ground floor"]');
    await iq1.getByTestId("site-iq-delete").click();
    await iq1.getByTestId("site-iq-delete").click();
    const refusal = page.getByTestId("site-iq-refusal");
    await refusal.waitFor({ timeout: 10_000 });
    expect(await refusal.textContent()).toContain("KS 2209");

    await iq1.getByTestId("site-iq-replace").click();
    await page.getByTestId("site-iq-replace-target").selectOption({ label: "IQ2 (SN24A0002)" });
    await page.getByTestId("site-iq-replace-confirm").click();
    await expect.poll(() => page.getByTestId("site-iq-refusal").textContent()).toContain("KS 2206");
    expect(await page.getByTestId("site-iq-refusal").textContent()).toContain("already has devices attached");
    await shot(page, "commission-refusals", true);

    // The demo's first-floor IQ was never used: it has nothing attached and can go.
    const spare = page.locator('[data-testid="site-iq"][data-name="IQ first floor"]');
    await spare.getByTestId("site-iq-delete").click();
    await spare.getByTestId("site-iq-delete").click();
    await expect.poll(() => page.getByTestId("site-iq").count()).toBe(2);

    for (const file of filesUnder(ui.dataDir)) expect(readFileSync(file).includes(OFFICE_PASSPHRASE), file).toBe(false);
    expect(ui.pageErrors).toEqual([]);
  });
});
