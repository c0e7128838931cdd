import { nameKey, NOT_CLOSED_AFTER_SECONDS, type NotClosedAlert, type NotificationRule, type Role, type User } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";
import type { Known } from "./access-groups.ts";
import { timeframeInvalid } from "./schedules.ts";

/**
 * The owner presets set up before handover (seed L270-301): notification rules "if
 * <people> opened <doors> in <timing> via <channels>", each with a name and the people
 * who receive it, and the NOT CLOSED alerts that fire after a door stayed open 38 s.
 * Messages go to the site's Owner (L279 "The site owner will receive messages"), so a
 * recipient is the Owner or a Site Admin who runs the site with them, and must be
 * reachable on every channel the rule uses. The 38 s are the product's: "We cannot
 * change anything in these alerts" (L283); an alert can only be switched off per door.
 */

/** Enough for any building; a longer list is a mistake (a loop in an import). */
export const MAX_NOTIFICATION_RULES = 100;

/** Who may receive messages: the Owner and the Site Admins who manage the site with them. */
export const RECIPIENT_ROLES: readonly Role[] = ["owner", "site-admin"];

/** What the notification rules read of the site. */
export interface NotificationView {
  readonly users: ReadonlyMap<string, Pick<User, "id" | "firstName" | "lastName" | "email" | "phone" | "role">>;
  readonly doorIds: Known;
  readonly lockIds: Known;
}

type RuleDraft = Pick<NotificationRule, "name" | "people" | "doors" | "timing" | "channels" | "recipientIds">;

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];
const fullName = (u: Pick<User, "firstName" | "lastName">): string => `${u.firstName} ${u.lastName}`;

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return uniq(ids.filter((id) => seen.has(id) || !seen.add(id)));
}

/** A rule's name is unique among the site's rules, ignoring case and surrounding spaces. */
export function notificationNameTaken(rules: readonly Pick<NotificationRule, "id" | "name">[], name: string, exceptId: string | null = null): AppError | null {
  const key = nameKey(name);
  const other = rules.find((r) => r.id !== exceptId && nameKey(r.name) === key);
  if (!other) return null;
  return new AppError("notification.name_taken", `There is already a notification called "${other.name}".`, { name: name.trim(), otherRuleId: other.id });
}

function unknownIds(code: string, what: string, known: Known, ids: readonly string[]): AppError | null {
  const missing = uniq(ids.filter((id) => !known.has(id)));
  if (missing.length === 0) return null;
  return new AppError(code, `${missing.length} of the ${what} named ${missing.length === 1 ? "is" : "are"} not part of this site.`, { ids: missing });
}

function repeated(field: string, ids: readonly string[]): AppError | null {
  const twice = duplicates(ids);
  if (twice.length === 0) return null;
  return new AppError("notification.duplicate_ids", `The ${field} list names the same one twice.`, { field, ids: twice });
}

/** Every recipient can be reached on every channel of the rule: e-mail needs an address, SMS a phone, the app an account (an e-mail). */
function unreachable(view: NotificationView, draft: RuleDraft): AppError | null {
  for (const id of draft.recipientIds) {
    const u = view.users.get(id);
    if (!u) continue;
    const missing = draft.channels.filter((c) => (c === "sms" ? u.phone === null : u.email === null));
    if (missing.length > 0) {
      const how = missing.map((c) => (c === "sms" ? "a phone number for SMS" : c === "email" ? "an e-mail address" : "an e-mail address for the app account"));
      return new AppError("notification.recipient_unreachable", `${fullName(u)} cannot receive this notification: add ${uniq(how).join(" and ")}, or choose other channels.`, {
        userId: id,
        channels: missing,
      });
    }
  }
  return null;
}

function recipientRole(view: NotificationView, draft: RuleDraft): AppError | null {
  const wrong = draft.recipientIds.map((id) => view.users.get(id)).filter((u) => u !== undefined && !RECIPIENT_ROLES.includes(u.role));
  if (wrong.length === 0) return null;
  return new AppError(
    "notification.recipient_role",
    `Messages go to the Owner and the Site Admins; ${wrong.map((u) => fullName(u!)).join(", ")} ${wrong.length === 1 ? "is" : "are"} neither.`,
    { ids: wrong.map((u) => u!.id) },
  );
}

/** The first refusal of one rule, in the order the "if _ opened _ in _ via _" form is filled in. */
export function checkNotificationRule(
  view: NotificationView,
  rules: readonly Pick<NotificationRule, "id" | "name">[],
  draft: RuleDraft,
  exceptId: string | null = null,
): AppError | null {
  const people = draft.people === "anyone" ? [] : draft.people;
  const doors = draft.doors === "any" ? [] : draft.doors;
  const timeframe = draft.timing.kind === "always" ? null : draft.timing.timeframe;
  return (
    notificationNameTaken(rules, draft.name, exceptId) ??
    repeated("people", people) ??
    unknownIds("notification.unknown_people", "people", { has: (id) => view.users.has(id) }, people) ??
    repeated("doors", doors) ??
    unknownIds("notification.unknown_doors", "doors", view.doorIds, doors) ??
    (timeframe === null ? null : timeframeInvalid(timeframe)) ??
    repeated("channels", draft.channels) ??
    repeated("recipients", draft.recipientIds) ??
    unknownIds("notification.unknown_recipients", "recipients", { has: (id) => view.users.has(id) }, draft.recipientIds) ??
    recipientRole(view, draft) ??
    unreachable(view, draft)
  );
}

/**
 * The first refusal of a whole list of rules (what the presets form saves): not too
 * many, ids unique, and each rule against the site and the rules before it.
 */
export function checkNotificationRules(view: NotificationView, rules: readonly NotificationRule[]): AppError | null {
  if (rules.length > MAX_NOTIFICATION_RULES) {
    return new AppError("notification.too_many", `At most ${MAX_NOTIFICATION_RULES} notification rules per site.`, { count: rules.length, max: MAX_NOTIFICATION_RULES });
  }
  const ids = duplicates(rules.map((r) => r.id));
  if (ids.length > 0) return new AppError("notification.duplicate_ids", "Two notification rules have the same id.", { field: "rules", ids });
  for (const [i, rule] of rules.entries()) {
    const refusal = checkNotificationRule(view, rules.slice(0, i), rule, rule.id);
    if (refusal) return new AppError(refusal.code, `Notification "${rule.name.trim()}": ${refusal.message}`, { ...(refusal.details as object), ruleId: rule.id, index: i });
  }
  return null;
}

/**
 * NOT CLOSED alerts: one entry per lock of the site, switched on or off. The delay is
 * the product's 38 seconds; asking for another is refused, not silently ignored.
 */
export function checkNotClosedAlerts(view: NotificationView, alerts: readonly NotClosedAlert[], afterSeconds: number = NOT_CLOSED_AFTER_SECONDS): AppError | null {
  if (afterSeconds !== NOT_CLOSED_AFTER_SECONDS) {
    return new AppError("notification.not_closed_fixed", `NOT CLOSED alerts fire after ${NOT_CLOSED_AFTER_SECONDS} seconds; the delay cannot be changed, only the alert switched off per door.`, {
      afterSeconds,
      fixed: NOT_CLOSED_AFTER_SECONDS,
    });
  }
  const ids = alerts.map((a) => a.lockId);
  const twice = duplicates(ids);
  if (twice.length > 0) return new AppError("notification.duplicate_ids", "A lock has two NOT CLOSED alert settings.", { field: "notClosed", ids: twice });
  return unknownIds("notification.unknown_locks", "locks", view.lockIds, ids);
}
