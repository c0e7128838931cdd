import { AppError, KsError } from "../../../core/errors/index.ts";

/** An error as the UI shows it: a headline, an optional hint, and the raw facts. */
export interface ErrorView {
  /** What happened, in words. */
  readonly title: string;
  /** What the person can do about it, when we know. */
  readonly hint: string | null;
  /** The core's own message, when the title says it in friendlier words. */
  readonly detail: string | null;
  /** The stable code (`site.corrupt`, `ks.2204`, …) for support. */
  readonly code: string;
  /** KS errors only: the vendor's code and the HTTP text of its table ("404 ???"). */
  readonly ks: { readonly code: number; readonly status: number; readonly http: string } | null;
  /** Field problems of a refused input (KS 1100), as "field: message". */
  readonly issues: readonly string[];
  readonly details: unknown;
}

/** Where the failure happened, said as a person would ("Opening the site file"). */
export type ErrorContext = string;

interface Issue {
  readonly path: string;
  readonly message: string;
}

const FIELD_NAMES: Readonly<Record<string, string>> = {
  name: "Name",
  address: "Address",
  path: "File path",
  firstName: "First name",
  lastName: "Last name",
  email: "E-mail",
  role: "Role",
  query: "Search",
};

function issuesOf(details: unknown): Issue[] {
  if (typeof details !== "object" || details === null || !("issues" in details)) return [];
  const issues = (details as { issues: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is Issue => typeof i === "object" && i !== null && typeof (i as Issue).path === "string" && typeof (i as Issue).message === "string",
  );
}

/** Helpful words for the codes a person meets most, beyond the core's own message. */
const HINTS: Readonly<Record<string, { title?: string; hint: string }>> = {
  "site.not_lintel": {
    title: "This file is not a Lintel site.",
    hint: "Pick the site file a dealer or installer sent you, or one of Lintel's backups. Spreadsheets, exports and other databases cannot be opened as sites.",
  },
  "site.corrupt": {
    title: "This site file is damaged and cannot be read.",
    hint: "Open the most recent backup of the site instead (Sites › Back up makes one), or ask whoever sent the file for a fresh copy.",
  },
  "site.too_new": {
    title: "This site was saved by a newer version of Lintel.",
    hint: "Update Lintel on this computer, then open the file again.",
  },
  "transport.unreachable": {
    hint: "Start it again with `lintel serve` and reload this page.",
  },
  "transport.closed": {
    hint: "Reload the page once Lintel's local service is running again.",
  },
};

export function describeError(e: unknown): ErrorView {
  if (e instanceof KsError) {
    const issues = issuesOf(e.details).map((i) => `${FIELD_NAMES[i.path] ?? (i.path || "Input")}: ${i.message}`);
    return {
      title: e.message,
      hint: HINTS[e.code]?.hint ?? null,
      detail: null,
      code: e.code,
      ks: { code: e.ksCode, status: e.status, http: e.http },
      issues,
      details: e.details,
    };
  }
  if (e instanceof AppError) {
    const known = HINTS[e.code];
    return {
      title: known?.title ?? e.message,
      hint: known?.hint ?? null,
      detail: known?.title && e.message !== known.title ? e.message : null,
      code: e.code,
      ks: null,
      issues: issuesOf(e.details).map((i) => `${FIELD_NAMES[i.path] ?? (i.path || "Input")}: ${i.message}`),
      details: e.details,
    };
  }
  if (e instanceof Error) {
    // A reply that does not match the contract, or a bug in this window.
    return { title: e.message || "Something went wrong.", hint: null, detail: null, code: e.name || "error", ks: null, issues: [], details: undefined };
  }
  return { title: String(e), hint: null, detail: null, code: "error", ks: null, issues: [], details: undefined };
}
