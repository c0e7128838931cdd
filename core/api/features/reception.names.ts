/** Procedure and event names of the reception feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const RECEPTION_PROCEDURE_NAMES = [] as const;
export const RECEPTION_EVENT_NAMES = [] as const;
