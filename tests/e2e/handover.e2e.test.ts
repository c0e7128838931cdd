import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PDFDocument } from "pdf-lib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../core/api/features/commissioning.contract.ts";
import { demoWifi } from "../../core/demo/demo-fleet.ts";
import { totpFor } from "../cloud/auth.ts";
import { DEMO_INSTALLER, DEMO_OWNER } from "../cloud/demo.ts";
import { startCloud, type RunningCloud } from "../cloud/server.ts";
import { pdfPageTexts } from "../unit/handover/pdf-text.ts";
import { pageRpc } from "../support/page-rpc.ts";
import type { ServeProcess } from "../support/serve-process.ts";
import { openUiSession, SHOTS, type UiSession } from "../support/ui-session.ts";

/**
 * The whole handover in Chromium (issue 7): the demo hotel is commissioned with the
 * simulated IQs through the API (the screens of commissioning are commission.e2e's),
 * then, as the installer at the screen: the owner presets, sign-in with TOTP, a sync
 * until clean, the checklist passing, the owner invited by e-mail, the owner accepting
 * in the KS cloud emulator, the transfer with the installer's time-boxed access, the
 * release, and the handover report whose PDF carries the hash shown and the counts.
 *
 * The simulated IQs run on real timers sped up (LINTEL_SIM_TIME_SCALE, read by the
 * serve process for the simulator only), so two IQs with 20 doors take seconds.
 */

const { ssid: OFFICE, passphrase: OFFICE_PASSPHRASE } = demoWifi()[0]!;
/** As in commission.e2e: much faster, and the IQ's 15 s acknowledgement timeout still outlasts a busy machine (at 200 it does not). */
const TIME_SCALE = "20";

async function shot(page: Page, name: string, target?: string): Promise<void> {
  await page.waitForTimeout(200);
  if (target) await page.getByTestId(target).screenshot({ path: join(SHOTS, `${name}.png`) });
  else await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("handing the demo hotel over in Chromium", { timeout: 60_000 }, () => {
  let cloud: RunningCloud;
  let ui: UiSession;
  let serve: ServeProcess;
  let page: Page;
  let siteId: string;
  const saved = { cloud: process.env.LINTEL_CLOUD_URL, scale: process.env.LINTEL_SIM_TIME_SCALE, sim: process.env.LINTEL_SIMULATED_IQS };
  const restore = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
  const item = (id: string) => page.locator(`[data-testid="handover-check-item"][data-item="${id}"]`);
  /** The handover's stage, or with the refusal shown next to the step, so that a failure says why. */
  const stageOr = async (refusal: string): Promise<string> => {
    const stage = (await page.getByTestId("handover-stage").getAttribute("data-stage")) ?? "";
    const box = page.getByTestId(refusal);
    return (await box.count()) > 0 ? `${stage}: ${(await box.textContent())?.trim()}` : stage;
  };

  beforeAll(async () => {
    cloud = await startCloud({ port: 0, demo: true });
    process.env.LINTEL_CLOUD_URL = cloud.url;
    process.env.LINTEL_SIM_TIME_SCALE = TIME_SCALE;
    process.env.LINTEL_SIMULATED_IQS = "1";
    ui = await openUiSession("handover", { acceptDownloads: true });
    ({ serve, page } = ui);
  });

  afterAll(async () => {
    await ui?.close();
    await cloud?.close();
    restore("LINTEL_CLOUD_URL", saved.cloud);
    restore("LINTEL_SIM_TIME_SCALE", saved.scale);
    restore("LINTEL_SIMULATED_IQS", saved.sim);
  });

  it("commissions both IQs of the demo hotel with the simulated IQs: every door opened, every IQ activated and online", async () => {
    await page.goto(serve.openUrl);
    await expect.poll(() => page.getByTestId("site-name").textContent(), { timeout: 15_000 }).toContain("Hotel Aurora");
    ({ siteId } = await pageRpc(page, "sites.openDemo", {}));

    // The plan: the demo's two placed IQs, one per floor in the corridor (y = 8), each
    // with repeaters along it so that every hop stays within the 10 m radio range.
    const doors = (await pageRpc(page, "doors.list", { siteId })).map((d) => d.door);
    const floors = [...new Set(doors.map((d) => d.floorId))];
    expect(floors).toHaveLength(2);
    const [ground, first] = [floors[0]!, floors[1]!];
    const repeaters = [
      { id: "R1", floor: ground, x: 16, y: 8, parent: "IQ1" },
      { id: "R2", floor: ground, x: 8, y: 8, parent: "R1" },
      { id: "R3", floor: ground, x: 32, y: 8, parent: "IQ1" },
      { id: "R4", floor: ground, x: 40, y: 8, parent: "R3" },
      { id: "R5", floor: first, x: 16, y: 8, parent: "IQ2" },
      { id: "R6", floor: first, x: 32, y: 8, parent: "IQ2" },
      { id: "R7", floor: first, x: 40, y: 8, parent: "R6" },
    ];
    const nearest = (d: { floorId: string; x: number; y: number }) =>
      repeaters.filter((r) => r.floor === d.floorId).reduce((a, b) => (Math.hypot(a.x - d.x, a.y - d.y) <= Math.hypot(b.x - d.x, b.y - d.y) ? a : b)).id;
    const plan = {
      format: "lintel-plan/1" as const,
      iqs: [
        { id: "IQ1", floor: ground, x: 24, y: 8 },
        { id: "IQ2", floor: first, x: 24, y: 8 },
      ],
      repeaters,
      locks: doors.map((d) => ({ door: d.id, parent: nearest(d) })),
      cost: 2 * 1 + 7 * 0.5,
    };
    expect(await pageRpc(page, "plan.check", { siteId, plan })).toEqual([]);
    await pageRpc(page, "plan.save", { siteId, label: "Two IQs", plan });
    const perFloor = floors.map((f) => doors.filter((d) => d.floorId === f).length);

    const iqs = (await pageRpc(page, "iqs.list", { siteId })).map((r) => r.iq);
    expect(iqs.map((q) => q.name).sort()).toEqual(["IQ first floor", "IQ ground floor"]);
    expect((await pageRpc(page, "ble.useSimulated", { on: true })).kind).toBe("simulated");
    const { labels } = await pageRpc(page, "ble.simulator", {});
    const scanned = await pageRpc(page, "ble.scan", { siteId, durationMs: 1_000 });

    const jobs: JobView[] = [];
    for (const [planned, iqName, serial, network] of [
      ["IQ1", "IQ ground floor", "SN24A0001", { kind: "wifi", ssid: OFFICE, security: "wpa2-psk", passphrase: OFFICE_PASSPHRASE }],
      ["IQ2", "IQ first floor", "SN24A0002", { kind: "shared-wifi", ssid: OFFICE }],
    ] as const) {
      const label = labels.find((l) => l.serial === serial)!;
      const peripheral = scanned.find((s) => s.serial === serial)!;
      const iqId = iqs.find((q) => q.name === iqName)!.id;
      let view = await pageRpc(page, "commissioning.start", { siteId, plannedIq: planned, iqId, peripheralId: peripheral.peripheralId, activationCode: label.activationCode });
      const jobId = view.job.id;
      await pageRpc(page, "commissioning.setNetwork", { siteId, jobId, network });
      view = await pageRpc(page, "commissioning.run", { siteId, jobId, acceptFailedTests: false });
      expect(view.job).toMatchObject({ step: "attach", status: "needs-input", waitingFor: "device-ids", lastError: null });
      // The stickers, parents first: the repeaters' then the locks' Device IDs, in the job's order.
      let r = 0;
      let l = 0;
      const devices = view.job.devices.map((d) => ({ ref: d.ref, deviceId: (d.role === "repeater" ? label.repeaters[r++] : label.locks[l++])! }));
      await pageRpc(page, "commissioning.setDeviceIds", { siteId, jobId, devices });
      view = await pageRpc(page, "commissioning.run", { siteId, jobId, acceptFailedTests: false });
      expect(view.job.lastError).toBeNull();
      expect(view.job.step).toBe("done");
      expect(view.opened).toBe(view.locks);
      jobs.push(view);
    }
    expect(jobs.map((j) => j.locks)).toEqual(perFloor);
    expect(jobs.map((j) => j.devices - j.locks)).toEqual([4, 3]);

    // What the checklist reads from the site file: both IQs activated and online, every door opened.
    const after = (await pageRpc(page, "iqs.list", { siteId })).map((row) => row.iq);
    expect(after.map((q) => [q.name, q.activation, q.cloudConnected])).toEqual(expect.arrayContaining([
      ["IQ ground floor", "activated", true],
      ["IQ first floor", "activated", true],
    ]));
    const checklist = await pageRpc(page, "handover.checklist", { siteId });
    const fromCommissioning = checklist.items.filter((i) => ["iqs-online", "doors-tested", "trees-valid"].includes(i.id));
    expect(fromCommissioning.filter((i) => i.state !== "ok")).toEqual([]);
    expect(fromCommissioning).toHaveLength(3);
  });

  it("sets up the owner presets, signs in with TOTP, syncs until clean, and the checklist passes", async () => {
    await page.getByTestId("nav-sync").click();
    const panel = page.getByTestId("handover-panel");
    await panel.waitFor();
    await expect.poll(() => item("presets").getAttribute("data-state"), { timeout: 10_000 }).toBe("failing");
    expect(await page.getByTestId("handover-invite").isDisabled()).toBe(true);

    // Owner presets: a rule "if anyone opened the main entrance at any time via the app and e-mail", alerts on every door.
    await page.getByTestId("handover-presets").scrollIntoViewIfNeeded();
    await page.getByTestId("handover-rule-add").click();
    await page.getByTestId("handover-rule-name").fill("Main entrance");
    await page.getByTestId("handover-rule-door").first().check();
    await page.getByTestId("handover-rule-submit").click();
    expect(await page.getByTestId("handover-rule").count()).toBe(1);
    await page.getByTestId("handover-presets-save").click();
    await expect.poll(() => item("presets").getAttribute("data-state"), { timeout: 10_000 }).toBe("ok");
    expect(await item("presets").textContent()).toContain("1 notification rule, NOT CLOSED alerts on 20 doors");

    // Sign in: password, then the authenticator app's code.
    await page.locator("main").evaluate((m) => m.scrollTo({ top: 0 }));
    await page.getByTestId("cloud-email").fill(DEMO_INSTALLER.email);
    await page.getByTestId("cloud-password").fill(DEMO_INSTALLER.password);
    await page.getByTestId("cloud-signin-submit").click();
    await page.getByTestId("cloud-2fa").waitFor();
    expect(await page.getByTestId("cloud-method-totp").getAttribute("aria-checked")).toBe("true");
    await page.getByTestId("cloud-code").fill(totpFor(DEMO_INSTALLER.email, DEMO_INSTALLER.totpSecret).generate());
    await page.getByTestId("cloud-verify").click();
    await page.getByTestId("cloud-signed-in").waitFor({ timeout: 10_000 });

    // Sync with the account's subscription, until clean.
    await page.getByTestId("sync-subscription-select").waitFor();
    await page.getByTestId("sync-start").click();
    await page.getByTestId("sync-clean").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("sync-state").textContent()).toBe("Sync clean");
    const cloudIqs = cloud.db.prepare(`SELECT doc FROM entities WHERE site_id = ? AND resource = 'iqs'`).all(siteId) as { doc: string }[];
    expect(cloudIqs.map((r) => (JSON.parse(r.doc) as { activation: string }).activation)).toEqual(["activated", "activated"]);

    // Every item ok: the owner can be invited.
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId("handover-checklist-verdict").textContent(), { timeout: 15_000 }).toContain("Ready to hand over");
    expect(await page.getByTestId("handover-check-item").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-item")}:${e.getAttribute("data-state")}`))).toEqual([
      "iqs-online:ok",
      "doors-tested:ok",
      "trees-valid:ok",
      "subscription:ok",
      "sync-clean:ok",
      "presets:ok",
    ]);
    expect(await item("iqs-online").textContent()).toContain("2 IQs activated and online");
    expect(await item("doors-tested").textContent()).toContain("20 doors, each opened in its last test");
    await expect.poll(() => page.getByTestId("handover-invite").isEnabled()).toBe(true);
    await shot(page, "handover-checklist-passed", "handover-panel");
  });

  it("invites the owner by e-mail; once the owner accepted in the cloud, the site is theirs and the installer's access is time-boxed", async () => {
    expect(await page.getByTestId("handover-owner-email").inputValue()).toBe(DEMO_OWNER.email);
    await page.getByTestId("handover-invite").click();
    await expect.poll(() => stageOr("handover-invite-refusal"), { timeout: 10_000 }).toBe("invited");
    expect(await page.getByTestId("handover-invitation").textContent()).toContain(`${DEMO_OWNER.email} · pending`);
    expect(await page.getByTestId("handover-installer-access").getAttribute("data-access")).toBe("full");
    expect(await page.getByTestId("handover-release").isDisabled()).toBe(true);

    // The owner opens the e-mail and accepts, signed in to the KS cloud as themselves.
    const mail = cloud.outbox({ to: DEMO_OWNER.email, channel: "email" }).at(-1);
    expect(mail?.token).toBeTruthy();
    const owner = await postJson(`${cloud.url}/v1/auth/sign-in`, { email: DEMO_OWNER.email, password: DEMO_OWNER.password });
    const ownerToken = owner.body["access_token"] as string;
    expect(ownerToken).toBeTruthy();
    expect((await postJson(`${cloud.url}/v1/ownership-invitations/${mail!.token}:accept`, {}, ownerToken)).status).toBe(200);

    await page.getByTestId("handover-refresh").click();
    await expect.poll(() => stageOr("handover-load-refusal"), { timeout: 10_000 }).toBe("transferred");
    const access = page.getByTestId("handover-installer-access");
    expect(await access.getAttribute("data-access")).toBe("time-boxed");
    expect(await access.textContent()).toMatch(/Installer access, time-boxed: .+\(until .+\)/);
    expect(await page.getByTestId("handover-invitation").textContent()).toContain("accepted");
    await expect.poll(() => page.getByTestId("handover-release").isEnabled()).toBe(true);
    await shot(page, "handover-transferred", "handover-panel");
  });

  it("releases the site to its owner, then makes the report: the PDF carries the hash shown and the counts", async () => {
    await page.getByTestId("handover-release").click();
    await expect.poll(() => stageOr("handover-release-refusal"), { timeout: 10_000 }).toBe("released");
    await page.getByTestId("handover-released-at").waitFor();
    expect(await page.getByTestId("handover-checklist-verdict").textContent()).toContain("Handed over");
    const released = cloud.db.prepare(`SELECT released_at FROM sites WHERE id = ?`).get(siteId) as { released_at: string | null } | undefined;
    expect(released?.released_at).toBeTruthy();

    await page.getByTestId("handover-report-make").click();
    const hash = page.getByTestId("handover-report-hash");
    await hash.waitFor({ timeout: 30_000 });
    const sha = (await hash.textContent())?.trim() ?? "";
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    const users = (await pageRpc(page, "users.search", { siteId, limit: 1 })).total;
    const tags = (await pageRpc(page, "tags.list", { siteId })).length;
    const summary = (await page.getByTestId("handover-report").textContent()) ?? "";
    expect(summary).toContain("2 IQs, 7 repeaters, 20 locks (20 opened in their test)");
    expect(summary).toContain(`${users} users, ${tags} tags`);
    await shot(page, "handover-released", "handover-panel");

    const [pdf] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("handover-report-open").click()]);
    expect(pdf.url()).toMatch(/^blob:/);
    await pdf.close();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("handover-report-download").click()]);
    const bytes = readFileSync(await download.path());
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(doc.getSubject()).toBe(`Site state SHA-256 ${sha}`);
    expect(doc.getKeywords()?.split(" ")).toEqual([`sha256:${sha}`, "iqs:2", "repeaters:7", "locks:20", "doors:20", `users:${users}`, `tags:${tags}`, "doors-opened:20"]);
    // The summary page says the same in words.
    const text = (await pdfPageTexts(bytes)).flat();
    const valueOf = (key: string) => text[text.indexOf(key) + 1];
    expect([valueOf("IQs"), valueOf("Repeaters"), valueOf("Locks"), valueOf("Users")]).toEqual(["2", "7", "20", String(users)]);
    expect(valueOf("Door tests")).toBe("20 of 20 locks opened in their last test (20 tested)");
    expect(text.some((t) => t.includes(DEMO_OWNER.email))).toBe(true);
    expect(ui.pageErrors).toEqual([]);
  });
});
