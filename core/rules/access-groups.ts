import { nameKey, type AccessGroup, type Role } from "../domain/index.ts";
import { AppError, type KsError } from "../errors/index.ts";
import { mayNot } from "./roles.ts";

/**
 * Access groups: locks × schedules × users (the KS model behind "Select the Access
 * group(s) the user may be a part of", L107). A group without a schedule opens at any
 * time, like KS's "Always". Everything a group names must be part of the site.
 */

/** Which ids the site knows: a Set, or a lookup by primary key (a site may have 100,000 users). */
export interface Known {
  has(id: string): boolean;
}

/** What the access-group rules read of the site. */
export interface AccessView {
  readonly groups: readonly Pick<AccessGroup, "id" | "name">[];
  readonly lockIds: Known;
  readonly userIds: Known;
  readonly scheduleIds: Known;
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

export function groupNameTaken(view: AccessView, name: string, exceptId: string | null = null): AppError | null {
  const key = nameKey(name);
  const other = view.groups.find((g) => g.id !== exceptId && nameKey(g.name) === key);
  if (!other) return null;
  return new AppError("access-group.name_taken", `The site already has an access group called "${other.name}".`, { name: name.trim(), accessGroupId: other.id });
}

function unknown(kind: "locks" | "users" | "schedules", known: Known, ids: readonly string[]): AppError | null {
  const missing = uniq(ids.filter((id) => !known.has(id)));
  if (missing.length === 0) return null;
  return new AppError(`access-group.unknown_${kind}`, `${missing.length} of the ${kind} named are not part of this site.`, { ids: missing });
}

export const unknownLocks = (view: AccessView, ids: readonly string[]) => unknown("locks", view.lockIds, ids);
export const unknownUsers = (view: AccessView, ids: readonly string[]) => unknown("users", view.userIds, ids);
export const unknownSchedules = (view: AccessView, ids: readonly string[]) => unknown("schedules", view.scheduleIds, ids);

/** The first refusal of a new or changed access group, in the order a person fixes them. */
export function checkAccessGroup(
  view: AccessView,
  actorRole: Role,
  draft: Partial<Pick<AccessGroup, "name" | "lockIds" | "scheduleIds" | "userIds">>,
  exceptId: string | null = null,
): KsError | AppError | null {
  return (
    mayNot(actorRole, "access.manage") ??
    (draft.name === undefined ? null : groupNameTaken(view, draft.name, exceptId)) ??
    unknownLocks(view, draft.lockIds ?? []) ??
    unknownSchedules(view, draft.scheduleIds ?? []) ??
    unknownUsers(view, draft.userIds ?? [])
  );
}
