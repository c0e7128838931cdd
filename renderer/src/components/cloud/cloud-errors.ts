import { AppError, KsError, adviceFor, ksRow } from "../../../../core/errors/index.ts";

/**
 * A failure of talking to the KS cloud as the sign-in and sync cards show it: what
 * happened in words, the KS code with its HTTP status (for support and for the vendor's
 * documentation), and what to do next.
 */
export interface CloudProblem {
  /** What happened, in words ("The e-mail or password is not right."). */
  readonly headline: string;
  /** "KS 1500 · HTTP 401 · Not authenticated", or null for failures outside the KS table. */
  readonly ksLine: string | null;
  readonly ksCode: number | null;
  /** What to do. */
  readonly advice: string;
  /** The stable code (`ks.1500`, `cloud.network`, …). */
  readonly code: string;
}

interface CloudDetails {
  readonly cloud?: { readonly reason?: unknown; readonly attempts_left?: unknown };
  readonly reason?: unknown;
  readonly issues?: unknown;
}

function detailsOf(e: AppError): CloudDetails {
  return typeof e.details === "object" && e.details !== null ? (e.details as CloudDetails) : {};
}

/** Words for the reasons the cloud gives with KS 1500 (API.md §2). */
function signInWords(reason: string | undefined, attemptsLeft: number | null): { headline: string; advice: string } | null {
  switch (reason) {
    case "credentials":
      return { headline: "The e-mail or password is not right.", advice: "Check both (the password is case-sensitive) and sign in again." };
    case "code":
      return {
        headline: attemptsLeft === null ? "That code is not right." : `That code is not right: ${attemptsLeft === 1 ? "1 attempt" : `${attemptsLeft} attempts`} left.`,
        advice: "Type the newest code: an authenticator code changes every 30 seconds, and a resent SMS or e-mail code replaces the one before it.",
      };
    case "challenge":
      return {
        headline: "This sign-in has expired, or had too many wrong codes.",
        advice: "Start again with your e-mail and password; the cloud then asks for a fresh code.",
      };
    case "refresh_reused":
    case "expired":
    case "revoked":
    case "not_signed_in":
      return { headline: "Your session with the KS cloud has ended.", advice: "Sign in to the KS cloud again; nothing that waits to be synced is lost." };
    default:
      return null;
  }
}

const OWN: Readonly<Record<string, (cloudUrl: string) => { headline: string; advice: string }>> = {
  "cloud.network": (url) => ({
    headline: `The KS cloud at ${url} could not be reached.`,
    advice: "Check the internet connection and retry. With the emulator, start it with `npm run cloud` (or start Lintel with --cloud URL).",
  }),
  "cloud.rate_limited": () => ({ headline: "The KS cloud asked Lintel to slow down.", advice: "Wait a few seconds and retry." }),
  "cloud.unavailable": () => ({ headline: "The KS cloud is temporarily unavailable.", advice: "Retry in a minute." }),
  "cloud.bad_response": () => ({ headline: "The KS cloud sent an answer Lintel cannot read.", advice: "Retry; if it persists, the cloud's API may have changed: send the diagnostics to support." }),
  "sync.busy": () => ({ headline: "A sync is running for this site.", advice: "Wait for it to finish, or cancel it." }),
};

/** A KS code with its table's HTTP status and message, e.g. "KS 1500 · HTTP 401 · Not authenticated". */
export function ksLineOf(ksCode: number, status?: number | null): string {
  const row = ksRow(ksCode);
  const http = status ?? row?.http ?? null;
  return [`KS ${ksCode}`, http === null ? null : `HTTP ${http}`, row?.message ?? null].filter((x) => x !== null).join(" · ");
}

/** What to do about a KS code, from the shared advice table. */
export function ksAdvice(ksCode: number): string | null {
  const row = ksRow(ksCode);
  return row ? adviceFor(row) : null;
}

export function describeCloudError(e: unknown, cloudUrl: string): CloudProblem {
  if (e instanceof KsError) {
    const d = detailsOf(e);
    const reason = typeof d.cloud?.reason === "string" ? d.cloud.reason : typeof d.reason === "string" ? d.reason : undefined;
    const left = typeof d.cloud?.attempts_left === "number" ? d.cloud.attempts_left : null;
    const words = e.ksCode === 1500 ? signInWords(reason, left) : null;
    const issues = Array.isArray(d.issues) ? (d.issues as { message?: unknown }[]).map((i) => (typeof i.message === "string" ? i.message : null)).filter((m): m is string => m !== null) : [];
    return {
      headline: words?.headline ?? (issues.length ? issues.join("; ") : e.message),
      ksLine: ksLineOf(e.ksCode, e.status),
      ksCode: e.ksCode,
      advice: words?.advice ?? ksAdvice(e.ksCode) ?? "Retry.",
      code: e.code,
    };
  }
  if (e instanceof AppError) {
    const own = OWN[e.code]?.(cloudUrl);
    return { headline: own?.headline ?? e.message, ksLine: null, ksCode: null, advice: own?.advice ?? "Retry; if it persists, send the diagnostics to support.", code: e.code };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { headline: message || "Something went wrong.", ksLine: null, ksCode: null, advice: "Retry; if it persists, send the diagnostics to support.", code: "error" };
}
