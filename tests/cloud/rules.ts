import type { AccessGroup, Pod, PodGuest, Role, Schedule, Tag, User } from "../../core/domain/index.ts";
import { AppError, KsError } from "../../core/errors/index.ts";
import { checkAccessGroup } from "../../core/rules/access-groups.ts";
import { checkNewUser, checkUserUpdate, emailKey, type PeopleView } from "../../core/rules/people.ts";
import {
  cannotBlockTag,
  checkInviteGuests,
  checkNewPod,
  guestLimitBelowCount,
  guestLocksOutsidePod,
  userIsPodMember,
  type PodSiteView,
} from "../../core/rules/pods.ts";
import { checkSchedule } from "../../core/rules/schedules.ts";
import { checkLeaveSite, checkMasterKey, tagAssignRefusal } from "../../core/rules/tags.ts";
import type { DomainDoc, ResourceName } from "./resources.ts";

/**
 * The cloud enforces Lintel's own rules (core/rules) on every write, so that the
 * refusals a sync meets are the ones the installer could have been shown on site.
 * Rules that answer a KS code keep it; rules that answer an AppError of their own
 * (e.g. `schedule.name_taken`) travel as the cloud's generic 1100 with the rule's
 * code, message and details — the vendor's table has no closer code.
 */

/** What the rules may read of one site; content.ts implements it over the database. */
export interface SiteReader {
  readonly siteId: string;
  all(resource: ResourceName): DomainDoc[];
  ids(resource: ResourceName): string[];
  has(resource: ResourceName, id: string): boolean;
  domain(resource: ResourceName, id: string): DomainDoc | undefined;
  lookup(kind: "tag-number" | "user-email" | "user-owner", value: string): string[];
  /** The e-mail of every user, without reading whole documents. */
  userEmails(): { id: string; email: string | null }[];
}

/** An AppError of a rule as the KS error the cloud answers. */
export function asKs(e: KsError | AppError | null): KsError | null {
  if (e === null || e instanceof KsError) return e;
  return new KsError(1100, { message: e.message, details: { rule: e.code, ...(typeof e.details === "object" && e.details !== null ? e.details : { value: e.details }) } });
}

/** The pod rules' view of the site, read lazily: most checks need only a part of it. */
function podView(site: SiteReader, without: { readonly pod?: string } = {}): PodSiteView {
  let pods: Pod[] | undefined;
  let users: { id: string; email: string | null }[] | undefined;
  let tags: Tag[] | undefined;
  let lockIds: string[] | undefined;
  let guests: PodGuest[] | undefined;
  return {
    get pods() {
      return (pods ??= (site.all("pods") as unknown as Pod[]).filter((p) => p.id !== without.pod));
    },
    get users() {
      return (users ??= site.userEmails());
    },
    get tags() {
      return (tags ??= site.all("tags") as unknown as Tag[]);
    },
    get lockIds() {
      return (lockIds ??= site.ids("locks"));
    },
    get guests() {
      return (guests ??= site.all("pod-guests") as unknown as PodGuest[]);
    },
  };
}

function peopleView(site: SiteReader): PeopleView {
  return {
    ownerIds: () => site.lookup("user-owner", "owner"),
    userWithEmail: (email) => {
      const id = site.lookup("user-email", emailKey(email))[0];
      return id === undefined ? undefined : (site.domain("users", id) as unknown as User | undefined);
    },
  };
}

/** The first refusal of writing `next` over `stored` (null: a new entity). */
export function checkWrite(site: SiteReader, resource: ResourceName, stored: DomainDoc | null, next: DomainDoc, role: Role): KsError | null {
  switch (resource) {
    case "users": {
      const u = next as unknown as User;
      return asKs(stored === null ? checkNewUser(peopleView(site), role, u) : checkUserUpdate(peopleView(site), role, stored as unknown as User, u));
    }
    case "tags": {
      const t = next as unknown as Tag;
      const before = stored as unknown as Tag | null;
      if (before?.state === "blocked" && t.state !== "blocked") return asKs(tagAssignRefusal(before, t.userId));
      if (before !== null && before.masterKey !== t.masterKey) {
        const refused = asKs(checkMasterKey(role, before, t.masterKey));
        if (refused) return refused;
      }
      if (t.state === "blocked" && before?.state !== "blocked") return cannotBlockTag(role, t.id);
      return null;
    }
    case "schedules": {
      const s = next as unknown as Schedule;
      return asKs(checkSchedule(site.all("schedules") as unknown as Schedule[], s, s.id));
    }
    case "access-groups": {
      const g = next as unknown as AccessGroup;
      const known = (r: ResourceName) => ({ has: (id: string) => site.has(r, id) });
      const view = { groups: site.all("access-groups") as unknown as AccessGroup[], lockIds: known("locks"), userIds: known("users"), scheduleIds: known("schedules") };
      return asKs(checkAccessGroup(view, role, g, g.id));
    }
    case "pods": {
      const p = next as unknown as Pod;
      const draft = { name: p.name, lockIds: p.lockIds, members: p.members };
      if (stored === null) return checkNewPod(podView(site), draft);
      // A replaced pod must pass as if new among the others, and keep its guests valid.
      const view = podView(site);
      const guests = view.guests.filter((g) => g.podId === p.id);
      return (
        checkNewPod(podView(site, { pod: p.id }), draft) ??
        guestLimitBelowCount(view, p.id, p.guestLimit) ??
        guestLocksOutsidePod(
          { id: p.id, lockIds: p.lockIds },
          guests.flatMap((g) => g.lockIds),
          guests.filter((g) => g.lockIds.some((l) => !p.lockIds.includes(l))).map((g) => g.id),
        )
      );
    }
    case "pod-guests": {
      const g = next as unknown as PodGuest;
      const pod = site.domain("pods", g.podId) as unknown as Pod | undefined;
      if (!pod) return null; // the reference check answers 1101
      if (stored === null) return checkInviteGuests(podView(site), pod, 1, g.lockIds);
      return guestLocksOutsidePod(pod, g.lockIds, [g.id]);
    }
    default:
      return null;
  }
}

/** The first refusal of deleting `stored` (before the generic "still referenced" check). */
export function checkDelete(site: SiteReader, resource: ResourceName, stored: DomainDoc, role: Role): KsError | null {
  switch (resource) {
    case "users":
      return userIsPodMember(podView(site), stored.id);
    case "tags":
      return asKs(checkLeaveSite(role, stored as unknown as Tag));
    default:
      return null;
  }
}
