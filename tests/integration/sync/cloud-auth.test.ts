import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KsHttp } from "../../../core/cloud/http.ts";
import { CloudSession } from "../../../core/cloud/session.ts";
import { KsError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import type { RunningCloud } from "../../cloud/server.ts";
import { CountingFetch, MemoryVault, newAccount, signIn, testCloud, totpCode, type TestAccount } from "./cloud-fixtures.ts";

const MINUTE = 60_000;

async function rejection(p: Promise<unknown>): Promise<KsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KsError) return e;
    throw e;
  }
  throw new Error("expected a KS error");
}

describe("signing in to the KS cloud emulator", () => {
  let cloud: RunningCloud;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    cloud = await testCloud({ clock });
  });
  afterAll(async () => {
    await cloud.close();
  });

  /** A session on its own vault and a fetch that counts, on the cloud's clock unless told. */
  function fresh(o: { clockOf?: { now(): number } } = {}) {
    const counting = new CountingFetch();
    const vault = new MemoryVault();
    const c = o.clockOf ?? clock;
    const session = new CloudSession({ http: new KsHttp({ baseUrl: cloud.url, clock: c, fetch: counting.fetch }), vault, clock: c, deviceName: "laptop" });
    return { session, vault, counting };
  }

  async function withTotp(account: TestAccount, s: CloudSession, trust = false) {
    const first = await s.signIn(account.email, account.password);
    if (first.kind !== "second-factor") throw new Error("expected a second factor");
    return s.verify(first.challengeId, "totp", totpCode(account, clock.now()), trust);
  }

  it("password, then a TOTP code from the authenticator: tokens go to the vault, and requests are authorised", async () => {
    const account = newAccount(cloud);
    const { session, vault } = fresh();
    const first = await session.signIn(account.email, account.password);
    expect(first).toMatchObject({ kind: "second-factor", methods: expect.arrayContaining(["totp", "email"]) });
    if (first.kind !== "second-factor") return;
    const done = await session.verify(first.challengeId, "totp", totpCode(account, clock.now()), false);
    expect(done).toEqual({ kind: "signed-in", email: account.email, trustedDevice: false, twoFactorReset: false });
    expect([...vault.entries.keys()]).toEqual([`ks-cloud:${cloud.url}:session`]);
    expect(JSON.parse(vault.entries.get(`ks-cloud:${cloud.url}:session`)!)).toMatchObject({ email: account.email, accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect((await session.me()).email).toBe(account.email);
    expect(await session.status()).toMatchObject({ signedIn: true, email: account.email });
  });

  it("refuses a wrong password and a wrong code with 1500, saying how many tries are left", async () => {
    const account = newAccount(cloud);
    const { session } = fresh();
    expect((await rejection(session.signIn(account.email, "wrong password"))).ksCode).toBe(1500);
    const first = await session.signIn(account.email, account.password);
    if (first.kind !== "second-factor") throw new Error("expected a second factor");
    const wrong = await rejection(session.verify(first.challengeId, "totp", "000000", false));
    expect(wrong.ksCode).toBe(1500);
    expect(wrong.details).toMatchObject({ cloud: { reason: "code", attempts_left: 4 } });
    expect(await session.status()).toMatchObject({ signedIn: false });
  });

  it("an SMS code: Resend invalidates the one sent before", async () => {
    const account = newAccount(cloud);
    const { session } = fresh();
    // Turn SMS on for this account, signed in once.
    const setup = fresh();
    await withTotp(account, setup.session);
    await setup.session.authorized({ method: "POST", path: "/v1/me/two-factor/sms:enroll", body: { password: account.password, phone: "+32 470 99 88 77" }, schema: z.unknown() });
    const enrolCode = cloud.outbox({ channel: "sms" }).at(-1)!.code!;
    await setup.session.authorized({ method: "POST", path: "/v1/me/two-factor/sms:confirm", body: { code: enrolCode }, schema: z.unknown() });

    const first = await session.signIn(account.email, account.password);
    if (first.kind !== "second-factor") throw new Error("expected a second factor");
    expect(first.methods).toContain("sms");
    const sent = await session.sendCode(first.challengeId, "sms");
    expect(sent.sentTo).toMatch(/\*/);
    const oldCode = cloud.outbox({ channel: "sms", to: "+32 470 99 88 77" }).at(-1)!.code!;
    await session.sendCode(first.challengeId, "sms");
    const newCode = cloud.outbox({ channel: "sms", to: "+32 470 99 88 77" }).at(-1)!.code!;
    if (oldCode !== newCode) expect((await rejection(session.verify(first.challengeId, "sms", oldCode, false))).ksCode).toBe(1500);
    expect((await session.verify(first.challengeId, "sms", newCode, false)).kind).toBe("signed-in");
  });

  it("'don't ask again on this device for 60 days': a trusted-device token skips the second factor, until it expires", async () => {
    const account = newAccount(cloud);
    const { session, vault } = fresh();
    const done = await withTotp(account, session, true);
    expect(done.trustedDevice).toBe(true);
    expect(vault.entries.get(`ks-cloud:${cloud.url}:device:${account.email}`)).toEqual(expect.any(String));
    await session.signOut();
    expect(await session.status()).toMatchObject({ signedIn: false });

    const again = await session.signIn(account.email, account.password);
    expect(again).toEqual({ kind: "signed-in", email: account.email, trustedDevice: true });
    await session.signOut();

    clock.advance(61 * 24 * 60 * MINUTE);
    expect((await session.signIn(account.email, account.password)).kind).toBe("second-factor");
  });

  it("a recovery code signs in once and resets two-factor authentication", async () => {
    const account = newAccount(cloud);
    const { session } = fresh();
    await withTotp(account, session);
    const regen = await session.authorized({ method: "POST", path: "/v1/me/two-factor/recovery-code:regenerate", body: { password: account.password }, schema: z.object({ recovery_code: z.string() }) });
    await session.signOut();
    clock.advance(MINUTE);

    const first = await session.signIn(account.email, account.password);
    if (first.kind !== "second-factor") throw new Error("expected a second factor");
    const done = await session.useRecoveryCode(first.challengeId, regen.body.recovery_code.toLowerCase());
    expect(done).toMatchObject({ kind: "signed-in", twoFactorReset: true, trustedDevice: false });
    await session.signOut();
    // 2FA is off now: the password alone signs in.
    expect((await session.signIn(account.email, account.password)).kind).toBe("signed-in");
  });

  it("refreshes silently: before expiry, and after a 1500 — once for any number of concurrent requests", async () => {
    const account = newAccount(cloud);
    const { session, counting, vault } = fresh();
    await withTotp(account, session);
    const before = JSON.parse(vault.entries.get(`ks-cloud:${cloud.url}:session`)!) as { refreshToken: string };

    // The access token runs out (15 min): the next request refreshes first, once for all five.
    clock.advance(16 * MINUTE);
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => session.me()));
    expect(five.every((m) => m.email === account.email)).toBe(true);
    expect(counting.count("/v1/auth/token")).toBe(1);
    const after = JSON.parse(vault.entries.get(`ks-cloud:${cloud.url}:session`)!) as { refreshToken: string };
    expect(after.refreshToken).not.toBe(before.refreshToken);

    // A client whose own clock lags: it sends the expired token, hears 1500, refreshes once, repeats.
    clock.advance(31_000); // a TOTP code is accepted once: the next sign-in takes the next one
    const lagging = new ManualClock(clock.now());
    const late = fresh({ clockOf: lagging });
    await withTotp(account, late.session, false);
    clock.advance(16 * MINUTE);
    const results = await Promise.all([1, 2, 3].map(() => late.session.me()));
    expect(results.map((r) => r.email)).toEqual([account.email, account.email, account.email]);
    expect(late.counting.count("/v1/auth/token")).toBe(1);
    expect(late.counting.requests.filter((r) => r.path === "/v1/me")).toHaveLength(6);
  });

  it("a session that can no longer be refreshed is forgotten: sign in again", async () => {
    const account = newAccount(cloud);
    const { session, vault } = fresh();
    await withTotp(account, session);
    clock.advance(31 * 24 * 60 * MINUTE);
    // Both tokens are past their lifetime: the session is gone without asking the cloud.
    const e = await rejection(session.me());
    expect(e.ksCode).toBe(1500);
    expect(vault.entries.has(`ks-cloud:${cloud.url}:session`)).toBe(false);

    // A refresh token the cloud no longer honours (every session ended elsewhere): 1500 and signed out.
    clock.advance(MINUTE);
    await withTotp(account, session);
    await session.authorized({ method: "POST", path: "/v1/me/sessions:end-all", schema: z.unknown() });
    const ended = await rejection(session.me());
    expect(ended.ksCode).toBe(1500);
    expect(ended.message).toMatch(/Sign in again/);
    expect(await session.status()).toMatchObject({ signedIn: false });
  });

  it("signs out: the cloud ends the session and the tokens leave the vault", async () => {
    const account = newAccount(cloud);
    clock.advance(MINUTE);
    const signed = await signIn(cloud, account, { clock });
    const token = (JSON.parse(signed.vault.entries.get(`ks-cloud:${cloud.url}:session`)!) as { accessToken: string }).accessToken;
    await signed.session.signOut();
    expect(signed.vault.entries.size).toBe(0);
    const e = await rejection(new KsHttp({ baseUrl: cloud.url, clock }).request({ method: "GET", path: "/v1/me", bearer: token, schema: z.unknown() }));
    expect(e.ksCode).toBe(1500);
  });
});
