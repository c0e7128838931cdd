/** Procedure and event names of the handover feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const HANDOVER_PROCEDURE_NAMES = [
  "handover.checklist",
  "handover.presets",
  "handover.setPresets",
  "handover.inviteOwner",
  "handover.status",
  "handover.release",
  "handover.report",
] as const;
export const HANDOVER_EVENT_NAMES = ["handover.changed"] as const;
