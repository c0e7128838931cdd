/** Procedure and event names of the readers feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const READERS_PROCEDURE_NAMES = ["readers.list", "readers.keystrokes", "readers.simulate", "tags.lookup"] as const;
export const READERS_EVENT_NAMES = ["readers.changed", "readers.read"] as const;
