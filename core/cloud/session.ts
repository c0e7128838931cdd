import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError, KsError } from "../errors/index.ts";
import type { SecretVault } from "../ports/secret-vault.ts";
import { NoBody, type KsHttp, type KsRequest, type KsResponse } from "./http.ts";

/** Second factors (seed L60-86): authenticator app, SMS or e-mail code; the recovery code resets 2FA. */
export const SecondFactor = z.enum(["totp", "sms", "email"]);
export type SecondFactor = z.infer<typeof SecondFactor>;

const TokenResponse = z.object({
  token_type: z.string().optional(),
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
  refresh_expires_in: z.number().positive(),
  session_id: z.string().min(1),
  device_token: z.string().min(1).optional(),
  two_factor_reset: z.boolean().optional(),
});
type TokenResponse = z.infer<typeof TokenResponse>;

const ChallengeResponse = z.object({
  second_factor_required: z.literal(true),
  challenge_id: z.string().min(1),
  methods: z.array(z.string()),
  expires_in: z.number().positive(),
});

const SignInResponse = z.union([ChallengeResponse, TokenResponse]);

const SentResponse = z.object({ sent_to: z.string(), expires_in: z.number().positive() });

const Account = z.object({ id: z.string(), email: z.string(), first_name: z.string(), last_name: z.string() }).loose();

/** What the vault keeps for a signed-in session (never the site file). */
const StoredSession = z.object({
  email: z.string(),
  accessToken: z.string(),
  accessExpiresAt: z.number(),
  refreshToken: z.string(),
  refreshExpiresAt: z.number(),
  sessionId: z.string(),
});
type StoredSession = z.infer<typeof StoredSession>;

export type SignInOutcome =
  | { readonly kind: "signed-in"; readonly email: string; readonly trustedDevice: boolean }
  | {
      readonly kind: "second-factor";
      readonly challengeId: string;
      /** Methods the account has on; the recovery code is always accepted as well. */
      readonly methods: readonly SecondFactor[];
      readonly expiresAt: number;
    };

export interface VerifyOutcome {
  readonly kind: "signed-in";
  readonly email: string;
  /** This device will skip the second factor for 60 days. */
  readonly trustedDevice: boolean;
  /** A recovery code was used: 2FA is now off and must be set up again. */
  readonly twoFactorReset: boolean;
}

export interface SessionStatus {
  readonly signedIn: boolean;
  readonly email: string | null;
  readonly accessExpiresAt: number | null;
  readonly cloudUrl: string;
}

export interface CloudSessionOptions {
  readonly http: KsHttp;
  readonly vault: SecretVault;
  readonly clock: { now(): number };
  /** Shown in the cloud's session and trusted-device lists. */
  readonly deviceName?: string;
  /** Refresh this long before the access token expires (default 30 s). */
  readonly refreshSkewMs?: number;
  /** Told whenever the person signs in or out, or a refresh fails. */
  readonly onChange?: (status: SessionStatus) => void;
}

/**
 * A person's session with the KS cloud: password, then the second factor they choose
 * (or a trusted device token that skips it for 60 days), then access and refresh
 * tokens kept in the secret vault. `authorized` gives every request a fresh access
 * token: a token about to expire, or a 1500 answer, triggers one refresh that all
 * concurrent requests share (refresh tokens rotate, so two refreshes would end the
 * session), and the request is repeated once.
 */
export class CloudSession {
  private pending: { email: string; challengeId: string } | null = null;
  private refreshing: Promise<StoredSession> | null = null;
  private cached: StoredSession | null | undefined = undefined;

  constructor(private readonly o: CloudSessionOptions) {}

  private get origin(): string {
    return this.o.http.baseUrl;
  }

  private get sessionKey(): string {
    return `ks-cloud:${this.origin}:session`;
  }

  private deviceKey(email: string): string {
    return `ks-cloud:${this.origin}:device:${email.trim().toLowerCase()}`;
  }

  async status(): Promise<SessionStatus> {
    const s = await this.load();
    return { signedIn: s !== null, email: s?.email ?? null, accessExpiresAt: s?.accessExpiresAt ?? null, cloudUrl: this.origin };
  }

  /** Step one: e-mail and password (with this device's trusted-device token, if it has one). */
  async signIn(email: string, password: string, signal?: AbortSignal): Promise<SignInOutcome> {
    const deviceToken = await this.o.vault.get(this.deviceKey(email));
    const res = await this.o.http.request({
      method: "POST",
      path: "/v1/auth/sign-in",
      body: { email, password, ...(deviceToken ? { device_token: deviceToken } : {}), ...this.deviceName() },
      schema: SignInResponse,
      ...(signal ? { signal } : {}),
    });
    const body = res.body;
    if ("second_factor_required" in body) {
      this.pending = { email, challengeId: body.challenge_id };
      const methods = body.methods.filter((m): m is SecondFactor => SecondFactor.safeParse(m).success);
      return { kind: "second-factor", challengeId: body.challenge_id, methods, expiresAt: this.o.clock.now() + body.expires_in * 1000 };
    }
    await this.store(email, body);
    return { kind: "signed-in", email, trustedDevice: deviceToken !== null };
  }

  /** Sends (or re-sends, invalidating the previous one) an SMS or e-mail code. */
  async sendCode(challengeId: string, method: "sms" | "email", signal?: AbortSignal): Promise<{ readonly sentTo: string; readonly expiresAt: number }> {
    const res = await this.o.http.request({
      method: "POST",
      path: "/v1/auth/second-factor:send",
      body: { challenge_id: challengeId, method },
      schema: SentResponse,
      ...(signal ? { signal } : {}),
    });
    return { sentTo: res.body.sent_to, expiresAt: this.o.clock.now() + res.body.expires_in * 1000 };
  }

  /** Step two: the code of the chosen factor; `trustDevice` = "don't ask again on this device for 60 days". */
  async verify(challengeId: string, method: SecondFactor, code: string, trustDevice: boolean, signal?: AbortSignal): Promise<VerifyOutcome> {
    return this.finishChallenge(challengeId, { method, code: code.replace(/\s+/g, ""), trust_device: trustDevice }, signal);
  }

  /** Signs in with the recovery code instead of a factor: it works once and turns 2FA off. */
  async useRecoveryCode(challengeId: string, code: string, signal?: AbortSignal): Promise<VerifyOutcome> {
    return this.finishChallenge(challengeId, { method: "recovery", code: code.trim() }, signal);
  }

  /** Ends this session in the cloud (best effort) and forgets its tokens here. The trusted-device token stays. */
  async signOut(signal?: AbortSignal): Promise<void> {
    const s = await this.load();
    if (s) {
      try {
        await this.o.http.request({ method: "POST", path: "/v1/auth/sign-out", bearer: s.accessToken, schema: NoBody, ...(signal ? { signal } : {}) });
      } catch {
        // Signed out here whatever the cloud says: the tokens are gone from this device.
      }
    }
    await this.clear();
  }

  /** Who is signed in, as the cloud sees it. */
  async me(signal?: AbortSignal): Promise<z.infer<typeof Account>> {
    const res = await this.authorized({ method: "GET", path: "/v1/me", schema: Account, ...(signal ? { signal } : {}) });
    return res.body;
  }

  /**
   * Sends a request with the current access token, refreshing it first when it is
   * about to expire, and once more after a 1500 answer. A session that cannot be
   * refreshed is forgotten: the person has to sign in again.
   */
  async authorized<T>(req: Omit<KsRequest<T>, "bearer">): Promise<KsResponse<T>> {
    let s = await this.load();
    if (!s) throw new KsError(1500, { message: "Not signed in to the KS cloud.", details: { reason: "not_signed_in" } });
    if (this.o.clock.now() >= s.accessExpiresAt - (this.o.refreshSkewMs ?? 30_000)) s = await this.refresh(s);
    try {
      return await this.o.http.request({ ...req, bearer: s.accessToken });
    } catch (e) {
      if (!(e instanceof KsError) || e.ksCode !== 1500) throw e;
      const fresh = await this.refresh(s);
      return this.o.http.request({ ...req, bearer: fresh.accessToken });
    }
  }

  /**
   * One refresh for everyone: callers that saw the same stale token share it; a caller
   * whose token was already replaced just takes the new one.
   */
  private refresh(stale: StoredSession): Promise<StoredSession> {
    // Set synchronously, before any await: concurrent callers must find it.
    if (this.refreshing) return this.refreshing;
    const run = (async () => {
      const current = await this.load();
      if (!current) throw new KsError(1500, { message: "Not signed in to the KS cloud.", details: { reason: "not_signed_in" } });
      if (current.accessToken !== stale.accessToken) return current;
      try {
        const res = await this.o.http.request({
          method: "POST",
          path: "/v1/auth/token",
          body: { grant_type: "refresh_token", refresh_token: current.refreshToken },
          // A retry after a lost answer gets the same new pair instead of ending the session (API.md §2).
          idempotencyKey: `refresh-${createHash("sha256").update(current.refreshToken).digest("hex").slice(0, 40)}`,
          schema: TokenResponse,
        });
        return await this.store(current.email, res.body);
      } catch (e) {
        if (e instanceof KsError && e.ksCode === 1500) {
          await this.clear();
          throw new KsError(1500, { message: "The KS cloud session ended. Sign in again.", details: { reason: "refresh_failed" } });
        }
        throw e;
      }
    })();
    this.refreshing = run;
    const done = () => {
      if (this.refreshing === run) this.refreshing = null;
    };
    run.then(done, done);
    return run;
  }

  private async finishChallenge(challengeId: string, fields: Record<string, unknown>, signal?: AbortSignal): Promise<VerifyOutcome> {
    if (!this.pending || this.pending.challengeId !== challengeId) {
      throw new AppError("cloud.no_challenge", "Start again with your e-mail and password.", { challengeId });
    }
    const email = this.pending.email;
    const res = await this.o.http.request({
      method: "POST",
      path: "/v1/auth/second-factor:verify",
      body: { challenge_id: challengeId, ...fields, ...this.deviceName() },
      schema: TokenResponse,
      ...(signal ? { signal } : {}),
    });
    this.pending = null;
    if (res.body.device_token) await this.o.vault.set(this.deviceKey(email), res.body.device_token);
    if (res.body.two_factor_reset) await this.o.vault.delete(this.deviceKey(email));
    await this.store(email, res.body);
    return { kind: "signed-in", email, trustedDevice: res.body.device_token !== undefined, twoFactorReset: res.body.two_factor_reset === true };
  }

  private deviceName(): { device_name?: string } {
    return this.o.deviceName ? { device_name: this.o.deviceName } : {};
  }

  private async store(email: string, t: TokenResponse): Promise<StoredSession> {
    const now = this.o.clock.now();
    const s: StoredSession = {
      email,
      accessToken: t.access_token,
      accessExpiresAt: now + t.expires_in * 1000,
      refreshToken: t.refresh_token,
      refreshExpiresAt: now + t.refresh_expires_in * 1000,
      sessionId: t.session_id,
    };
    await this.o.vault.set(this.sessionKey, JSON.stringify(s));
    this.cached = s;
    this.notify();
    return s;
  }

  private async load(): Promise<StoredSession | null> {
    if (this.cached !== undefined) return this.cached;
    const raw = await this.o.vault.get(this.sessionKey);
    let s: StoredSession | null = null;
    if (raw !== null) {
      try {
        s = StoredSession.parse(JSON.parse(raw));
      } catch {
        s = null; // an unreadable entry is as good as none: sign in again
      }
    }
    if (s && this.o.clock.now() >= s.refreshExpiresAt) s = null;
    this.cached = s;
    return s;
  }

  private async clear(): Promise<void> {
    await this.o.vault.delete(this.sessionKey);
    this.cached = null;
    this.notify();
  }

  private notify(): void {
    if (!this.o.onChange) return;
    const s = this.cached ?? null;
    this.o.onChange({ signedIn: s !== null, email: s?.email ?? null, accessExpiresAt: s?.accessExpiresAt ?? null, cloudUrl: this.origin });
  }
}

