import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetsFromDraft, presetsView, type PresetsDraft } from "../../../core/handover/presets.ts";
import { checkNotClosedAlerts, checkNotificationRule, checkNotificationRules, MAX_NOTIFICATION_RULES, type NotificationView } from "../../../core/rules/notifications.ts";
import type { AppError } from "../../../core/errors/index.ts";
import type { NotificationRule } from "../../../core/domain/index.ts";
import { handoverSite, T0, type HandoverSite } from "./fixture.ts";

let site: HandoverSite;
let view: NotificationView;

beforeEach(() => {
  site = handoverSite();
  const r = site.store;
  view = { users: new Map(r.list("user").map((u) => [u.id, u])), doorIds: new Set(r.list("door").map((d) => d.id)), lockIds: new Set(r.list("lock").map((l) => l.id)) };
});
afterEach(() => site.cleanup());

const WEEKNIGHTS = { monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false, startTime: "20:00:00", endTime: "23:59:59", startDate: null, endDate: null };

function rule(over: Partial<NotificationRule> = {}): NotificationRule {
  return { id: site.ids.next(), name: "Entrance at night", people: "anyone", doors: [site.doorIds[0]!], timing: { kind: "inside", timeframe: WEEKNIGHTS }, channels: ["app", "email"], recipientIds: [site.ownerId], ...over };
}

const codeOf = (e: AppError | null) => e?.code ?? null;

describe("notification rules: if <people> opened <doors> in <timing> via <channels>", () => {
  it("accepts a rule whose people, doors and recipients are the site's and reachable", () => {
    expect(checkNotificationRule(view, [], rule())).toBeNull();
    expect(checkNotificationRule(view, [], rule({ people: [site.userId, site.adminId], doors: "any", timing: { kind: "always" }, channels: ["sms"], recipientIds: [site.adminId] }))).toBeNull();
  });

  it("refuses each thing the form can get wrong, with its own code", () => {
    const stranger = "019b76da-a800-74f0-81c7-0000000000ff";
    const cases: [Partial<NotificationRule>, string][] = [
      [{ people: [stranger] }, "notification.unknown_people"],
      [{ people: [site.userId, site.userId] }, "notification.duplicate_ids"],
      [{ doors: [stranger] }, "notification.unknown_doors"],
      [{ recipientIds: [stranger] }, "notification.unknown_recipients"],
      [{ recipientIds: [site.userId] }, "notification.recipient_role"],
      [{ channels: ["sms"] }, "notification.recipient_unreachable"],
      [{ channels: ["email", "email"] }, "notification.duplicate_ids"],
      [{ timing: { kind: "outside", timeframe: { ...WEEKNIGHTS, startDate: "2026-02-30", endDate: null } } }, "schedule.date_invalid"],
    ];
    for (const [over, code] of cases) expect(codeOf(checkNotificationRule(view, [], rule(over))), code).toBe(code);
  });

  it("says who cannot be reached and how to fix it", () => {
    const e = checkNotificationRule(view, [], rule({ channels: ["app", "sms"], recipientIds: [site.ownerId] }))!;
    expect(e.message).toBe("Maren Claes cannot receive this notification: add a phone number for SMS, or choose other channels.");
    expect(e.details).toEqual({ userId: site.ownerId, channels: ["sms"] });
  });

  it("keeps names unique, ignoring case and spaces, except for the rule being edited", () => {
    const first = rule();
    expect(codeOf(checkNotificationRule(view, [first], rule({ name: "  entrance AT night " })))).toBe("notification.name_taken");
    expect(checkNotificationRule(view, [first], { ...first }, first.id)).toBeNull();
    const list = [first, rule({ name: "ENTRANCE at night" })];
    const refusal = checkNotificationRules(view, list)!;
    expect(refusal).toMatchObject({ code: "notification.name_taken", details: expect.objectContaining({ index: 1, ruleId: list[1]!.id }) });
    expect(refusal.message).toMatch(/^Notification "ENTRANCE at night": /);
  });

  it("refuses too many rules and two rules with one id", () => {
    const many = Array.from({ length: MAX_NOTIFICATION_RULES + 1 }, (_, i) => rule({ name: `Rule ${i}` }));
    expect(codeOf(checkNotificationRules(view, many))).toBe("notification.too_many");
    const one = rule();
    expect(codeOf(checkNotificationRules(view, [one, { ...one, name: "Other" }]))).toBe("notification.duplicate_ids");
  });
});

describe("NOT CLOSED alerts", () => {
  it("fire after 38 seconds: any other delay is refused, as are unknown and repeated locks", () => {
    const alerts = site.lockIds.map((lockId) => ({ lockId, enabled: true }));
    expect(checkNotClosedAlerts(view, alerts)).toBeNull();
    expect(checkNotClosedAlerts(view, alerts, 60)).toMatchObject({ code: "notification.not_closed_fixed", details: { afterSeconds: 60, fixed: 38 } });
    expect(codeOf(checkNotClosedAlerts(view, [...alerts, { lockId: site.lockIds[0]!, enabled: false }]))).toBe("notification.duplicate_ids");
    expect(codeOf(checkNotClosedAlerts(view, [{ lockId: site.doorIds[0]!, enabled: true }]))).toBe("notification.unknown_locks");
  });
});

describe("owner presets", () => {
  const save = (draft: PresetsDraft) => presetsFromDraft(site.store, draft, site.ids);

  it("defaults to every lock's NOT CLOSED alert on and no rules, unsaved", () => {
    const v = presetsView(site.store, null);
    expect(v).toMatchObject({ saved: false, savedAt: null, rules: [], notClosedAfterSeconds: 38, problem: null });
    expect(v.notClosed.map((a) => [a.lockName, a.enabled])).toEqual([
      ["Room 1", true],
      ["Room 2", true],
      ["Room 3", true],
      ["Room 4", true],
    ]);
  });

  it("gives new rules ids, keeps a switch per lock, and refuses the whole draft on one bad rule", () => {
    const made = save({
      rules: [{ name: "Any door, any time", people: "anyone", doors: "any", timing: { kind: "always" }, channels: ["app"], recipientIds: [site.ownerId] }],
      notClosed: [{ lockId: site.lockIds[2]!, enabled: false }],
    });
    if ("refusal" in made) throw made.refusal;
    expect(made.doc.rules[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.doc.notClosed).toEqual(site.lockIds.map((lockId, i) => ({ lockId, enabled: i !== 2 })));
    site.records.savePresets(made.doc, new Date(T0).toISOString());
    const v = presetsView(site.store, site.records.presets());
    expect(v).toMatchObject({ saved: true, savedAt: new Date(T0).toISOString(), rules: made.doc.rules });
    expect(v.notClosed.filter((a) => !a.enabled).map((a) => a.lockName)).toEqual(["Room 3"]);

    const bad = save({ rules: [{ name: "Bad", people: "anyone", doors: "any", timing: { kind: "always" }, channels: ["sms"], recipientIds: [site.ownerId] }], notClosedAfterSeconds: 38 });
    expect("refusal" in bad && bad.refusal.code).toBe("notification.recipient_unreachable");
    const slow = save({ rules: [], notClosedAfterSeconds: 45 });
    expect("refusal" in slow && slow.refusal.code).toBe("notification.not_closed_fixed");
  });

  it("rejects a malformed draft through the domain schema (no channel, no recipient)", () => {
    expect(() => save({ rules: [{ name: "Empty", people: "anyone", doors: "any", timing: { kind: "always" }, channels: [], recipientIds: [site.ownerId] }] })).toThrow();
    expect(() => save({ rules: [{ name: "Empty", people: "anyone", doors: "any", timing: { kind: "always" }, channels: ["app"], recipientIds: [] }] })).toThrow();
  });
});
