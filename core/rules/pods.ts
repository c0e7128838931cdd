import { podNameKey, type Pod, type PodGuest, type PodMember, type Role, type Tag, type User } from "../domain/index.ts";
import { AppError, KsError } from "../errors/index.ts";

/**
 * The pod rules of the KS cloud (errors 2213-2222), as pure functions over data the
 * caller passes in: Lintel checks them against the open site file, the cloud emulator
 * against its own tables, so a sync never fails on a rule the installer could have
 * been told about on site. Each returns the refusal (a KsError with the ids at fault
 * in `details`) or null.
 */

/** What the pod rules read of one site; the caller builds it from wherever the site lives. */
export interface PodSiteView {
  readonly pods: readonly Pod[];
  readonly users: readonly Pick<User, "id" | "email">[];
  readonly tags: readonly Tag[];
  readonly lockIds: readonly string[];
  readonly guests: readonly Pick<PodGuest, "id" | "podId" | "tagId" | "lockIds">[];
}

/** A member as a create or add-members request names them. */
export type MemberDraft = Pick<PodMember, "userId" | "lockIds"> & { readonly tagId?: string | null | undefined };

/** Who is blocking a tag: a site role, or a pod member acting for their pod. */
export type BlockingRole = Role | "pod-member";

const ks = (code: ConstructorParameters<typeof KsError>[0], message: string, details: Record<string, unknown>) =>
  new KsError(code, { message, details });

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

/** 2213: a pod's name is unique in its site, ignoring case and surrounding spaces. */
export function podNameTaken(view: PodSiteView, name: string, exceptPodId: string | null = null): KsError | null {
  const key = podNameKey(name);
  const other = view.pods.find((p) => p.id !== exceptPodId && podNameKey(p.name) === key);
  if (!other) return null;
  return ks(2213, `The site already has a pod called "${other.name}".`, { name: name.trim(), podId: other.id });
}

/** 2214: a pod (and its members) can only use locks of its own site. */
export function locksOutsideSite(view: PodSiteView, lockIds: readonly string[]): KsError | null {
  const site = new Set(view.lockIds);
  const missing = uniq(lockIds.filter((id) => !site.has(id)));
  if (missing.length === 0) return null;
  return ks(2214, `${missing.length} lock(s) are not part of this site: ${missing.join(", ")}.`, { lockIds: missing });
}

/** 2215: at least one member has an e-mail (the cloud invites the pod through it). */
export function noMemberWithEmail(view: PodSiteView, memberUserIds: readonly string[]): KsError | null {
  const emails = new Map(view.users.map((u) => [u.id, u.email]));
  if (memberUserIds.some((id) => (emails.get(id) ?? null) !== null)) return null;
  return ks(2215, "At least one member of the pod needs an e-mail address; none of these members has one.", { userIds: [...memberUserIds] });
}

/** 2216: a user appears once in a pod's member list. */
export function duplicateMembers(memberUserIds: readonly string[]): KsError | null {
  const seen = new Set<string>();
  const twice = uniq(memberUserIds.filter((id) => seen.has(id) || !seen.add(id)));
  if (twice.length === 0) return null;
  return ks(2216, `These users are named twice in the pod: ${twice.join(", ")}.`, { userIds: twice });
}

/**
 * 2217: a user is a member of at most one pod per site. The FAQ (L172) lets a member
 * belong to several pods; read with 2217 that means pods of different sites.
 */
export function membersInOtherPods(view: PodSiteView, userIds: readonly string[], podId: string | null): KsError | null {
  const wanted = new Set(userIds);
  const clashes = view.pods.flatMap((p) => (p.id === podId ? [] : p.members.filter((m) => wanted.has(m.userId)).map((m) => ({ userId: m.userId, podId: p.id }))));
  if (clashes.length === 0) return null;
  return ks(2217, `${clashes.length} user(s) already belong to another pod of this site; remove them from it first.`, {
    userIds: uniq(clashes.map((c) => c.userId)),
    podIds: uniq(clashes.map((c) => c.podId)),
  });
}

/** 2218: one tag goes to one member: not twice in a request, not to a member who already holds it elsewhere. */
export function memberTagClash(view: PodSiteView, members: readonly MemberDraft[], podId: string | null): KsError | null {
  const byTag = new Map<string, string[]>();
  for (const m of members) if (m.tagId) byTag.set(m.tagId, [...(byTag.get(m.tagId) ?? []), m.userId]);
  for (const p of view.pods) {
    for (const m of p.members) {
      if (m.tagId === null || !byTag.has(m.tagId)) continue;
      if (p.id === podId && members.some((d) => d.userId === m.userId)) continue; // the same member, restated
      byTag.get(m.tagId)!.push(m.userId);
    }
  }
  const clashing = [...byTag].filter(([, users]) => users.length > 1);
  if (clashing.length === 0) return null;
  return ks(2218, `A tag cannot go to two pod members: ${clashing.map(([t]) => t).join(", ")}.`, {
    tagIds: clashing.map(([t]) => t),
    userIds: uniq(clashing.flatMap(([, users]) => users)),
  });
}

/** 2219: lowering a pod's guest limit below the guests it already has would strand some of them. */
export function guestLimitBelowCount(view: PodSiteView, podId: string, guestLimit: number): KsError | null {
  const guests = view.guests.filter((g) => g.podId === podId).length;
  if (guestLimit >= guests) return null;
  return ks(2219, `The pod has ${guests} guest(s); its limit cannot go down to ${guestLimit}. Remove guests first.`, { podId, guestLimit, guests });
}

/** 2220: a pod member's site account is left alone until they leave the pod. */
export function userIsPodMember(view: PodSiteView, userId: string): KsError | null {
  const podIds = view.pods.filter((p) => p.members.some((m) => m.userId === userId)).map((p) => p.id);
  if (podIds.length === 0) return null;
  return ks(2220, "This user is a pod member: remove them from the pod first.", { userId, podIds });
}

/** 2221: invitations beyond the pod's guest limit are refused whole; none is sent. */
export function guestsOverLimit(view: PodSiteView, pod: Pick<Pod, "id" | "guestLimit">, adding: number): KsError | null {
  const guests = view.guests.filter((g) => g.podId === pod.id).length;
  if (guests + adding <= pod.guestLimit) return null;
  return ks(2221, `The pod has ${guests} of ${pod.guestLimit} guest(s); ${adding} more would go over the limit, so none was invited.`, {
    podId: pod.id,
    guestLimit: pod.guestLimit,
    guests,
    adding,
  });
}

/** 2222: guests only get locks of their pod. */
export function guestLocksOutsidePod(pod: { readonly id: string; readonly lockIds: readonly string[] }, lockIds: readonly string[], guestIds: readonly string[] = []): KsError | null {
  const podLocks = new Set(pod.lockIds);
  const outside = uniq(lockIds.filter((id) => !podLocks.has(id)));
  if (outside.length === 0) return null;
  return ks(2222, `${outside.length} lock(s) are not locks of this pod: ${outside.join(", ")}.`, { podId: pod.id, lockIds: outside, guestIds: [...guestIds] });
}

/** Pod members cannot block tags, not even their guests' (seed L41): they unassign, or ask a Site Admin. */
export function cannotBlockTag(role: BlockingRole, tagId: string): KsError | null {
  if (role === "owner" || role === "site-admin") return null;
  return new KsError(2203, {
    message: role === "pod-member" ? "Pod Members cannot block tags: unassign the tag, or ask a Site Admin to block it." : "Only a Site Admin or the Owner can block a tag.",
    details: { tagId, role },
  });
}

/** Where a tag is: free in the site, held by a user, free in a pod, or held by a pod guest. */
export type TagPlace =
  | { readonly kind: "site" }
  | { readonly kind: "user"; readonly userId: string; readonly podId: string | null }
  | { readonly kind: "pod"; readonly podId: string }
  | { readonly kind: "guest"; readonly guestId: string; readonly podId: string | null };

export function placeOf(tag: Tag): TagPlace {
  if (tag.guestId !== null) return { kind: "guest", guestId: tag.guestId, podId: tag.podId };
  if (tag.userId !== null) return { kind: "user", userId: tag.userId, podId: tag.podId };
  return tag.podId !== null ? { kind: "pod", podId: tag.podId } : { kind: "site" };
}

/**
 * Why a tag cannot be taken from where it should be, or null. `from` is where the
 * operation expects it: free in the site (a Site Admin gives it to a pod or a member;
 * a member may also be given a tag they already hold), or free in a given pod (a
 * member gives it to a guest). Not a KS code: the cloud answers with its generic 1101.
 */
export function tagNotFree(view: PodSiteView, tagId: string, from: { readonly site: true; readonly userId?: string } | { readonly podId: string }): AppError | null {
  const tag = view.tags.find((t) => t.id === tagId);
  if (!tag) return new AppError("pod.tag_unknown", "That tag is not part of this site.", { tagId });
  if (tag.state === "blocked") return new AppError("pod.tag_unavailable", `Tag ${tag.number} is blocked.`, { tagId, place: placeOf(tag) });
  const place = placeOf(tag);
  const ok =
    "podId" in from
      ? place.kind === "pod" && place.podId === from.podId
      : place.kind === "site" || (place.kind === "user" && place.podId === null && place.userId === from.userId);
  if (ok) return null;
  const where = "podId" in from ? "free in this pod" : "free in the site";
  return new AppError("pod.tag_unavailable", `Tag ${tag.number} is not ${where}.`, { tagId, place });
}

/** The first refusal of a new pod, checked in the order a person fixes them. */
export function checkNewPod(view: PodSiteView, draft: { readonly name: string; readonly lockIds: readonly string[]; readonly members: readonly MemberDraft[] }): KsError | null {
  const userIds = draft.members.map((m) => m.userId);
  return (
    podNameTaken(view, draft.name) ??
    locksOutsideSite(view, [...draft.lockIds, ...draft.members.flatMap((m) => m.lockIds)]) ??
    duplicateMembers(userIds) ??
    membersInOtherPods(view, userIds, null) ??
    noMemberWithEmail(view, userIds) ??
    memberTagClash(view, draft.members, null)
  );
}

/** The first refusal of adding members to a pod: the pod's rules must hold with them in it. */
export function checkAddMembers(view: PodSiteView, pod: Pod, members: readonly MemberDraft[]): KsError | null {
  const all = [...pod.members.map((m) => m.userId), ...members.map((m) => m.userId)];
  return (
    locksOutsideSite(view, members.flatMap((m) => m.lockIds)) ??
    duplicateMembers(all) ??
    membersInOtherPods(view, members.map((m) => m.userId), pod.id) ??
    noMemberWithEmail(view, all) ??
    memberTagClash(view, members, pod.id)
  );
}

/** The first refusal of a pod's new name, guest limit or locks. */
export function checkPodUpdate(view: PodSiteView, pod: Pod, next: { readonly name?: string; readonly guestLimit?: number; readonly lockIds?: readonly string[] }): KsError | null {
  const guests = view.guests.filter((g) => g.podId === pod.id);
  return (
    (next.name === undefined ? null : podNameTaken(view, next.name, pod.id)) ??
    (next.guestLimit === undefined ? null : guestLimitBelowCount(view, pod.id, next.guestLimit)) ??
    (next.lockIds === undefined ? null : locksOutsideSite(view, next.lockIds)) ??
    (next.lockIds === undefined
      ? null
      : guestLocksOutsidePod(
          { id: pod.id, lockIds: next.lockIds },
          guests.flatMap((g) => g.lockIds),
          guests.filter((g) => g.lockIds.some((l) => !next.lockIds!.includes(l))).map((g) => g.id),
        ))
  );
}

/** The first refusal of inviting `count` guests with these locks: all are invited or none. */
export function checkInviteGuests(view: PodSiteView, pod: Pod, count: number, lockIds: readonly string[]): KsError | null {
  return guestLocksOutsidePod(pod, lockIds) ?? guestsOverLimit(view, pod, count);
}
