import type { z } from "zod";
import type { ProcedureDef } from "../define.ts";
import type { READERS_EVENT_NAMES, READERS_PROCEDURE_NAMES } from "./readers.names.ts";

/** The readers feature's part of the one API contract (combined in ../contract.ts). */
export const readersProcedures = {} as const satisfies Record<(typeof READERS_PROCEDURE_NAMES)[number], ProcedureDef>;
export const readersEvents = {} as const satisfies Record<(typeof READERS_EVENT_NAMES)[number], z.ZodType>;
