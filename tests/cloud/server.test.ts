import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/ports/clock.ts";
import { totpFor } from "./auth.ts";
import { DEMO_INSTALLER } from "./demo.ts";
import { startCloud } from "./server.ts";
import { call, docs, id, readySite } from "./support.ts";

/** The emulator as a process and as a file: it persists in one SQLite file and starts with the demo accounts. */

const dir = mkdtempSync(join(tmpdir(), "ks-cloud-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("persistence", () => {
  it("keeps sites, sessions, the demo accounts and continuation tokens across a restart", async () => {
    const dbPath = join(dir, "cloud.sqlite");
    const first = await startCloud({ port: 0, dbPath, demo: true });
    const s = await readySite(first);
    for (let i = 0; i < 3; i++) await s.put("floors", id(), docs.floor({ level: i }));
    const page = await call(first, "GET", s.path("/floors?$top=2"), { token: s.token });
    const token = page.headers.get("x-continuation-token")!;
    await first.close();

    const second = await startCloud({ port: 0, dbPath, demo: true });
    try {
      expect(second.demo!.subscriptionIds).toEqual(first.demo!.subscriptionIds);
      const rest = await call(second, "GET", s.path(`/floors?$top=2&continuation_token=${encodeURIComponent(token)}`), { token: s.token });
      expect(rest.status).toBe(200);
      expect([...page.body.items, ...rest.body.items].map((f: { level: number }) => f.level).sort()).toEqual([0, 1, 2]);
    } finally {
      await second.close();
    }
  });
});

describe("the emulator's clock", () => {
  it("moves on request when it is a ManualClock, and refuses to on the system clock", async () => {
    const manual = await startCloud({ port: 0, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    const system = await startCloud({ port: 0 });
    try {
      const moved = await call(manual, "POST", "/_emulator/clock", { body: { advance_ms: 86_400_000 } });
      expect(moved.body).toEqual({ now: "2026-01-02T00:00:00.000Z" });
      expect((await call(system, "POST", "/_emulator/clock", { body: { advance_ms: 1 } })).body.ksCode).toBe(1100);
    } finally {
      await manual.close();
      await system.close();
    }
  });
});

describe("npm run cloud", () => {
  it("prints the URL and the demo installer, whose TOTP secret signs in", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/cloud/main.ts", "--memory", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const out = await new Promise<string>((ok, fail) => {
        let text = "";
        child.stdout.on("data", (c: Buffer) => {
          text += c.toString();
          if (text.includes("Ctrl-C")) ok(text);
        });
        child.once("exit", (code) => fail(new Error(`exited ${code}: ${text}`)));
      });
      const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      expect(out).toContain(DEMO_INSTALLER.email);
      expect(out).toContain(`otpauth://totp/`);
      const c = await call(url, "POST", "/v1/auth/sign-in", { body: { email: DEMO_INSTALLER.email, password: DEMO_INSTALLER.password } });
      const code = totpFor(DEMO_INSTALLER.email, DEMO_INSTALLER.totpSecret).generate();
      const ok = await call(url, "POST", "/v1/auth/second-factor:verify", { body: { challenge_id: c.body.challenge_id, method: "totp", code } });
      expect(ok.status).toBe(200);
      expect((await call(url, "GET", "/v1/subscriptions", { token: ok.body.access_token })).body.items).toHaveLength(2);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
