import type { z } from "zod";
import type { ProcedureDef } from "../define.ts";
import type { RECEPTION_EVENT_NAMES, RECEPTION_PROCEDURE_NAMES } from "./reception.names.ts";

/** The reception feature's part of the one API contract (combined in ../contract.ts). */
export const receptionProcedures = {} as const satisfies Record<(typeof RECEPTION_PROCEDURE_NAMES)[number], ProcedureDef>;
export const receptionEvents = {} as const satisfies Record<(typeof RECEPTION_EVENT_NAMES)[number], z.ZodType>;
