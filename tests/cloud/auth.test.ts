import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/ports/clock.ts";
import { totpFor } from "./auth.ts";
import { startCloud, type RunningCloud } from "./server.ts";
import { call, expectKs, id, signedIn } from "./support.ts";

/**
 * The sign-in story of API.md §2 over real HTTP: password, then TOTP, SMS or e-mail
 * (codes read from the outbox), "Resend", the recovery code that works once and
 * resets 2FA, e-mail as the permanent backup, trusted devices for 60 days, token
 * rotation, the session list and "log out everywhere". Time moves on a ManualClock.
 */

let cloud: RunningCloud;
const clock = new ManualClock(Date.UTC(2026, 0, 1));
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  cloud = await startCloud({ port: 0, clock });
});
afterAll(async () => {
  await cloud.close();
});

const newEmail = () => `tfa.${id().slice(0, 8)}@example.com`;

function totpAccount() {
  const email = newEmail();
  const seeded = cloud.createAccount({ email, password: PASSWORD, totp: true });
  const totp = totpFor(email, seeded.totp_secret!);
  return { email, totp, code: (offsetMs = 0) => totp.generate({ timestamp: clock.now() + offsetMs }) };
}

async function challenge(email: string, extra: Record<string, unknown> = {}) {
  const res = await call(cloud, "POST", "/v1/auth/sign-in", { body: { email, password: PASSWORD, ...extra } });
  expect(res.status).toBe(200);
  return res.body;
}

const verify = (challengeId: string, method: string, code: string, extra: Record<string, unknown> = {}) =>
  call(cloud, "POST", "/v1/auth/second-factor:verify", { body: { challenge_id: challengeId, method, code, ...extra } });

const lastCode = (to: string, channel: "sms" | "email") => cloud.outbox({ to, channel }).at(-1)!.code!;

/** Each test moves past the previous test's TOTP step, so codes are never replays. */
const nextStep = () => clock.advance(30_000);

describe("password and TOTP", () => {
  it("asks for the second factor after the password, then gives tokens for the authenticator's code", async () => {
    nextStep();
    const a = totpAccount();
    const c = await challenge(a.email);
    expect(c).toMatchObject({ second_factor_required: true, methods: ["email", "totp"] });
    expect(c.access_token).toBeUndefined();
    const ok = await verify(c.challenge_id, "totp", a.code());
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    expect((await call(cloud, "GET", "/v1/me", { token: ok.body.access_token })).body.email).toBe(a.email);
  });

  it("accepts a code one step old (RFC 6238 window), refuses two steps old, and a code only once", async () => {
    nextStep();
    const a = totpAccount();
    const c1 = await challenge(a.email);
    const stale = await verify(c1.challenge_id, "totp", a.code(-60_000));
    expectKs(stale, 1500);
    expect(stale.body.details).toMatchObject({ reason: "code", attempts_left: 4 });
    const previous = a.code(-30_000);
    expect((await verify(c1.challenge_id, "totp", previous)).status).toBe(200);
    const c2 = await challenge(a.email);
    expectKs(await verify(c2.challenge_id, "totp", previous), 1500);
  });

  it("kills a challenge after five wrong codes", async () => {
    nextStep();
    const a = totpAccount();
    const c = await challenge(a.email);
    for (let i = 0; i < 5; i++) expectKs(await verify(c.challenge_id, "totp", "000000"), 1500);
    const dead = await verify(c.challenge_id, "totp", a.code());
    expectKs(dead, 1500);
    expect(dead.body.details.reason).toBe("challenge");
  });
});

describe("SMS and e-mail codes through the outbox", () => {
  it("enrols SMS (password asked again), shows a recovery code once, and 'Resend' invalidates the old code", async () => {
    const who = await signedIn(cloud);
    expectKs(await call(cloud, "POST", "/v1/me/two-factor/sms:enroll", { token: who.token, body: { password: "not it", phone: "+32 470 00 00 01" } }), 2203);
    const sent = await call(cloud, "POST", "/v1/me/two-factor/sms:enroll", { token: who.token, body: { password: who.password, phone: "+32 470 00 00 01" } });
    expect(sent.status).toBe(200);
    expect(sent.body.sent_to).toMatch(/01$/);
    const confirmed = await call(cloud, "POST", "/v1/me/two-factor/sms:confirm", { token: who.token, body: { code: lastCode("+32 470 00 00 01", "sms") } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ enabled: true, methods: ["email", "sms"] });
    expect(confirmed.body.recovery_code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect((await call(cloud, "GET", "/v1/me/two-factor", { token: who.token })).body.recovery_code).toBeUndefined();

    const c = await challenge(who.email);
    expect(c.methods).toEqual(["email", "sms"]);
    await call(cloud, "POST", "/v1/auth/second-factor:send", { body: { challenge_id: c.challenge_id, method: "sms" } });
    const first = lastCode("+32 470 00 00 01", "sms");
    await call(cloud, "POST", "/v1/auth/second-factor:send", { body: { challenge_id: c.challenge_id, method: "sms" } });
    const second = lastCode("+32 470 00 00 01", "sms");
    expect(second).not.toBe(first);
    expectKs(await verify(c.challenge_id, "sms", first), 1500);
    expect((await verify(c.challenge_id, "sms", second)).status).toBe(200);
  });

  it("signs in with an e-mail code, the backup every 2FA account has", async () => {
    const a = totpAccount();
    const c = await challenge(a.email);
    const sent = await call(cloud, "POST", "/v1/auth/second-factor:send", { body: { challenge_id: c.challenge_id, method: "email" } });
    expect(sent.body.sent_to).toMatch(/^t\*\*\*@example\.com$/);
    const mail = cloud.outbox({ to: a.email, channel: "email" }).at(-1)!;
    expect(mail.body).toContain(mail.code!);
    expect((await verify(c.challenge_id, "email", mail.code!)).status).toBe(200);
  });

  it("refuses an SMS code on an account without SMS", async () => {
    const a = totpAccount();
    const c = await challenge(a.email);
    expectKs(await call(cloud, "POST", "/v1/auth/second-factor:send", { body: { challenge_id: c.challenge_id, method: "sms" } }), 1100);
  });
});

describe("recovery code and 2FA settings", () => {
  it("works once: it resets 2FA; re-enrolling gives a new code and the old one is dead", async () => {
    nextStep();
    const who = await signedIn(cloud);
    const enrol = await call(cloud, "POST", "/v1/me/two-factor/totp:enroll", { token: who.token, body: { password: who.password } });
    expect(enrol.body.otpauth_url).toMatch(/^otpauth:\/\/totp\//);
    const totp = totpFor(who.email, enrol.body.secret);
    const confirmed = await call(cloud, "POST", "/v1/me/two-factor/totp:confirm", { token: who.token, body: { code: totp.generate({ timestamp: clock.now() }) } });
    const recovery: string = confirmed.body.recovery_code;
    expect(recovery).toBeTruthy();

    const c = await challenge(who.email);
    const used = await verify(c.challenge_id, "recovery", recovery.toLowerCase());
    expect(used.status).toBe(200);
    expect(used.body.two_factor_reset).toBe(true);
    expect((await call(cloud, "GET", "/v1/me/two-factor", { token: used.body.access_token })).body).toEqual({ enabled: false, methods: [], phone: null, recovery_code_set: false });
    const plain = await challenge(who.email);
    expect(plain.access_token).toBeTruthy();

    await call(cloud, "POST", "/v1/me/two-factor/email:enroll", { token: plain.access_token, body: { password: who.password } });
    const again = await call(cloud, "POST", "/v1/me/two-factor/email:confirm", { token: plain.access_token, body: { code: lastCode(who.email, "email") } });
    expect(again.body.recovery_code).toBeTruthy();
    expect(again.body.recovery_code).not.toBe(recovery);
    const c2 = await challenge(who.email);
    expectKs(await verify(c2.challenge_id, "recovery", recovery), 1500);
    expect((await verify(c2.challenge_id, "recovery", again.body.recovery_code)).status).toBe(200);
  });

  it("keeps e-mail as the backup: it cannot be removed; 2FA can be turned off without losing methods", async () => {
    nextStep();
    const a = totpAccount();
    const c = await challenge(a.email);
    const token = (await verify(c.challenge_id, "totp", a.code())).body.access_token;
    expectKs(await call(cloud, "DELETE", "/v1/me/two-factor/email", { token }), 2203);
    const off = await call(cloud, "PUT", "/v1/me/two-factor", { token, body: { enabled: false, password: PASSWORD } });
    expect(off.body).toMatchObject({ enabled: false, methods: ["email", "totp"] });
    expect((await challenge(a.email)).access_token).toBeTruthy();
    await call(cloud, "PUT", "/v1/me/two-factor", { token, body: { enabled: true, password: PASSWORD } });
    const removed = await call(cloud, "DELETE", "/v1/me/two-factor/totp", { token });
    expect(removed.body).toMatchObject({ enabled: true, methods: ["email"] });
  });
});

describe("trusted devices", () => {
  it("skip the second factor for 60 days, then ask again", async () => {
    nextStep();
    const a = totpAccount();
    const c = await challenge(a.email);
    const trusted = await verify(c.challenge_id, "totp", a.code(), { trust_device: true, device_name: "Installer laptop" });
    const deviceToken: string = trusted.body.device_token;
    expect(deviceToken).toBeTruthy();
    const listed = await call(cloud, "GET", "/v1/me/trusted-devices", { token: trusted.body.access_token });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].name).toBe("Installer laptop");

    clock.advance(60 * 86_400_000 - 1000);
    const within = await challenge(a.email, { device_token: deviceToken });
    expect(within).toMatchObject({ trusted_device: true });
    clock.advance(1000);
    const after = await challenge(a.email, { device_token: deviceToken });
    expect(after.second_factor_required).toBe(true);
  });

  it("can be forgotten", async () => {
    nextStep();
    const a = totpAccount();
    const c = await challenge(a.email);
    const trusted = await verify(c.challenge_id, "totp", a.code(), { trust_device: true });
    const deviceId = (await call(cloud, "GET", "/v1/me/trusted-devices", { token: trusted.body.access_token })).body.items[0].id;
    expect((await call(cloud, "DELETE", `/v1/me/trusted-devices/${deviceId}`, { token: trusted.body.access_token })).status).toBe(204);
    expect((await challenge(a.email, { device_token: trusted.body.device_token })).second_factor_required).toBe(true);
  });
});

describe("tokens and sessions", () => {
  it("expires access tokens after 15 minutes; a refresh rotates, and a reused refresh token ends the session", async () => {
    const who = await signedIn(cloud);
    clock.advance(15 * 60_000);
    expectKs(await call(cloud, "GET", "/v1/me", { token: who.token }), 1500);
    const r1 = await call(cloud, "POST", "/v1/auth/token", { body: { grant_type: "refresh_token", refresh_token: who.refresh } });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(who.refresh);
    expect((await call(cloud, "GET", "/v1/me", { token: r1.body.access_token })).status).toBe(200);
    const reused = await call(cloud, "POST", "/v1/auth/token", { body: { grant_type: "refresh_token", refresh_token: who.refresh } });
    expectKs(reused, 1500);
    expect(reused.body.details.reason).toBe("refresh_reused");
    expectKs(await call(cloud, "GET", "/v1/me", { token: r1.body.access_token }), 1500);
  });

  it("replays a refresh sent again under the same Idempotency-Key instead of ending the session", async () => {
    const who = await signedIn(cloud);
    const headers = { "Idempotency-Key": id() };
    const body = { grant_type: "refresh_token", refresh_token: who.refresh };
    const first = await call(cloud, "POST", "/v1/auth/token", { body, headers });
    const again = await call(cloud, "POST", "/v1/auth/token", { body, headers });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await call(cloud, "GET", "/v1/me", { token: again.body.access_token })).status).toBe(200);
  });

  it("lists sessions, ends one, and logs out everywhere", async () => {
    const who = await signedIn(cloud);
    const second = (await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: who.email, password: who.password, device_name: "Tablet" } })).body;
    const list = await call(cloud, "GET", "/v1/me/sessions", { token: who.token });
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect((await call(cloud, "DELETE", `/v1/me/sessions/${second.session_id}`, { token: who.token })).status).toBe(204);
    expectKs(await call(cloud, "GET", "/v1/me", { token: second.access_token }), 1500);

    const third = (await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: who.email, password: who.password } })).body;
    expect((await call(cloud, "POST", "/v1/me/sessions:end-all", { token: who.token })).status).toBe(204);
    expectKs(await call(cloud, "GET", "/v1/me", { token: who.token }), 1500);
    expectKs(await call(cloud, "GET", "/v1/me", { token: third.access_token }), 1500);
    expectKs(await call(cloud, "POST", "/v1/auth/token", { body: { grant_type: "refresh_token", refresh_token: third.refresh_token } }), 1500);
  });

  it("signs out the current session only", async () => {
    const who = await signedIn(cloud);
    const other = (await call(cloud, "POST", "/v1/auth/sign-in", { body: { email: who.email, password: who.password } })).body;
    expect((await call(cloud, "POST", "/v1/auth/sign-out", { token: who.token })).status).toBe(204);
    expectKs(await call(cloud, "GET", "/v1/me", { token: who.token }), 1500);
    expect((await call(cloud, "GET", "/v1/me", { token: other.access_token })).status).toBe(200);
  });
});

describe("accounts", () => {
  it("signs up once per e-mail", async () => {
    const email = newEmail();
    const body = { email, password: PASSWORD, first_name: "Maren", last_name: "Claes" };
    const res = await call(cloud, "POST", "/v1/accounts", { body });
    expect(res.status).toBe(201);
    expect(res.body.two_factor).toEqual({ enabled: false, methods: [], phone: null, recovery_code_set: false });
    expectKs(await call(cloud, "POST", "/v1/accounts", { body: { ...body, email: email.toUpperCase() } }), 1100);
  });
});
