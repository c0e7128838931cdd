export { KS_ERROR_TABLE, type KsCode, type KsErrorRow } from "./ks-error-table.ts";
export { AppError, KsError, isAppError, ksRow, statusesOf } from "./app-error.ts";
export { adviceFor } from "./advice.ts";
export { toWireError, fromWireError, WireErrorSchema, type WireError } from "./wire.ts";
