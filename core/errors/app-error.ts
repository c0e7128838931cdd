import { KS_ERROR_TABLE, type KsCode, type KsErrorRow } from "./ks-error-table.ts";

/**
 * Every failure that crosses a boundary is an AppError: a stable machine code, a
 * message a person can read, and details for the curious. Errors that mirror the KS
 * cloud also carry the KS code and the HTTP status the cloud would answer.
 */
export class AppError extends Error {
  override readonly name: string = "AppError";
  constructor(
    /** Stable dotted code, e.g. `site.not_lintel` or `ks.2204`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const BY_CODE: ReadonlyMap<number, KsErrorRow> = new Map(KS_ERROR_TABLE.map((r) => [r.code, r]));

/** The table's row for a code, or undefined for codes the vendor does not list. */
export function ksRow(code: number): KsErrorRow | undefined {
  return BY_CODE.get(code);
}

/**
 * The numeric HTTP statuses a row allows, decided here from the table's text:
 * "404 ???" → [404]; "408 / 404 / 400 / 403 / 500" → all five; "???" (3010, unknown
 * in the vendor's own table) → [500], since a server-side exception is the only
 * reading that a client can act on.
 */
export function statusesOf(row: KsErrorRow): readonly number[] {
  const found = row.http.match(/\d{3}/g)?.map(Number) ?? [];
  return found.length > 0 ? found : [500];
}

/** An error of the KS cloud's table: code, HTTP status, the table's message, details. */
export class KsError extends AppError {
  override readonly name = "KsError";
  readonly ksCode: KsCode;
  /** The status this error travels with (one of `statusesOf(row)`). */
  readonly status: number;
  /** The table's HTTP text verbatim, e.g. "404 ???". */
  readonly http: string;

  constructor(ksCode: KsCode, options: { readonly message?: string; readonly status?: number; readonly details?: unknown } = {}) {
    const row = BY_CODE.get(ksCode);
    if (!row) throw new Error(`KS code ${ksCode} is not in the error table`);
    const allowed = statusesOf(row);
    const status = options.status ?? allowed[0]!;
    if (!allowed.includes(status)) {
      throw new Error(`KS code ${ksCode} travels with ${row.http}, not ${status}`);
    }
    super(`ks.${ksCode}`, options.message ?? row.message, options.details);
    this.ksCode = ksCode;
    this.status = status;
    this.http = row.http;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
