/** Procedure and event names of the cloud feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const CLOUD_PROCEDURE_NAMES = [] as const;
export const CLOUD_EVENT_NAMES = [] as const;
