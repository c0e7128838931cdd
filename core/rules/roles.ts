import type { Role } from "../domain/index.ts";
import { KsError } from "../errors/index.ts";

/**
 * Who may do what on a site (roles of L122; Pod Member and Pod Guest are relations to
 * a pod, see pods.ts). The FAQ names Site Admins as the ones who set up the Tag reader
 * (L110), assign Personal lockers and release anyone's (L13, L18), block tags (L41) and
 * set guest limits (L144); the Owner is who the site is handed over to (L247) and holds
 * everything a Site Admin does. A Site Super User sees the People page (L122) and, in
 * KS, opens every lock at any time, but manages nothing; a User only opens what their
 * access groups give them. A refusal is the cloud's 2203 "Operation cannot be executed".
 */
export const CAPABILITIES = [
  /** See the People page and a user's detail. */
  "people.view",
  /** Add, change and remove users; give them tags (Smart Tag Enrollment). */
  "people.manage",
  /** Block a lost tag and issue its replacement. */
  "tags.block",
  /** Make a tag a Master Key, or unassign it as one. */
  "tags.master-key",
  /** Choose the site's Tag reader. */
  "tag-reader.select",
  /** Access groups, schedules, and users' lock permissions (MOM, EOM). */
  "access.manage",
  /** A lock's settings: its EOM schedule. */
  "locks.configure",
  /** Put a lock in or out of office mode from the app (not with a tag). */
  "office-mode.remote",
  /** Locker banks, Personal assignments, releasing anyone's Dynamic locker. */
  "lockers.manage",
  /** Open every lock at any time, whatever the access groups say. */
  "locks.open-all",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

const ALL: readonly Capability[] = CAPABILITIES;

export const ROLE_CAPABILITIES: Readonly<Record<Role, readonly Capability[]>> = Object.freeze({
  owner: ALL,
  "site-admin": ALL,
  "site-super-user": ["people.view", "locks.open-all"],
  user: [],
});

export const ROLE_NAMES: Readonly<Record<Role, string>> = Object.freeze({
  owner: "the Owner",
  "site-admin": "a Site Admin",
  "site-super-user": "a Site Super User",
  user: "a User",
});

const WHAT: Readonly<Record<Capability, string>> = {
  "people.view": "see the people of the site",
  "people.manage": "add or change users and give them tags",
  "tags.block": "block a tag",
  "tags.master-key": "make or unmake a Master Key tag",
  "tag-reader.select": "choose the site's Tag reader",
  "access.manage": "change access groups, schedules or lock permissions",
  "locks.configure": "change a lock's settings",
  "office-mode.remote": "put a lock in or out of office mode from the app",
  "lockers.manage": "manage lockers",
  "locks.open-all": "open every lock at any time",
};

export function can(role: Role, capability: Capability): boolean {
  return ROLE_CAPABILITIES[role].includes(capability);
}

/** 2203 when the role lacks the capability: the message says who may. */
export function mayNot(role: Role, capability: Capability): KsError | null {
  if (can(role, capability)) return null;
  const who = (Object.keys(ROLE_CAPABILITIES) as Role[]).filter((r) => can(r, capability)).map((r) => ROLE_NAMES[r]);
  return new KsError(2203, {
    message: `As ${ROLE_NAMES[role]} you cannot ${WHAT[capability]}; only ${who.join(" or ")} can.`,
    details: { role, capability },
  });
}
