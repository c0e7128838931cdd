/** Procedure and event names of the commissioning feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const COMMISSIONING_PROCEDURE_NAMES = [] as const;
export const COMMISSIONING_EVENT_NAMES = [] as const;
