import type { z } from "zod";
import type { ProcedureDef } from "../define.ts";
import type { HANDOVER_EVENT_NAMES, HANDOVER_PROCEDURE_NAMES } from "./handover.names.ts";

/** The handover feature's part of the one API contract (combined in ../contract.ts). */
export const handoverProcedures = {} as const satisfies Record<(typeof HANDOVER_PROCEDURE_NAMES)[number], ProcedureDef>;
export const handoverEvents = {} as const satisfies Record<(typeof HANDOVER_EVENT_NAMES)[number], z.ZodType>;
