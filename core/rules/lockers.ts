import { lockerBankNameKey, type Locker, type LockerBank, type Role } from "../domain/index.ts";
import { AppError, KsError } from "../errors/index.ts";
import { mayNot } from "./roles.ts";

/**
 * GANTNER locker banks (L9-22). Personal mode: Site Admins assign one or more users to
 * a locker, which is theirs until every one of them is unassigned. Dynamic mode: any
 * user occupies a free locker, which is theirs until they release it, or a Site Admin
 * does.
 */

type BankMode = LockerBank["mode"];

/** Who acts on a locker: a user of the site (in the mobile app) with their role, or the app's Site Admin. */
export interface LockerActor {
  readonly role: Role;
  /** The user acting for themselves; null when an admin acts from the desk. */
  readonly userId: string | null;
}

export function bankNameTaken(banks: readonly Pick<LockerBank, "id" | "name">[], name: string, exceptId: string | null = null): AppError | null {
  const key = lockerBankNameKey(name);
  const other = banks.find((b) => b.id !== exceptId && lockerBankNameKey(b.name) === key);
  if (!other) return null;
  return new AppError("locker.bank_name_taken", `The site already has a locker bank called "${other.name}".`, { name: name.trim(), bankId: other.id });
}

/** Locker numbers are unique in their bank. */
export function numbersTaken(existing: readonly Pick<Locker, "number">[], numbers: readonly number[]): AppError | null {
  const seen = new Set(existing.map((l) => l.number));
  const twice = [...new Set(numbers.filter((n) => seen.has(n) || !seen.add(n)))];
  if (twice.length === 0) return null;
  return new AppError("locker.number_taken", `Locker number(s) ${twice.join(", ")} already exist in this bank.`, { numbers: twice });
}

const inUse = (l: Pick<Locker, "assigneeIds" | "occupant">) => l.assigneeIds.length > 0 || l.occupant !== null;

/** A locker is free when nobody holds it: no assigned user (Personal), no occupant (Dynamic). */
export function lockerFree(locker: Pick<Locker, "assigneeIds" | "occupant">): boolean {
  return !inUse(locker);
}

/** A bank changes mode, or goes, only when all its lockers are free: nobody loses a locker by surprise. */
export function bankInUse(bank: Pick<LockerBank, "id" | "name">, lockers: readonly Pick<Locker, "id" | "assigneeIds" | "occupant">[]): AppError | null {
  const held = lockers.filter(inUse).map((l) => l.id);
  if (held.length === 0) return null;
  return new AppError("locker.bank_in_use", `${held.length} locker(s) of "${bank.name}" are assigned or occupied: free them first.`, { bankId: bank.id, lockerIds: held });
}

function wrongMode(bank: Pick<LockerBank, "id" | "name" | "mode">, want: BankMode, doing: string): AppError | null {
  if (bank.mode === want) return null;
  return new AppError(`locker.not_${want}`, `"${bank.name}" is a ${bank.mode === "personal" ? "Personal" : "Dynamic"}-mode bank: lockers there cannot be ${doing}.`, {
    bankId: bank.id,
    mode: bank.mode,
  });
}

/** Personal mode: Site Admins assign users; several may share a locker. */
export function checkAssignLocker(actorRole: Role, bank: Pick<LockerBank, "id" | "name" | "mode">, knownUser: (id: string) => boolean, userIds: readonly string[]): KsError | AppError | null {
  const denied = mayNot(actorRole, "lockers.manage") ?? wrongMode(bank, "personal", "assigned to users");
  if (denied) return denied;
  const missing = [...new Set(userIds.filter((id) => !knownUser(id)))];
  if (missing.length > 0) return new AppError("locker.unknown_user", "Some of those users are not part of this site.", { userIds: missing });
  return null;
}

/** Personal mode: unassigning a user who holds the locker. */
export function checkUnassignLocker(actorRole: Role, bank: Pick<LockerBank, "id" | "name" | "mode">, locker: Pick<Locker, "id" | "assigneeIds">, userId: string): KsError | AppError | null {
  const denied = mayNot(actorRole, "lockers.manage") ?? wrongMode(bank, "personal", "unassigned");
  if (denied) return denied;
  if (!locker.assigneeIds.includes(userId)) return new AppError("locker.not_assigned", "That user is not assigned to this locker.", { lockerId: locker.id, userId });
  return null;
}

/** Dynamic mode: a user occupies a free locker (occupying the one they hold already is fine). */
export function checkOccupy(bank: Pick<LockerBank, "id" | "name" | "mode">, locker: Pick<Locker, "id" | "number" | "occupant">, userId: string): AppError | null {
  const wrong = wrongMode(bank, "dynamic", "occupied");
  if (wrong) return wrong;
  if (locker.occupant !== null && locker.occupant.userId !== userId) {
    return new AppError("locker.occupied", `Locker ${locker.number} is occupied until it is released.`, { lockerId: locker.id, since: locker.occupant.since });
  }
  return null;
}

/** Dynamic mode: the occupant releases their locker, or a Site Admin does (L18-19). */
export function checkRelease(actor: LockerActor, bank: Pick<LockerBank, "id" | "name" | "mode">, locker: Pick<Locker, "id" | "number" | "occupant">): KsError | AppError | null {
  const wrong = wrongMode(bank, "dynamic", "released");
  if (wrong) return wrong;
  if (locker.occupant === null) return new AppError("locker.free", `Locker ${locker.number} is not occupied.`, { lockerId: locker.id });
  if (actor.userId !== null && actor.userId === locker.occupant.userId) return null;
  if (mayNot(actor.role, "lockers.manage") === null) return null;
  return new KsError(2203, {
    message: `Only the user occupying locker ${locker.number}, or a Site Admin, can release it.`,
    details: { lockerId: locker.id, userId: actor.userId, role: actor.role },
  });
}

/** Creating, renaming, changing the mode of, or deleting a bank: Site Admins only; mode and deletion need free lockers. */
export function checkBankChange(
  actorRole: Role,
  banks: readonly Pick<LockerBank, "id" | "name">[],
  bank: Pick<LockerBank, "id" | "name" | "mode"> | null,
  next: { readonly name?: string; readonly mode?: BankMode; readonly delete?: boolean },
  lockers: readonly Pick<Locker, "id" | "assigneeIds" | "occupant">[],
): KsError | AppError | null {
  return (
    mayNot(actorRole, "lockers.manage") ??
    (next.name === undefined ? null : bankNameTaken(banks, next.name, bank?.id ?? null)) ??
    (bank !== null && (next.delete === true || (next.mode !== undefined && next.mode !== bank.mode)) ? bankInUse(bank, lockers) : null)
  );
}
