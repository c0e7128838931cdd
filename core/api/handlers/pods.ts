import { createHash } from "node:crypto";
import type { Workspace } from "../../app/workspace.ts";
import type { Pod, PodGuest, PodMember, Tag } from "../../domain/index.ts";
import { AppError } from "../../errors/index.ts";
import type { RandomBytes } from "../../ports/ids.ts";
import {
  cannotBlockTag,
  checkAddMembers,
  checkInviteGuests,
  checkNewPod,
  checkPodUpdate,
  noMemberWithEmail,
  tagNotFree,
  userIsPodMember,
  type PodSiteView,
} from "../../rules/pods.ts";
import type { StoreTx } from "../../store/index.ts";
import type { PodDetail } from "../contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

/** An invitation link is good for a week: long enough for a booking, short enough that a forwarded link dies. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** What the rules and the pod page read; a StoreTx inside an action, the store outside. */
type Reader = Pick<StoreTx, "get" | "list">;

function viewOf(r: Reader): PodSiteView {
  return { pods: r.list("pod"), users: r.list("user"), tags: r.list("tag"), lockIds: r.list("lock").map((l) => l.id), guests: r.list("podGuest") };
}

function detailOf(r: Reader, podId: string): PodDetail {
  const pod = podOf(r, podId);
  const tags = r.list("tag").filter((t) => t.podId === podId);
  const held = (t: Tag) => t.userId !== null || t.guestId !== null;
  return {
    pod,
    guests: r.list("podGuest").filter((g) => g.podId === podId),
    assignedTags: tags.filter(held),
    unassignedTags: tags.filter((t) => !held(t)),
  };
}

function podOf(r: Reader, podId: string): Pod {
  const pod = r.get("pod", podId);
  if (!pod) throw new AppError("pod.not_found", "That pod is not part of this site.", { podId });
  return pod;
}

function guestOf(r: Reader, podId: string, guestId: string): PodGuest {
  const guest = r.get("podGuest", guestId);
  if (!guest || guest.podId !== podId) throw new AppError("pod.guest_not_found", "That guest is not a guest of this pod.", { podId, guestId });
  return guest;
}

/** Throws a rule's refusal: every check runs before the action writes anything. */
function refuse(error: AppError | null): void {
  if (error) throw error;
}

const uniq = (ids: readonly string[]): string[] => [...new Set(ids)];

function unknownUsers(view: PodSiteView, userIds: readonly string[]): AppError | null {
  const known = new Set(view.users.map((u) => u.id));
  const missing = uniq(userIds.filter((id) => !known.has(id)));
  return missing.length === 0 ? null : new AppError("pod.unknown_user", "Some members are not users of this site.", { userIds: missing });
}

/** Members' tags must be free in the site (or the member's own), and each named once among the pod's tags. */
function memberAndPodTagsFree(view: PodSiteView, members: readonly PodMember[], podTagIds: readonly string[]): AppError | null {
  const all = [...members.flatMap((m) => (m.tagId === null ? [] : [m.tagId])), ...podTagIds];
  const twice = all.filter((id, i) => all.indexOf(id) !== i);
  if (twice.length > 0) return new AppError("pod.tag_twice", "A tag is named twice: once is enough.", { tagIds: uniq(twice) });
  for (const m of members) if (m.tagId !== null) refuse(tagNotFree(view, m.tagId, { site: true, userId: m.userId }));
  for (const t of podTagIds) refuse(tagNotFree(view, t, { site: true }));
  return null;
}

/** Moves a tag to its new place; a blocked tag stays blocked wherever it goes. */
function moveTag(tx: StoreTx, tag: Tag, to: { readonly podId: string | null; readonly userId?: string | null; readonly guestId?: string | null }): Tag {
  const userId = to.userId ?? null;
  const guestId = to.guestId ?? null;
  const held = userId !== null || guestId !== null;
  const sameHolder = held && tag.userId === userId && tag.guestId === guestId;
  return tx.update("tag", tag.id, {
    ...tag,
    podId: to.podId,
    userId,
    guestId,
    state: tag.state === "blocked" ? "blocked" : held ? "assigned" : "unassigned",
    assignedAt: held ? (sameHolder ? tag.assignedAt : tx.at) : null,
  });
}

function tagOf(tx: StoreTx, tagId: string): Tag {
  const tag = tx.get("tag", tagId);
  if (!tag) throw new AppError("pod.tag_unknown", "That tag is not part of this site.", { tagId });
  return tag;
}

const normalMembers = (members: readonly { userId: string; tagId?: string | null | undefined; lockIds: readonly string[] }[]): PodMember[] =>
  members.map((m) => ({ userId: m.userId, tagId: m.tagId ?? null, lockIds: uniq(m.lockIds) }));

/** A 32-byte single-use token (base64url, 43 characters) from the injected random source. */
function newToken(random: RandomBytes): string {
  const bytes = new Uint8Array(32);
  bytes.set(random().subarray(0, 16), 0);
  bytes.set(random().subarray(0, 16), 16);
  return Buffer.from(bytes).toString("base64url");
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * Pods, their tags and guests, and the two site operations pods constrain (removing a
 * user, blocking a tag). Each mutation is one action that builds the rules' view of
 * the site inside its transaction, refuses with the rule's error before writing, and
 * announces `site.changed` after it commits.
 */
export function podHandlers(ws: Workspace, hub: EventHub, deps: { readonly random: RandomBytes }): HandlerModule {
  const mutate = <T>(siteId: string, actor: string, action: string, fn: (tx: StoreTx, view: PodSiteView) => T): T => {
    const out = ws.get(siteId).act({ name: action, actor }, (tx) => fn(tx, viewOf(tx)));
    hub.emit("site.changed", { siteId, action });
    return out;
  };

  return {
    "pods.list": ({ siteId }) => ws.get(siteId).list("pod"),
    "pods.get": ({ siteId, podId }) => detailOf(ws.get(siteId), podId),

    "pods.create": ({ siteId, name, members, lockIds, tagIds, guestLimit, timeframe }, ctx) =>
      mutate(siteId, ctx.actor, "pods.create", (tx, view) => {
        const drafted = normalMembers(members);
        const podTags = uniq(tagIds);
        refuse(unknownUsers(view, drafted.map((m) => m.userId)));
        refuse(checkNewPod(view, { name, lockIds, members: drafted }));
        refuse(memberAndPodTagsFree(view, drafted, podTags));
        const pod = tx.insert("pod", { name: name.trim(), members: drafted, lockIds: uniq(lockIds), tagIds: podTags, guestLimit, timeframe });
        for (const m of drafted) if (m.tagId !== null) moveTag(tx, tagOf(tx, m.tagId), { podId: pod.id, userId: m.userId });
        for (const t of podTags) moveTag(tx, tagOf(tx, t), { podId: pod.id });
        return detailOf(tx, pod.id);
      }),

    "pods.update": ({ siteId, podId, name, guestLimit, lockIds }, ctx) =>
      mutate(siteId, ctx.actor, "pods.update", (tx, view) => {
        const pod = podOf(tx, podId);
        const locks = lockIds === undefined ? undefined : uniq(lockIds);
        refuse(checkPodUpdate(view, pod, { ...(name === undefined ? {} : { name }), ...(guestLimit === undefined ? {} : { guestLimit }), ...(locks === undefined ? {} : { lockIds: locks }) }));
        tx.update("pod", podId, { ...pod, name: name?.trim() ?? pod.name, guestLimit: guestLimit ?? pod.guestLimit, lockIds: locks ?? pod.lockIds });
        return detailOf(tx, podId);
      }),

    "pods.addMembers": ({ siteId, podId, members }, ctx) =>
      mutate(siteId, ctx.actor, "pods.addMembers", (tx, view) => {
        const pod = podOf(tx, podId);
        const drafted = normalMembers(members);
        refuse(unknownUsers(view, drafted.map((m) => m.userId)));
        refuse(checkAddMembers(view, pod, drafted));
        refuse(memberAndPodTagsFree(view, drafted, []));
        tx.update("pod", podId, { ...pod, members: [...pod.members, ...drafted] });
        for (const m of drafted) if (m.tagId !== null) moveTag(tx, tagOf(tx, m.tagId), { podId, userId: m.userId });
        return detailOf(tx, podId);
      }),

    // The member keeps the tag they carry, still the pod's: removing them from the
    // site then frees it for the pod (seed L39), and a Site Admin can take it back.
    "pods.removeMember": ({ siteId, podId, userId }, ctx) =>
      mutate(siteId, ctx.actor, "pods.removeMember", (tx, view) => {
        const pod = podOf(tx, podId);
        if (!pod.members.some((m) => m.userId === userId)) throw new AppError("pod.not_member", "That user is not a member of this pod.", { podId, userId });
        const remaining = pod.members.filter((m) => m.userId !== userId);
        refuse(noMemberWithEmail(view, remaining.map((m) => m.userId)));
        tx.update("pod", podId, { ...pod, members: remaining });
        return detailOf(tx, podId);
      }),

    "pods.assignTag": ({ siteId, podId, tagId }, ctx) =>
      mutate(siteId, ctx.actor, "pods.assignTag", (tx, view) => {
        const pod = podOf(tx, podId);
        refuse(tagNotFree(view, tagId, { site: true }));
        tx.update("pod", podId, { ...pod, tagIds: uniq([...pod.tagIds, tagId]) });
        moveTag(tx, tagOf(tx, tagId), { podId });
        return detailOf(tx, podId);
      }),

    "pods.unassignTag": ({ siteId, podId, tagId }, ctx) =>
      mutate(siteId, ctx.actor, "pods.unassignTag", (tx) => {
        const pod = podOf(tx, podId);
        const tag = tagOf(tx, tagId);
        if (tag.podId !== podId) throw new AppError("pod.tag_not_in_pod", "That tag is not one of this pod's tags.", { podId, tagId });
        if (tag.guestId !== null) tx.update("podGuest", tag.guestId, (g) => ({ ...g, tagId: null }));
        tx.update("pod", podId, {
          ...pod,
          tagIds: pod.tagIds.filter((t) => t !== tagId),
          members: pod.members.map((m) => (m.tagId === tagId ? { ...m, tagId: null } : m)),
        });
        moveTag(tx, tag, { podId: null });
        return detailOf(tx, podId);
      }),

    "pods.inviteGuests": ({ siteId, podId, invitedBy, guests, lockIds, timeframe }, ctx) =>
      mutate(siteId, ctx.actor, "pods.inviteGuests", (tx, view) => {
        const pod = podOf(tx, podId);
        if (!pod.members.some((m) => m.userId === invitedBy)) throw new AppError("pod.not_member", "Only a member of this pod can invite its guests.", { podId, userId: invitedBy });
        const locks = uniq(lockIds);
        refuse(checkInviteGuests(view, pod, guests.length, locks));
        const tagIds = guests.flatMap((g) => (g.tagId ? [g.tagId] : []));
        const twice = tagIds.filter((id, i) => tagIds.indexOf(id) !== i);
        if (twice.length > 0) throw new AppError("pod.tag_twice", "One tag cannot go to two guests.", { tagIds: uniq(twice) });
        for (const t of tagIds) refuse(tagNotFree(view, t, { podId }));

        const expiresAt = new Date(Date.parse(tx.at) + INVITATION_TTL_MS).toISOString();
        const invitations = guests.map((g) => {
          const token = newToken(deps.random);
          const guest = tx.insert("podGuest", {
            podId,
            invitedBy,
            firstName: g.firstName,
            lastName: g.lastName,
            lockIds: locks,
            timeframe,
            tagId: g.tagId ?? null,
            invitation: { tokenHash: sha256(token), expiresAt, usedAt: null },
            status: "invited",
          });
          if (g.tagId) moveTag(tx, tagOf(tx, g.tagId), { podId, guestId: guest.id });
          return { guestId: guest.id, token, expiresAt };
        });
        return { detail: detailOf(tx, podId), invitations };
      }),

    "pods.assignGuestTag": ({ siteId, podId, guestId, tagId }, ctx) =>
      mutate(siteId, ctx.actor, "pods.assignGuestTag", (tx, view) => {
        const guest = guestOf(tx, podId, guestId);
        if (guest.tagId === tagId) return detailOf(tx, podId);
        refuse(tagNotFree(view, tagId, { podId }));
        if (guest.tagId !== null) moveTag(tx, tagOf(tx, guest.tagId), { podId });
        tx.update("podGuest", guestId, { ...guest, tagId });
        moveTag(tx, tagOf(tx, tagId), { podId, guestId });
        return detailOf(tx, podId);
      }),

    "pods.unassignGuestTag": ({ siteId, podId, guestId }, ctx) =>
      mutate(siteId, ctx.actor, "pods.unassignGuestTag", (tx) => {
        const guest = guestOf(tx, podId, guestId);
        if (guest.tagId === null) return detailOf(tx, podId);
        tx.update("podGuest", guestId, { ...guest, tagId: null });
        moveTag(tx, tagOf(tx, guest.tagId), { podId });
        return detailOf(tx, podId);
      }),

    // Single use: only the token's hash is kept, so the token itself is the proof.
    "pods.redeemInvitation": ({ siteId, token }, ctx) =>
      mutate(siteId, ctx.actor, "pods.redeemInvitation", (tx) => {
        const hash = sha256(token);
        const guest = tx.list("podGuest").find((g) => g.invitation.tokenHash === hash);
        if (!guest) throw new AppError("invite.unknown", "This invitation is not valid for this site.");
        if (guest.invitation.usedAt !== null) {
          throw new AppError("invite.used", `This invitation was already used on ${guest.invitation.usedAt}; each invitation works once.`, { guestId: guest.id });
        }
        if (Date.parse(tx.at) > Date.parse(guest.invitation.expiresAt)) {
          throw new AppError("invite.expired", `This invitation expired on ${guest.invitation.expiresAt}. Ask the pod member for a new one.`, { guestId: guest.id });
        }
        tx.update("podGuest", guest.id, { ...guest, status: "active", invitation: { ...guest.invitation, usedAt: tx.at } });
        return { guestId: guest.id, podId: guest.podId, firstName: guest.firstName, lastName: guest.lastName, lockIds: guest.lockIds, timeframe: guest.timeframe };
      }),

    "pods.removeGuest": ({ siteId, podId, guestId }, ctx) =>
      mutate(siteId, ctx.actor, "pods.removeGuest", (tx) => {
        const guest = guestOf(tx, podId, guestId);
        tx.remove("podGuest", guestId);
        if (guest.tagId !== null) moveTag(tx, tagOf(tx, guest.tagId), { podId });
        return detailOf(tx, podId);
      }),

    "users.remove": ({ siteId, userId }, ctx) =>
      mutate(siteId, ctx.actor, "users.remove", (tx, view) => {
        if (!tx.get("user", userId)) throw new AppError("user.not_found", "That user is not part of this site.", { userId });
        refuse(userIsPodMember(view, userId));
        const held = view.tags.filter((t) => t.userId === userId);
        // A pod's tag stays in the pod for the next guest (seed L39); any other goes back to the site.
        for (const t of held) {
          moveTag(tx, t, { podId: t.podId });
          if (t.podId !== null) tx.update("pod", t.podId, (p) => ({ ...p, tagIds: uniq([...p.tagIds, t.id]) }));
        }
        return { removed: tx.remove("user", userId), freedTagIds: held.map((t) => t.id) };
      }),

    "tags.block": ({ siteId, tagId, asRole }, ctx) =>
      mutate(siteId, ctx.actor, "tags.block", (tx) => {
        const tag = tagOf(tx, tagId);
        refuse(cannotBlockTag(asRole, tagId));
        return tx.update("tag", tagId, { ...tag, state: "blocked" });
      }),
  };
}
