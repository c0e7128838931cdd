import { AppError, KS_ERROR_TABLE, adviceFor, ksRow, statusesOf } from "../../errors/index.ts";
import type { HandlerModule } from "../router.ts";

/** The error table as a feature: list it, explain one code. */
export const errorHandlers: HandlerModule = {
  "errors.list": () => KS_ERROR_TABLE.map((r) => ({ code: r.code, http: r.http, message: r.message })),
  "errors.explain": ({ code }) => {
    const row = ksRow(code);
    if (!row) throw new AppError("errors.unknown_code", `${code} is not a KS error code`, { code });
    return { row: { code: row.code, http: row.http, message: row.message }, statuses: [...statusesOf(row)], advice: adviceFor(row) };
  },
};
