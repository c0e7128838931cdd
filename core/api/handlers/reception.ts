import type { Workspace } from "../../app/workspace.ts";
import type { AccessGroup, Lock, Locker, LockerBank, Schedule, Tag, TagEvent, TagEventKind, TagHistory, TagPresentation, User } from "../../domain/index.ts";
import { AppError } from "../../errors/index.ts";
import type { Clock } from "../../ports/clock.ts";
import { checkAccessGroup, type AccessView } from "../../rules/access-groups.ts";
import { checkAssignLocker, checkBankChange, checkOccupy, checkRelease, checkUnassignLocker } from "../../rules/lockers.ts";
import { checkEomSchedule, checkOfficeModeSwitch, officeModeNow, switchOfficeMode, withEomSchedule, type OfficeModeActor } from "../../rules/office-mode.ts";
import { checkLockPermissions, checkNewUser, checkUserUpdate, emailKey, type PeopleView } from "../../rules/people.ts";
import { mayNot, ROLE_CAPABILITIES } from "../../rules/roles.ts";
import { activeAt, checkSchedule, localTime, scheduleInUse, timezoneInvalid } from "../../rules/schedules.ts";
import {
  checkAssign,
  checkLeaveSite,
  checkMasterKey,
  checkReaderChoice,
  checkReportLost,
  checkUnassign,
  readerRefusal,
  readerRefusalReason,
  standingOf,
  tagNumberOf,
} from "../../rules/tags.ts";
import type { StoreTx } from "../../store/index.ts";
import type { SiteStore } from "../../store/site-store.ts";
import { IMPORT_ACTION } from "../../people-import/index.ts";
import type { BankDetail, LockOfficeMode, PresentedTag, ReaderCandidate, UserDetail } from "../features/reception.contract.ts";
import type { CallContext, EventHub, HandlerModule } from "../router.ts";

/** What the rules and the read procedures read; a StoreTx inside an action, the store outside. */
type Reader = Pick<StoreTx, "get" | "list">;

/** Throws a rule's refusal: every check runs before the action writes anything. */
function refuse(error: AppError | null): void {
  if (error) throw error;
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

function found<T>(value: T | undefined, code: string, what: string, details: Record<string, string>): T {
  if (value === undefined) throw new AppError(code, `That ${what} is not part of this site.`, details);
  return value;
}

const userOf = (r: Reader, userId: string): User => found(r.get("user", userId), "user.not_found", "user", { userId });
const lockOf = (r: Reader, lockId: string): Lock => found(r.get("lock", lockId), "lock.not_found", "lock", { lockId });
const tagOf = (r: Reader, tagId: string): Tag => found(r.get("tag", tagId), "tag.not_found", "tag", { tagId });
const groupOf = (r: Reader, accessGroupId: string): AccessGroup => found(r.get("accessGroup", accessGroupId), "access-group.not_found", "access group", { accessGroupId });
const scheduleOf = (r: Reader, scheduleId: string): Schedule => found(r.get("schedule", scheduleId), "schedule.not_found", "schedule", { scheduleId });
const bankOf = (r: Reader, bankId: string): LockerBank => found(r.get("lockerBank", bankId), "locker.bank_not_found", "locker bank", { bankId });
const lockerOf = (r: Reader, lockerId: string): Locker => found(r.get("locker", lockerId), "locker.not_found", "locker", { lockerId });

/** A tag by its number, through the UNIQUE index (the query `tags.lookup` uses); on the action's connection inside one. */
const tagByNumber = (store: SiteStore, number: string): Tag | undefined => store.lookupTag(number)?.tag;

/** The site's time zone, checked: schedules are wall-clock times there. */
function timezoneOf(r: Reader): string {
  const tz = r.list("site")[0]?.timezone ?? "UTC";
  refuse(timezoneInvalid(tz));
  return tz;
}

/** Optional fields the caller left out stay as they are. */
function defined<T extends object>(patch: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(patch ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function peopleView(store: SiteStore, r: Reader): PeopleView {
  return {
    ownerIds: () => r.list("user").filter((u) => u.role === "owner").map((u) => u.id),
    userWithEmail: (email) => {
      const key = emailKey(email);
      return store.searchUsers({ query: key, limit: 500 }).items.find((u) => u.email !== null && emailKey(u.email) === key);
    },
  };
}

function accessView(r: Reader): AccessView {
  return {
    groups: r.list("accessGroup"),
    lockIds: { has: (id) => r.get("lock", id) !== undefined },
    userIds: { has: (id) => r.get("user", id) !== undefined },
    scheduleIds: { has: (id) => r.get("schedule", id) !== undefined },
  };
}

/** Appends to a tag's history (created on its first event; imported tags start without one). */
function record(
  tx: StoreTx,
  actor: string,
  tagId: string,
  events: readonly { kind: TagEventKind; userId?: string | null; otherTagId?: string | null; via?: TagPresentation | null }[],
): void {
  const added = events.map((e) => ({ at: tx.at, actor, kind: e.kind, userId: e.userId ?? null, otherTagId: e.otherTagId ?? null, via: e.via ?? null }));
  const history = tx.get("tagHistory", tagId);
  if (history) tx.update("tagHistory", tagId, { ...history, events: [...history.events, ...added].slice(-10_000) });
  else tx.insert("tagHistory", { id: tagId, events: added });
}

/**
 * A tag's history: its history document, and what people imports did to it. An import
 * writes no history (a document per tag would double its writes), so its events are
 * read back from the import's own journal entries — a tag it made was registered and
 * given to its person, a free tag of the site it gave out was given to one — and put
 * in order with the document's events by the seq of the action that wrote each.
 */
function tagHistoryOf(store: SiteStore, tagId: string): TagEvent[] {
  const stored = store.get("tagHistory", tagId)?.events ?? [];
  const imported = store.journalOf("tag", tagId).flatMap((e) => {
    if (e.action !== IMPORT_ACTION || e.after === null) return [];
    const event = (kind: TagEventKind, userId: string | null) => ({ seq: e.seq, event: { at: e.at, kind, userId, otherTagId: null, via: null, actor: e.actor } });
    const assigned = event("assigned", (e.after as Tag).userId);
    return e.op === "insert" ? [event("registered", null), assigned] : [assigned];
  });
  if (imported.length === 0) return stored;
  // Each journal entry of the document added the events past the previous entry's count.
  let seqs: number[] = [];
  for (const e of store.journalOf("tagHistory", tagId)) {
    const count = (e.after as TagHistory | null)?.events.length;
    if (count === undefined) seqs = [];
    else while (seqs.length < count) seqs.push(e.seq);
  }
  const own = stored.map((event, i) => ({ seq: seqs[i] ?? Number.MAX_SAFE_INTEGER, event }));
  return [...imported, ...own].sort((a, b) => a.seq - b.seq).map((x) => x.event);
}

function lockState(lock: Lock, atMs: number, timezone: string): LockOfficeMode {
  return { lock, state: officeModeNow(lock.officeMode, atMs, timezone), at: new Date(atMs).toISOString() };
}

function bankDetail(r: Reader, bank: LockerBank): BankDetail {
  return { bank, lockers: r.list("locker").filter((l) => l.bankId === bank.id).sort((a, b) => a.number - b.number) };
}

function userDetail(store: SiteStore, user: User): UserDetail {
  const held = store.holdingsOf(user.id);
  return {
    user,
    tags: held.tags,
    accessGroups: held.accessGroups,
    lockPermissions: user.lockPermissions,
    capabilities: [...ROLE_CAPABILITIES[user.role]],
    lockers: held.lockers.map(({ locker, bank }) => ({ locker, bankName: bank?.name ?? "?", mode: bank?.mode ?? "personal" })),
  };
}

function candidateOf(lock: Lock, atMs: number, timezone: string): ReaderCandidate {
  const reason = readerRefusalReason(lock, atMs, timezone);
  const refusal = readerRefusal(lock, atMs, timezone);
  return {
    lockId: lock.id,
    name: lock.name,
    kind: lock.hardware.kind,
    online: lock.online,
    inOfficeMode: officeModeNow(lock.officeMode, atMs, timezone).inOfficeMode,
    eligible: refusal === null,
    refusal: refusal === null || reason === null ? null : { code: refusal.code, reason, message: refusal.message },
  };
}

/**
 * Where a presented tag came from: the site's Tag reader, which must still be eligible
 * (a lock may have gone offline or into Office Mode since it was chosen), or typing.
 */
function presentationOf(r: Reader, source: "reader" | "typed", atMs: number, timezone: string): TagPresentation {
  if (source === "typed") return { kind: "typed" };
  const reader = r.list("tagReader")[0];
  if (!reader) throw new AppError("enrollment.no_reader", "The site has no Tag reader yet: choose one, or type the tag's number.");
  if (reader.reader.kind === "usb") return { kind: "usb", readerId: reader.reader.readerId };
  refuse(readerRefusal(lockOf(r, reader.reader.lockId), atMs, timezone));
  return { kind: "lock", lockId: reader.reader.lockId };
}

/**
 * People, access groups, schedules, office mode, Smart Tag Enrollment, lost tags and
 * lockers. Each mutation is one journaled action that reads what the rules need inside
 * its transaction, refuses with the rule's error before writing, and announces
 * `site.changed` after it commits.
 */
export function receptionHandlers(ws: Workspace, hub: EventHub, deps: { readonly clock: Clock }): HandlerModule {
  const mutate = <T>(siteId: string, ctx: CallContext, action: string, fn: (tx: StoreTx, store: SiteStore) => T): T => {
    const store = ws.get(siteId);
    const out = store.act({ name: action, actor: ctx.actor }, (tx) => fn(tx, store));
    hub.emit("site.changed", { siteId, action });
    return out;
  };
  const txMs = (tx: StoreTx) => Date.parse(tx.at);

  return {
    "users.get": ({ siteId, userId }) => {
      const store = ws.get(siteId);
      return userDetail(store, userOf(store, userId));
    },

    "users.update": ({ siteId, userId, firstName, lastName, email, phone, role, waysOfOpening, asRole }, ctx) =>
      mutate(siteId, ctx, "users.update", (tx, store) => {
        const current = userOf(tx, userId);
        const next: User = {
          ...current,
          ...defined({ firstName, lastName, email, phone, role }),
          waysOfOpening: { ...current.waysOfOpening, ...defined(waysOfOpening) },
        };
        refuse(checkUserUpdate(peopleView(store, tx), asRole, current, next));
        return tx.update("user", userId, next);
      }),

    "accessGroups.list": ({ siteId }) => ws.get(siteId).list("accessGroup"),

    "accessGroups.create": ({ siteId, name, lockIds, scheduleIds, userIds, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.create", (tx) => {
        refuse(checkAccessGroup(accessView(tx), asRole, { name, lockIds, scheduleIds, userIds }));
        return tx.insert("accessGroup", { name: name.trim(), lockIds: uniq(lockIds), scheduleIds: uniq(scheduleIds), userIds: uniq(userIds) });
      }),

    "accessGroups.update": ({ siteId, accessGroupId, name, scheduleIds, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.update", (tx) => {
        const group = groupOf(tx, accessGroupId);
        refuse(checkAccessGroup(accessView(tx), asRole, { ...defined({ name, scheduleIds }) }, accessGroupId));
        return tx.update("accessGroup", accessGroupId, { ...group, name: name?.trim() ?? group.name, scheduleIds: scheduleIds === undefined ? group.scheduleIds : uniq(scheduleIds) });
      }),

    "accessGroups.delete": ({ siteId, accessGroupId, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.delete", (tx) => {
        groupOf(tx, accessGroupId);
        refuse(mayNot(asRole, "access.manage"));
        tx.remove("accessGroup", accessGroupId);
        return { deleted: true as const };
      }),

    "accessGroups.addLocks": ({ siteId, accessGroupId, lockIds, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.addLocks", (tx) => {
        const group = groupOf(tx, accessGroupId);
        refuse(checkAccessGroup(accessView(tx), asRole, { lockIds }, accessGroupId));
        return tx.update("accessGroup", accessGroupId, { ...group, lockIds: uniq([...group.lockIds, ...lockIds]) });
      }),

    "accessGroups.removeLocks": ({ siteId, accessGroupId, lockIds, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.removeLocks", (tx) => {
        const group = groupOf(tx, accessGroupId);
        refuse(mayNot(asRole, "access.manage"));
        const drop = new Set(lockIds);
        return tx.update("accessGroup", accessGroupId, { ...group, lockIds: group.lockIds.filter((id) => !drop.has(id)) });
      }),

    "accessGroups.addUsers": ({ siteId, accessGroupId, userIds, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.addUsers", (tx) => {
        const group = groupOf(tx, accessGroupId);
        refuse(checkAccessGroup(accessView(tx), asRole, { userIds }, accessGroupId));
        return tx.update("accessGroup", accessGroupId, { ...group, userIds: uniq([...group.userIds, ...userIds]) });
      }),

    "accessGroups.removeUsers": ({ siteId, accessGroupId, userIds, asRole }, ctx) =>
      mutate(siteId, ctx, "accessGroups.removeUsers", (tx) => {
        const group = groupOf(tx, accessGroupId);
        refuse(mayNot(asRole, "access.manage"));
        const drop = new Set(userIds);
        return tx.update("accessGroup", accessGroupId, { ...group, userIds: group.userIds.filter((id) => !drop.has(id)) });
      }),

    "schedules.list": ({ siteId }) => ws.get(siteId).list("schedule"),

    "schedules.create": ({ siteId, name, timeframes, asRole }, ctx) =>
      mutate(siteId, ctx, "schedules.create", (tx) => {
        refuse(mayNot(asRole, "access.manage") ?? checkSchedule(tx.list("schedule"), { name, timeframes }));
        return tx.insert("schedule", { name: name.trim(), timeframes });
      }),

    "schedules.update": ({ siteId, scheduleId, name, timeframes, asRole }, ctx) =>
      mutate(siteId, ctx, "schedules.update", (tx) => {
        const current = scheduleOf(tx, scheduleId);
        const next = { ...current, name: name?.trim() ?? current.name, timeframes: timeframes ?? current.timeframes };
        refuse(mayNot(asRole, "access.manage") ?? checkSchedule(tx.list("schedule"), next, scheduleId));
        return tx.update("schedule", scheduleId, next);
      }),

    "schedules.delete": ({ siteId, scheduleId, asRole }, ctx) =>
      mutate(siteId, ctx, "schedules.delete", (tx) => {
        scheduleOf(tx, scheduleId);
        refuse(mayNot(asRole, "access.manage") ?? scheduleInUse(tx.list("accessGroup"), scheduleId));
        tx.remove("schedule", scheduleId);
        return { deleted: true as const };
      }),

    "schedules.activeAt": ({ siteId, scheduleId, at }) => {
      const store = ws.get(siteId);
      const schedule = scheduleOf(store, scheduleId);
      const timezone = timezoneOf(store);
      const ms = at === undefined ? deps.clock.now() : Date.parse(at);
      return { active: activeAt(schedule.timeframes, ms, timezone), at: new Date(ms).toISOString(), timezone, local: localTime(ms, timezone) };
    },

    "locks.officeMode": ({ siteId, lockId }) => {
      const store = ws.get(siteId);
      return lockState(lockOf(store, lockId), deps.clock.now(), timezoneOf(store));
    },

    "locks.setPermissions": ({ siteId, userId, manualOfficeMode, easyOfficeMode, asRole }, ctx) =>
      mutate(siteId, ctx, "locks.setPermissions", (tx) => {
        const user = userOf(tx, userId);
        refuse(checkLockPermissions(asRole));
        return tx.update("user", userId, { ...user, lockPermissions: { ...user.lockPermissions, ...defined({ manualOfficeMode, easyOfficeMode }) } });
      }),

    "locks.setOfficeMode": ({ siteId, lockId, active, byUserId, asRole }, ctx) =>
      mutate(siteId, ctx, "locks.setOfficeMode", (tx) => {
        const lock = lockOf(tx, lockId);
        const timezone = timezoneOf(tx);
        const actor: OfficeModeActor = byUserId === undefined ? { kind: "app", role: asRole } : { kind: "tag", user: userOf(tx, byUserId) };
        refuse(checkOfficeModeSwitch(lock, actor, txMs(tx), timezone));
        const next = tx.update("lock", lockId, { ...lock, officeMode: switchOfficeMode(lock.officeMode, active, tx.at) });
        return lockState(next, txMs(tx), timezone);
      }),

    "locks.setEomSchedule": ({ siteId, lockId, schedule, asRole }, ctx) =>
      mutate(siteId, ctx, "locks.setEomSchedule", (tx) => {
        const lock = lockOf(tx, lockId);
        const timezone = timezoneOf(tx);
        refuse(checkEomSchedule(lock, asRole, schedule));
        const next = tx.update("lock", lockId, { ...lock, officeMode: withEomSchedule(lock.officeMode, schedule) });
        return lockState(next, txMs(tx), timezone);
      }),

    "enrollment.readers": ({ siteId }) => {
      const store = ws.get(siteId);
      const timezone = timezoneOf(store);
      const now = deps.clock.now();
      const locks = store.list("lock").map((l) => candidateOf(l, now, timezone));
      const selected = store.list("tagReader")[0] ?? null;
      const chosen = selected?.reader.kind === "lock" ? selected.reader.lockId : null;
      const selectedRefusal = chosen === null ? null : (locks.find((c) => c.lockId === chosen)?.refusal ?? null);
      return { selected, selectedRefusal, locks };
    },

    "enrollment.selectReader": ({ siteId, reader, asRole }, ctx) =>
      mutate(siteId, ctx, "enrollment.selectReader", (tx) => {
        refuse(checkReaderChoice(asRole, reader, (id) => tx.get("lock", id), txMs(tx), timezoneOf(tx)));
        const current = tx.list("tagReader")[0];
        return current ? tx.update("tagReader", current.id, { ...current, reader, selectedAt: tx.at }) : tx.insert("tagReader", { reader, selectedAt: tx.at });
      }),

    // Registering is the only write: presenting a known tag leaves no trace in the journal.
    "enrollment.present": ({ siteId, number: raw, source, asRole }, ctx) => {
      const number = tagNumberOf(raw);
      const store = ws.get(siteId);
      const out = store.act({ name: "enrollment.present", actor: ctx.actor }, (tx): PresentedTag => {
        refuse(mayNot(asRole, "people.view"));
        const via = presentationOf(tx, source, txMs(tx), timezoneOf(tx));
        const known = store.lookupTag(number);
        let tag = known?.tag;
        const registered = tag === undefined;
        if (tag === undefined) {
          refuse(mayNot(asRole, "people.manage"));
          tag = tx.insert("tag", { number, state: "unassigned" });
          record(tx, ctx.actor, tag.id, [{ kind: "registered", via }]);
        }
        const standing = standingOf(tag);
        const holder = known?.user ?? null;
        return {
          tag,
          registered,
          standing: standing.kind === "unknown" ? "unassigned" : standing.kind,
          holder: holder && { id: holder.id, firstName: holder.firstName, lastName: holder.lastName, email: holder.email, role: holder.role },
          via,
        };
      });
      if (out.registered) hub.emit("site.changed", { siteId, action: "enrollment.present" });
      return out;
    },

    "enrollment.assign": ({ siteId, tagId, to, via, asRole }, ctx) =>
      mutate(siteId, ctx, "enrollment.assign", (tx, store) => {
        const tag = tagOf(tx, tagId);
        let user: User;
        if (to.kind === "existing") {
          user = userOf(tx, to.userId);
          refuse(checkAssign(asRole, tag, user.id));
          if (!user.waysOfOpening.tag) user = tx.update("user", user.id, { ...user, waysOfOpening: { ...user.waysOfOpening, tag: true } });
        } else {
          refuse(checkAssign(asRole, tag, null) ?? checkNewUser(peopleView(store, tx), asRole, { role: to.role, email: to.email }));
          if (to.lockPermissions.manualOfficeMode || to.lockPermissions.easyOfficeMode) refuse(checkLockPermissions(asRole));
          const groups = uniq(to.accessGroupIds).map((id) => groupOf(tx, id));
          if (groups.length > 0) refuse(mayNot(asRole, "access.manage"));
          user = tx.insert("user", {
            firstName: to.firstName,
            lastName: to.lastName,
            email: to.email,
            role: to.role,
            waysOfOpening: { ...to.waysOfOpening, tag: true },
            lockPermissions: to.lockPermissions,
          });
          const id = user.id;
          for (const g of groups) tx.update("accessGroup", g.id, { ...g, userIds: uniq([...g.userIds, id]) });
        }
        const holderId = user.id;
        const kept = tag.userId === holderId;
        const assigned = kept ? tag : tx.update("tag", tag.id, { ...tag, state: "assigned", userId: holderId, guestId: null, assignedAt: tx.at });
        if (!kept) record(tx, ctx.actor, tag.id, [{ kind: "assigned", userId: holderId, via }]);
        return { user, tag: assigned, accessGroups: tx.list("accessGroup").filter((g) => g.userIds.includes(holderId)) };
      }),

    "tags.unassign": ({ siteId, tagId, asRole }, ctx) =>
      mutate(siteId, ctx, "tags.unassign", (tx) => {
        const tag = tagOf(tx, tagId);
        refuse(checkUnassign(asRole, tag));
        if (tag.userId === null) return tag;
        record(tx, ctx.actor, tagId, [{ kind: "unassigned", userId: tag.userId }]);
        return tx.update("tag", tagId, { ...tag, state: "unassigned", userId: null, guestId: null, assignedAt: null });
      }),

    "tags.remove": ({ siteId, tagId, asRole }, ctx) =>
      mutate(siteId, ctx, "tags.remove", (tx) => {
        const tag = tagOf(tx, tagId);
        refuse(checkLeaveSite(asRole, tag));
        if (tx.get("tagHistory", tagId)) tx.remove("tagHistory", tagId);
        return { removed: tx.remove("tag", tagId) };
      }),

    "tags.assignMasterKey": ({ siteId, tagId, asRole }, ctx) =>
      mutate(siteId, ctx, "tags.assignMasterKey", (tx) => {
        const tag = tagOf(tx, tagId);
        refuse(checkMasterKey(asRole, tag, true));
        if (tag.masterKey) return tag;
        record(tx, ctx.actor, tagId, [{ kind: "master-key-set", userId: tag.userId }]);
        return tx.update("tag", tagId, { ...tag, masterKey: true });
      }),

    "tags.unassignMasterKey": ({ siteId, tagId, asRole }, ctx) =>
      mutate(siteId, ctx, "tags.unassignMasterKey", (tx) => {
        const tag = tagOf(tx, tagId);
        refuse(checkMasterKey(asRole, tag, false));
        if (!tag.masterKey) return tag;
        record(tx, ctx.actor, tagId, [{ kind: "master-key-unset", userId: tag.userId }]);
        return tx.update("tag", tagId, { ...tag, masterKey: false });
      }),

    "tags.reportLost": ({ siteId, tagId, replacementNumber, asRole }, ctx) => {
      const number = replacementNumber === undefined ? null : tagNumberOf(replacementNumber);
      return mutate(siteId, ctx, "tags.reportLost", (tx, store) => {
        const lost = tagOf(tx, tagId);
        const existing = number === null ? undefined : tagByNumber(store, number);
        refuse(checkReportLost(asRole, lost, number === null ? null : { number, existing }));
        const blocked = tx.update("tag", tagId, { ...lost, state: "blocked" });
        record(tx, ctx.actor, tagId, [{ kind: "blocked", userId: lost.userId }]);
        if (number === null || lost.userId === null) return { blocked, replacement: null };
        const holderId = lost.userId;
        const base = existing ?? tx.insert("tag", { number, state: "unassigned" });
        const replacement = tx.update("tag", base.id, { ...base, state: "assigned", userId: holderId, guestId: null, assignedAt: tx.at });
        record(tx, ctx.actor, base.id, [
          ...(existing ? [] : [{ kind: "registered" as const }]),
          { kind: "replaces", otherTagId: tagId, userId: holderId },
          { kind: "assigned", userId: holderId },
        ]);
        record(tx, ctx.actor, tagId, [{ kind: "replaced-by", otherTagId: base.id, userId: holderId }]);
        return { blocked, replacement };
      });
    },

    "tags.history": ({ siteId, tagId }) => {
      const store = ws.get(siteId);
      tagOf(store, tagId);
      return tagHistoryOf(store, tagId);
    },

    "lockers.banks": ({ siteId }) => {
      const store = ws.get(siteId);
      return store.list("lockerBank").map((b) => bankDetail(store, b));
    },

    "lockers.createBank": ({ siteId, name, mode, count, asRole }, ctx) =>
      mutate(siteId, ctx, "lockers.createBank", (tx) => {
        refuse(checkBankChange(asRole, tx.list("lockerBank"), null, { name }, []));
        const bank = tx.insert("lockerBank", { name: name.trim(), mode });
        for (let number = 1; number <= count; number++) tx.insert("locker", { bankId: bank.id, number });
        return bankDetail(tx, bank);
      }),

    "lockers.updateBank": ({ siteId, bankId, name, mode, asRole }, ctx) =>
      mutate(siteId, ctx, "lockers.updateBank", (tx) => {
        const bank = bankOf(tx, bankId);
        refuse(checkBankChange(asRole, tx.list("lockerBank"), bank, defined({ name, mode }), bankDetail(tx, bank).lockers));
        return bankDetail(tx, tx.update("lockerBank", bankId, { ...bank, name: name?.trim() ?? bank.name, mode: mode ?? bank.mode }));
      }),

    "lockers.deleteBank": ({ siteId, bankId, asRole }, ctx) =>
      mutate(siteId, ctx, "lockers.deleteBank", (tx) => {
        const bank = bankOf(tx, bankId);
        const { lockers } = bankDetail(tx, bank);
        refuse(checkBankChange(asRole, tx.list("lockerBank"), bank, { delete: true }, lockers));
        for (const l of lockers) tx.remove("locker", l.id);
        tx.remove("lockerBank", bankId);
        return { deleted: true as const };
      }),

    "lockers.assign": ({ siteId, lockerId, userIds, asRole }, ctx) =>
      mutate(siteId, ctx, "lockers.assign", (tx) => {
        const locker = lockerOf(tx, lockerId);
        refuse(checkAssignLocker(asRole, bankOf(tx, locker.bankId), (id) => tx.get("user", id) !== undefined, userIds));
        return tx.update("locker", lockerId, { ...locker, assigneeIds: uniq([...locker.assigneeIds, ...userIds]) });
      }),

    "lockers.unassign": ({ siteId, lockerId, userId, asRole }, ctx) =>
      mutate(siteId, ctx, "lockers.unassign", (tx) => {
        const locker = lockerOf(tx, lockerId);
        refuse(checkUnassignLocker(asRole, bankOf(tx, locker.bankId), locker, userId));
        return tx.update("locker", lockerId, { ...locker, assigneeIds: locker.assigneeIds.filter((id) => id !== userId) });
      }),

    "lockers.occupy": ({ siteId, lockerId, userId }, ctx) =>
      mutate(siteId, ctx, "lockers.occupy", (tx) => {
        const locker = lockerOf(tx, lockerId);
        userOf(tx, userId);
        refuse(checkOccupy(bankOf(tx, locker.bankId), locker, userId));
        if (locker.occupant !== null) return locker;
        return tx.update("locker", lockerId, { ...locker, occupant: { userId, since: tx.at } });
      }),

    "lockers.release": ({ siteId, lockerId, byUserId, asRole }, ctx) =>
      mutate(siteId, ctx, "lockers.release", (tx) => {
        const locker = lockerOf(tx, lockerId);
        const actor = byUserId === undefined ? { role: asRole, userId: null } : { role: userOf(tx, byUserId).role, userId: byUserId };
        refuse(checkRelease(actor, bankOf(tx, locker.bankId), locker));
        return tx.update("locker", lockerId, { ...locker, occupant: null });
      }),
  };
}
