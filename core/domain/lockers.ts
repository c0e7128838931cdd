import { z } from "zod";
import { Id, Instant, Name } from "./common.ts";

/** GANTNER locker banks (L9-22): Personal (assigned by admins) or Dynamic (occupy/release). */
export const LockerMode = z.enum(["personal", "dynamic"]);

export const LockerBank = z.object({
  id: Id,
  name: Name,
  mode: LockerMode,
});
export type LockerBank = z.infer<typeof LockerBank>;

export const Locker = z.object({
  id: Id,
  bankId: Id,
  number: z.number().int().min(1).max(9999),
  lockId: Id.nullable().default(null),
  /** Personal mode: one or more assigned users; free only when none remain. */
  assigneeIds: z.array(Id).default([]),
  /** Dynamic mode: who occupies it now, until released by them or an admin. */
  occupant: z.object({ userId: Id, since: Instant }).nullable().default(null),
});
export type Locker = z.infer<typeof Locker>;
