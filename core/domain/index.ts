export * from "./common.ts";
export * from "./schedules.ts";
export * from "./site.ts";
export * from "./hardware.ts";
export * from "./people.ts";
export * from "./pods.ts";
export * from "./lockers.ts";
export * from "./notifications.ts";
