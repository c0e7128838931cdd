/** Procedure and event names of the cloud feature (plain strings, no dependencies: the preload opens exactly these channels). */
export const CLOUD_PROCEDURE_NAMES = [
  "cloud.status",
  "cloud.signIn",
  "cloud.verify2fa",
  "cloud.resend",
  "cloud.useRecoveryCode",
  "cloud.signOut",
  "cloud.subscriptions",
  "sync.dryRun",
  "sync.start",
  "sync.cancel",
  "sync.status",
  "sync.conflicts",
  "sync.resolve",
  "sync.setAside",
] as const;
export const CLOUD_EVENT_NAMES = ["sync.progress", "cloud.session"] as const;
