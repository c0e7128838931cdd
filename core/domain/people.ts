import { z } from "zod";
import { Email, Id, Instant, Name } from "./common.ts";

/** Site roles (L122). Pod Member and Pod Guest are relations to a pod, see pods.ts. */
export const Role = z.enum(["owner", "site-admin", "site-super-user", "user"]);
export type Role = z.infer<typeof Role>;

/** Ways of opening (L239-244). */
export const WaysOfOpening = z.object({
  digitalKey: z.boolean().default(true),
  remoteOpening: z.boolean().default(false),
  pin: z.boolean().default(false),
  tag: z.boolean().default(false),
});
export type WaysOfOpening = z.infer<typeof WaysOfOpening>;

/** Lock permissions of a user (L186-190): may toggle Manual / Easy Office Mode. */
export const LockPermissions = z.object({
  manualOfficeMode: z.boolean().default(false),
  easyOfficeMode: z.boolean().default(false),
});
export type LockPermissions = z.infer<typeof LockPermissions>;

export const User = z.object({
  id: Id,
  firstName: Name,
  lastName: Name,
  email: Email.nullable().default(null),
  phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/).nullable().default(null),
  role: Role.default("user"),
  waysOfOpening: WaysOfOpening.default({ digitalKey: true, remoteOpening: false, pin: false, tag: false }),
  lockPermissions: LockPermissions.default({ manualOfficeMode: false, easyOfficeMode: false }),
  createdAt: Instant,
});
export type User = z.infer<typeof User>;

/**
 * A tag's number as readers and people write it: decimal, hex, or 26-bit Wiegand
 * "FFF:NNNNN". Stored upper-cased and trimmed; leading zeros are kept (they matter
 * to the people who read them off the fob).
 */
export const TagNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([0-9A-F]{4,20}|\d{1,3}:\d{1,5})$/, "a tag number is 4-20 hex/decimal digits, or FFF:NNNNN");

/** A physical RFID credential (L102-119, L244, L255). */
export const TagState = z.enum(["unassigned", "assigned", "blocked"]);
export const Tag = z
  .object({
    id: Id,
    number: TagNumber,
    state: TagState,
    userId: Id.nullable().default(null),
    /** A pod tag handed by a pod member to one of their guests. */
    guestId: Id.nullable().default(null),
    /** A tag handed to a pod (seed L23-41): pod members give it to guests. */
    podId: Id.nullable().default(null),
    masterKey: z.boolean().default(false),
    assignedAt: Instant.nullable().default(null),
  })
  .refine((t) => t.userId === null || t.guestId === null, { message: "a tag has one holder", path: ["guestId"] })
  .refine((t) => t.state === "blocked" || (t.state === "assigned") === (t.userId !== null || t.guestId !== null), {
    message: "an assigned tag has a holder and an unassigned one has none",
    path: ["state"],
  });
export type Tag = z.infer<typeof Tag>;

/** Locks × schedules × users (KS "access groups"; pods make them behind the scenes). */
export const AccessGroup = z.object({
  id: Id,
  name: Name,
  lockIds: z.array(Id),
  scheduleIds: z.array(Id),
  userIds: z.array(Id),
});
export type AccessGroup = z.infer<typeof AccessGroup>;
