/** Procedure and event names of the handover feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const HANDOVER_PROCEDURE_NAMES = [] as const;
export const HANDOVER_EVENT_NAMES = [] as const;
