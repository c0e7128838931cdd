import type { z } from "zod";
import type { ProcedureDef } from "../define.ts";
import type { COMMISSIONING_EVENT_NAMES, COMMISSIONING_PROCEDURE_NAMES } from "./commissioning.names.ts";

/** The commissioning feature's part of the one API contract (combined in ../contract.ts). */
export const commissioningProcedures = {} as const satisfies Record<(typeof COMMISSIONING_PROCEDURE_NAMES)[number], ProcedureDef>;
export const commissioningEvents = {} as const satisfies Record<(typeof COMMISSIONING_EVENT_NAMES)[number], z.ZodType>;
