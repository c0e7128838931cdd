import type { z } from "zod";
import type { ProcedureDef } from "../define.ts";
import type { IMPORT_EVENT_NAMES, IMPORT_PROCEDURE_NAMES } from "./import.names.ts";

/** The import feature's part of the one API contract (combined in ../contract.ts). */
export const importProcedures = {} as const satisfies Record<(typeof IMPORT_PROCEDURE_NAMES)[number], ProcedureDef>;
export const importEvents = {} as const satisfies Record<(typeof IMPORT_EVENT_NAMES)[number], z.ZodType>;
