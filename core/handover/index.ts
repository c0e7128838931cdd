/** The handover (issue 7): checklist, owner presets, invite → transfer → time-boxed installer access → release, and the report. */
export { computeChecklist, CHECKLIST_ITEMS, MAX_PROBLEMS, type Checklist, type ChecklistItem, type ChecklistItemId, type CloudView, type ItemState, type Problem } from "./checklist.ts";
export { HandoverCloud, isInstallerAccessExpired, isUnknownSite, type AuthorizedCloud, type CloudInvitation, type CloudSite } from "./cloud-handover.ts";
export { OwnerPresets, PresetsDraft, RuleDraft, notificationViewOf, presetsFromDraft, presetsProblem, presetsView, type NotClosedRow, type PresetsView } from "./presets.ts";
export { HandoverRecords, HANDOVER_STAGES, openHandoverRecords, type HandoverRow, type HandoverStage, type Invitation, type SyncView } from "./records.ts";
export { describeSite, reportHash, REPORT_FORMAT, type ReportState, type MeshHop, type MeshNode } from "./report.ts";
export { reportPdf, reportKeywords, type ReportPdfInput } from "./report-pdf.ts";
export { checkTrees, type TreeCheck, type TreeViolation } from "./tree-check.ts";
export {
  checklistOf,
  cloudViewOf,
  handoverErrors,
  handoverStatus,
  inviteOwner,
  makeReport,
  presetsOf,
  releaseSite,
  savePresets,
  type HandoverContext,
  type HandoverReport,
  type HandoverStatus,
  type InstallerAccess,
} from "./service.ts";
