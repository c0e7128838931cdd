import type { z } from "zod";
import type { ProcedureDef } from "../define.ts";
import type { CLOUD_EVENT_NAMES, CLOUD_PROCEDURE_NAMES } from "./cloud.names.ts";

/** The cloud feature's part of the one API contract (combined in ../contract.ts). */
export const cloudProcedures = {} as const satisfies Record<(typeof CLOUD_PROCEDURE_NAMES)[number], ProcedureDef>;
export const cloudEvents = {} as const satisfies Record<(typeof CLOUD_EVENT_NAMES)[number], z.ZodType>;
