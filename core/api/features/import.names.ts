/** Procedure and event names of the import feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const IMPORT_PROCEDURE_NAMES = ["import.preview", "import.commit"] as const;
export const IMPORT_EVENT_NAMES = ["import.progress"] as const;
