/** Commissioning IQs over Bluetooth: the resumable flow, its records, replace and delete, the as-built view. */
export * from "./records.ts";
export * from "./machine.ts";
export * from "./tree-limits.ts";
export * from "./plan-tree.ts";
export * from "./secrets.ts";
export * from "./flow.ts";
export * from "./iq-admin.ts";
export * from "./as-built.ts";
