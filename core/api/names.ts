/**
 * The names of every procedure and event of the contract, as plain strings with no
 * dependencies (each feature's names sit in features/*.names.ts): the sandboxed preload needs them to open exactly these IPC channels
 * and nothing else. `contract.ts` is checked against this list at compile time.
 */
import { CLOUD_EVENT_NAMES, CLOUD_PROCEDURE_NAMES } from "./features/cloud.names.ts";
import { COMMISSIONING_EVENT_NAMES, COMMISSIONING_PROCEDURE_NAMES } from "./features/commissioning.names.ts";
import { HANDOVER_EVENT_NAMES, HANDOVER_PROCEDURE_NAMES } from "./features/handover.names.ts";
import { IMPORT_EVENT_NAMES, IMPORT_PROCEDURE_NAMES } from "./features/import.names.ts";
import { READERS_EVENT_NAMES, READERS_PROCEDURE_NAMES } from "./features/readers.names.ts";
import { RECEPTION_EVENT_NAMES, RECEPTION_PROCEDURE_NAMES } from "./features/reception.names.ts";

export const PROCEDURE_NAMES = [
  "app.info",
  "errors.list",
  "errors.explain",
  "sites.list",
  "sites.create",
  "sites.open",
  "sites.openDemo",
  "sites.close",
  "sites.backup",
  "sites.forget",
  "site.overview",
  "floors.list",
  "doors.list",
  "doors.create",
  "users.search",
  "users.create",
  "tags.list",
  "journal.list",
  "floors.create",
  "floors.update",
  "floors.setPlanImage",
  "floors.planImage",
  "doors.move",
  "doors.delete",
  "iqSites.list",
  "iqSites.create",
  "iqSites.delete",
  "plan.import",
  "plan.survey",
  "plan.run",
  "plan.current",
  "plan.check",
  "plan.save",
  "plan.history",
  "plan.bom",
  "plan.bomPdf",
  "pods.list",
  "pods.get",
  "pods.create",
  "pods.update",
  "pods.addMembers",
  "pods.removeMember",
  "pods.assignTag",
  "pods.unassignTag",
  "pods.inviteGuests",
  "pods.assignGuestTag",
  "pods.unassignGuestTag",
  "pods.redeemInvitation",
  "pods.removeGuest",
  "users.remove",
  "tags.block",
  ...COMMISSIONING_PROCEDURE_NAMES,
  ...RECEPTION_PROCEDURE_NAMES,
  ...READERS_PROCEDURE_NAMES,
  ...IMPORT_PROCEDURE_NAMES,
  ...CLOUD_PROCEDURE_NAMES,
  ...HANDOVER_PROCEDURE_NAMES,
] as const;
export type ProcedureName = (typeof PROCEDURE_NAMES)[number];

export const EVENT_NAMES = [
  "site.changed",
  "sites.changed",
  "plan.progress",
  ...COMMISSIONING_EVENT_NAMES,
  ...RECEPTION_EVENT_NAMES,
  ...READERS_EVENT_NAMES,
  ...IMPORT_EVENT_NAMES,
  ...CLOUD_EVENT_NAMES,
  ...HANDOVER_EVENT_NAMES,
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** IPC channel of a procedure: one channel per procedure, so the main process registers exactly these. */
export const channelOf = (name: ProcedureName): string => `lintel:${name}`;
export const EVENT_CHANNEL = "lintel:event";
