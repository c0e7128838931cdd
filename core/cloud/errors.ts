import { AppError, KsError, adviceFor, ksRow, type KsCode } from "../errors/index.ts";

/**
 * Failures of talking to the KS cloud that are not KS error rows: the network, a
 * response we cannot read, rate limiting. Each carries in `details` what a caller needs
 * to decide (the HTTP status, how long the server asked us to wait).
 */
export interface CloudErrorDetails {
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  /** Milliseconds the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterMs?: number;
  readonly cause?: string;
}

export const cloudErrors = {
  /** No answer at all: refused, reset, timed out, DNS. Nothing is known about the server's side. */
  network: (d: CloudErrorDetails) =>
    new AppError("cloud.network", "The KS cloud could not be reached. Check the internet connection; Lintel retries by itself.", d),
  /** 429: too many requests. */
  rateLimited: (d: CloudErrorDetails) => new AppError("cloud.rate_limited", "The KS cloud asked Lintel to slow down; it retries after the wait the cloud asked for.", d),
  /** 502/503/504 or another 5xx without a KS body. */
  unavailable: (d: CloudErrorDetails) => new AppError("cloud.unavailable", "The KS cloud is temporarily unavailable. Lintel retries by itself.", d),
  /** A body that is not what the API promises (not JSON, wrong shape). */
  badResponse: (d: CloudErrorDetails & { readonly issues?: unknown }) =>
    new AppError("cloud.bad_response", "The KS cloud sent an answer Lintel cannot read. Retry; if it persists, the cloud's API may have changed.", d),
  /** A refusal the KS table does not list (an unknown code, or a 4xx without a KS body). */
  refused: (d: CloudErrorDetails & { readonly body?: unknown }) => new AppError("cloud.refused", "The KS cloud refused the request.", d),
  notSignedIn: () => new AppError("cloud.not_signed_in", "Sign in to the KS cloud first."),
  /** The run was cancelled by the person (or the app closing). */
  cancelled: () => new AppError("cloud.cancelled", "Cancelled."),
} as const;

/** Builds the KsError for a KS body `{ code, message }` with the status it came with, or undefined if the code or status does not fit the table. */
export function ksErrorFrom(code: number, status: number, message: string | undefined, details: unknown): KsError | undefined {
  const row = ksRow(code);
  if (!row) return undefined;
  try {
    return new KsError(code as KsCode, { status, ...(message ? { message } : {}), details });
  } catch {
    // The table allows other statuses for this code: keep the code, take the table's first status.
    return new KsError(code as KsCode, { ...(message ? { message } : {}), details: { ...(typeof details === "object" && details !== null ? details : {}), receivedStatus: status } });
  }
}

/** What to do about an error, in words: the KS advice for KS errors, the message otherwise. */
export function adviceForError(e: unknown): string {
  if (e instanceof KsError) {
    const row = ksRow(e.ksCode);
    return row ? adviceFor(row) : e.message;
  }
  if (e instanceof AppError) return e.message;
  return "Something unexpected failed. Retry; if it persists, send the diagnostics to support.";
}

/**
 * Whether a failed request may simply be tried again, and after how long at least.
 * Transient: no answer, 429, 5xx (with or without a KS body). Everything else is an
 * answer about the request itself and would fail the same way again.
 */
export function retryInfo(e: unknown): { readonly retryAfterMs?: number } | null {
  if (!(e instanceof AppError)) return null;
  const d = (typeof e.details === "object" && e.details !== null ? e.details : {}) as CloudErrorDetails;
  if (e instanceof KsError) return e.status >= 500 ? (d.retryAfterMs === undefined ? {} : { retryAfterMs: d.retryAfterMs }) : null;
  switch (e.code) {
    case "cloud.network":
    case "cloud.bad_response":
      return {};
    case "cloud.rate_limited":
    case "cloud.unavailable":
      return d.retryAfterMs === undefined ? {} : { retryAfterMs: d.retryAfterMs };
    default:
      return null;
  }
}
