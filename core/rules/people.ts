import type { Role, User } from "../domain/index.ts";
import { AppError, type KsError } from "../errors/index.ts";
import { mayNot } from "./roles.ts";

/**
 * Rules for users (L107, L122): who may add or change them, one Owner per site, one
 * user per e-mail address. Pure: the caller says what the site holds.
 */

/** What the user rules read of the site. */
export interface PeopleView {
  /** Users holding the Owner role now (asked only when a rule needs it: it may mean a scan). */
  readonly ownerIds: () => readonly string[];
  /** Whoever already uses an e-mail address (case-insensitive), if anyone. */
  readonly userWithEmail: (email: string) => Pick<User, "id" | "firstName" | "lastName"> | undefined;
}

export const emailKey = (email: string): string => email.trim().toLowerCase();

/**
 * The cloud knows a person by their e-mail (an invitation goes to it, social login maps
 * to it, L8): two users of a site cannot share one.
 */
export function emailTaken(view: PeopleView, email: string | null, exceptUserId: string | null = null): AppError | null {
  if (email === null) return null;
  const other = view.userWithEmail(email);
  if (!other || other.id === exceptUserId) return null;
  return new AppError("user.email_taken", `${other.firstName} ${other.lastName} already uses ${email.trim()} on this site.`, { email: email.trim(), userId: other.id });
}

/** A site has one Owner, the person it is handed over to (L247). */
export function secondOwner(view: PeopleView, role: Role, exceptUserId: string | null = null): AppError | null {
  if (role !== "owner") return null;
  const others = view.ownerIds().filter((id) => id !== exceptUserId);
  if (others.length === 0) return null;
  return new AppError("user.one_owner", "The site already has its Owner; a site has one. Give this person another role.", { ownerIds: others });
}

/** The first refusal of a new user, made by someone of `actorRole`. */
export function checkNewUser(view: PeopleView, actorRole: Role, draft: Pick<User, "role" | "email">): KsError | AppError | null {
  return mayNot(actorRole, "people.manage") ?? secondOwner(view, draft.role) ?? emailTaken(view, draft.email);
}

/**
 * The first refusal of changing a user. The Owner's role changes only through a
 * handover: nobody becomes or stops being the Owner by an edit.
 */
export function checkUserUpdate(view: PeopleView, actorRole: Role, current: Pick<User, "id" | "role" | "email">, next: Pick<User, "role" | "email">): KsError | AppError | null {
  const denied = mayNot(actorRole, "people.manage");
  if (denied) return denied;
  if (current.role !== next.role && (current.role === "owner" || next.role === "owner")) {
    return new AppError("user.owner_role", "The Owner changes only when the site is handed over, not by editing a user.", {
      userId: current.id,
      from: current.role,
      to: next.role,
    });
  }
  return emailTaken(view, next.email, current.id);
}

/** Lock permissions (MOM, EOM, L186-190) are part of a user's access: Site Admins and the Owner set them. */
export function checkLockPermissions(actorRole: Role): KsError | null {
  return mayNot(actorRole, "access.manage");
}
