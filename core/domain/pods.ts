import { z } from "zod";
import { Id, Instant, Name } from "./common.ts";
import { Timeframe } from "./schedules.ts";

/** One member of a pod, with the tag and locks the Site Admin gave them (L28). */
export const PodMember = z.object({
  userId: Id,
  tagId: Id.nullable().default(null),
  lockIds: z.array(Id),
});
export type PodMember = z.infer<typeof PodMember>;

/** A pod (L23-41, L134-176; rules 2213-2222 live in core/rules). */
export const Pod = z.object({
  id: Id,
  name: Name,
  members: z.array(PodMember),
  lockIds: z.array(Id),
  /** Unassigned site tags handed to the pod, for members to give to guests. */
  tagIds: z.array(Id),
  /** Set by a Site Admin only (L144). */
  guestLimit: z.number().int().min(0).max(10_000),
  timeframe: Timeframe,
});
export type Pod = z.infer<typeof Pod>;

/**
 * The key under which a pod name must be unique in a site (2213): trimmed and
 * case-folded, so "Studio A" and " studio a " are the same pod to a person.
 */
export function podNameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** A guest's invitation link: single use, expiring; only the token's hash is stored. */
export const Invitation = z.object({
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: Instant,
  usedAt: Instant.nullable().default(null),
});
export type Invitation = z.infer<typeof Invitation>;

export const PodGuest = z.object({
  id: Id,
  podId: Id,
  invitedBy: Id,
  firstName: Name,
  lastName: Name,
  lockIds: z.array(Id).min(1),
  /** Check-in / check-out: a timeframe whose dates carry times (L163). */
  timeframe: Timeframe,
  tagId: Id.nullable().default(null),
  invitation: Invitation,
  status: z.enum(["invited", "active", "removed"]),
});
export type PodGuest = z.infer<typeof PodGuest>;
