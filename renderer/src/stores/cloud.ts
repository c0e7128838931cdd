import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { Output } from "../../../core/api/contract.ts";
import { call, on } from "../api/client.ts";
import { describeCloudError, type CloudProblem } from "../components/cloud/cloud-errors.ts";

export type CloudStatus = Output<"cloud.status">;
export type Factor = "totp" | "sms" | "email";
/** What the second step asks for: a factor's code, or the recovery code. */
export type SecondStep = Factor | "recovery";

export interface Challenge {
  readonly challengeId: string;
  readonly email: string;
  readonly methods: readonly Factor[];
  readonly expiresAt: string;
}

export interface SentCode {
  readonly sentTo: string;
  readonly expiresAt: string;
  /** How many times a code went out for this method (1 = first, 2+ = resent). */
  readonly times: number;
}

/** Authenticator app first: it works without signal on site; SMS needs a phone, e-mail a mailbox. */
const FACTOR_ORDER: readonly Factor[] = ["totp", "sms", "email"];

/**
 * The KS cloud account on this device: whether it is signed in (the tokens themselves
 * stay in the core's vault), and the two-step sign-in — password, then the chosen second
 * factor or the recovery code. Failures stay next to the form, in words with their KS code.
 */
export const useCloudStore = defineStore("cloud", () => {
  const status = ref<CloudStatus | null>(null);
  const challenge = ref<Challenge | null>(null);
  const method = ref<SecondStep>("totp");
  const sent = ref<Partial<Record<"sms" | "email", SentCode>>>({});
  const problem = ref<CloudProblem | null>(null);
  const busy = ref<null | "status" | "password" | "code" | "send" | "recovery" | "sign-out">(null);
  /** After a recovery code: two-factor authentication is off in the cloud until set up again. */
  const twoFactorReset = ref(false);
  /** The last sign-in skipped the second factor because this device is trusted. */
  const trustedSignIn = ref(false);

  const cloudUrl = computed(() => status.value?.cloudUrl ?? "");
  const signedIn = computed(() => status.value?.signedIn === true);

  function fail(e: unknown): void {
    problem.value = describeCloudError(e, cloudUrl.value);
  }

  async function guard<T>(kind: NonNullable<typeof busy.value>, run: () => Promise<T>): Promise<T | undefined> {
    busy.value = kind;
    problem.value = null;
    try {
      return await run();
    } catch (e) {
      fail(e);
      return undefined;
    } finally {
      busy.value = null;
    }
  }

  async function refresh(): Promise<void> {
    const s = await guard("status", () => call("cloud.status", {}));
    if (s) status.value = s;
  }

  async function signIn(email: string, password: string): Promise<void> {
    const r = await guard("password", () => call("cloud.signIn", { email: email.trim(), password }));
    if (!r) return;
    twoFactorReset.value = false;
    sent.value = {};
    if (r.kind === "signed-in") {
      challenge.value = null;
      trustedSignIn.value = r.trustedDevice;
      await refresh();
      return;
    }
    const methods = FACTOR_ORDER.filter((m) => r.methods.includes(m));
    challenge.value = { challengeId: r.challengeId, email: email.trim(), methods, expiresAt: r.expiresAt };
    method.value = methods[0] ?? "recovery";
  }

  /** Sends an SMS or e-mail code; sending again invalidates the code sent before. */
  async function sendCode(m: "sms" | "email"): Promise<void> {
    const c = challenge.value;
    if (!c) return;
    const r = await guard("send", () => call("cloud.resend", { challengeId: c.challengeId, method: m }));
    if (r) sent.value = { ...sent.value, [m]: { sentTo: r.sentTo, expiresAt: r.expiresAt, times: (sent.value[m]?.times ?? 0) + 1 } };
  }

  function choose(m: SecondStep): void {
    method.value = m;
    problem.value = null;
  }

  async function verify(code: string, trustDevice: boolean): Promise<boolean> {
    const c = challenge.value;
    const m = method.value;
    if (!c || m === "recovery") return false;
    const r = await guard("code", () => call("cloud.verify2fa", { challengeId: c.challengeId, method: m, code: code.replace(/\s+/g, ""), trustDevice }));
    if (!r) return false;
    challenge.value = null;
    trustedSignIn.value = false;
    await refresh();
    return true;
  }

  async function useRecoveryCode(code: string): Promise<boolean> {
    const c = challenge.value;
    if (!c) return false;
    const r = await guard("recovery", () => call("cloud.useRecoveryCode", { challengeId: c.challengeId, code: code.trim() }));
    if (!r) return false;
    challenge.value = null;
    twoFactorReset.value = r.twoFactorReset;
    await refresh();
    return true;
  }

  /** Back to the password step (a sign-in that expired, or another account). */
  function restart(): void {
    challenge.value = null;
    sent.value = {};
    problem.value = null;
  }

  async function signOut(): Promise<void> {
    const r = await guard("sign-out", () => call("cloud.signOut", {}));
    if (r) {
      twoFactorReset.value = false;
      trustedSignIn.value = false;
      await refresh();
    }
  }

  function dismissProblem(): void {
    problem.value = null;
  }

  /** A sync that ended with KS 1500 says so here too: the card then asks to sign in again. */
  function sessionEnded(p: CloudProblem): void {
    problem.value = p;
    void refresh();
  }

  on("cloud.session", (s) => {
    status.value = s;
  });

  return {
    status,
    cloudUrl,
    signedIn,
    challenge,
    method,
    sent,
    problem,
    busy,
    twoFactorReset,
    trustedSignIn,
    refresh,
    signIn,
    sendCode,
    choose,
    verify,
    useRecoveryCode,
    restart,
    signOut,
    dismissProblem,
    sessionEnded,
  };
});
