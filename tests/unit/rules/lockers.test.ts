import { describe, expect, it } from "vitest";
import type { Locker, LockerBank } from "../../../core/domain/index.ts";
import {
  bankInUse,
  bankNameTaken,
  checkAssignLocker,
  checkBankChange,
  checkOccupy,
  checkRelease,
  checkUnassignLocker,
  lockerFree,
  numbersTaken,
} from "../../../core/rules/lockers.ts";
import { expect2203, expectRefusal } from "./refusal.ts";

const personal: LockerBank = { id: "B1", name: "Staff lockers", mode: "personal" };
const dynamic: LockerBank = { id: "B2", name: "Gym", mode: "dynamic" };
const locker = (fields: Partial<Locker> = {}): Locker => ({ id: "K1", bankId: "B1", number: 7, lockId: null, assigneeIds: [], occupant: null, ...fields });
const known = (id: string) => ["ann", "bob"].includes(id);
const taken = locker({ bankId: "B2", occupant: { userId: "ann", since: "2026-01-05T09:00:00.000Z" } });

describe("locker banks", () => {
  it("have unique names and locker numbers", () => {
    expect(bankNameTaken([personal], "Gym")).toBeNull();
    expect(bankNameTaken([personal], "staff lockers", "B1")).toBeNull();
    expectRefusal(bankNameTaken([personal, dynamic], " GYM"), "locker.bank_name_taken", { name: "GYM", bankId: "B2" });
    expect(numbersTaken([locker()], [1, 2])).toBeNull();
    expectRefusal(numbersTaken([locker()], [7, 8, 8]), "locker.number_taken", { numbers: [7, 8] });
  });

  it("change mode or go only with every locker free", () => {
    expect(lockerFree(locker())).toBe(true);
    expect(lockerFree(locker({ assigneeIds: ["ann"] }))).toBe(false);
    expect(lockerFree(taken)).toBe(false);
    expect(bankInUse(personal, [locker()])).toBeNull();
    expectRefusal(bankInUse(personal, [locker(), locker({ id: "K2", assigneeIds: ["bob"] })]), "locker.bank_in_use", { bankId: "B1", lockerIds: ["K2"] });
    expect(checkBankChange("site-admin", [personal, dynamic], null, { name: "Pool" }, [])).toBeNull();
    expect(checkBankChange("site-admin", [personal], personal, { name: "Staff lockers", mode: "personal" }, [locker({ assigneeIds: ["ann"] })])).toBeNull();
    expect(checkBankChange("owner", [dynamic], dynamic, { mode: "personal" }, [locker({ bankId: "B2" })])).toBeNull();
    expect2203(checkBankChange("site-super-user", [], null, { name: "Pool" }, []), { capability: "lockers.manage" });
    expectRefusal(checkBankChange("site-admin", [personal, dynamic], null, { name: "gym" }, []), "locker.bank_name_taken");
    expectRefusal(checkBankChange("site-admin", [dynamic], dynamic, { mode: "personal" }, [taken]), "locker.bank_in_use");
    expectRefusal(checkBankChange("site-admin", [personal], personal, { delete: true }, [locker({ assigneeIds: ["ann"] })]), "locker.bank_in_use");
  });
});

describe("Personal mode (L12-15)", () => {
  it("Site Admins assign one or more users of the site", () => {
    expect(checkAssignLocker("site-admin", personal, known, ["ann", "bob"])).toBeNull();
    expect2203(checkAssignLocker("user", personal, known, ["ann"]), { capability: "lockers.manage" });
    expect2203(checkAssignLocker("site-super-user", personal, known, ["ann"]));
    expectRefusal(checkAssignLocker("site-admin", dynamic, known, ["ann"]), "locker.not_personal", { bankId: "B2", mode: "dynamic" });
    expectRefusal(checkAssignLocker("site-admin", personal, known, ["ann", "zed", "zed"]), "locker.unknown_user", { userIds: ["zed"] });
  });

  it("and unassign them, one by one", () => {
    const shared = locker({ assigneeIds: ["ann", "bob"] });
    expect(checkUnassignLocker("owner", personal, shared, "bob")).toBeNull();
    expect2203(checkUnassignLocker("user", personal, shared, "bob"));
    expectRefusal(checkUnassignLocker("owner", dynamic, shared, "bob"), "locker.not_personal");
    expectRefusal(checkUnassignLocker("owner", personal, shared, "cid"), "locker.not_assigned", { lockerId: "K1", userId: "cid" });
  });
});

describe("Dynamic mode (L16-20)", () => {
  it("a user occupies a free locker; an occupied one waits for its release", () => {
    expect(checkOccupy(dynamic, locker({ bankId: "B2" }), "bob")).toBeNull();
    expect(checkOccupy(dynamic, taken, "ann")).toBeNull(); // their own, again
    expectRefusal(checkOccupy(dynamic, taken, "bob"), "locker.occupied", { lockerId: "K1", since: "2026-01-05T09:00:00.000Z" });
    expectRefusal(checkOccupy(personal, locker(), "bob"), "locker.not_dynamic", { bankId: "B1" });
  });

  it("the occupant releases it, or a Site Admin; nobody else", () => {
    expect(checkRelease({ role: "user", userId: "ann" }, dynamic, taken)).toBeNull();
    expect(checkRelease({ role: "site-admin", userId: null }, dynamic, taken)).toBeNull();
    expect(checkRelease({ role: "owner", userId: "cid" }, dynamic, taken)).toBeNull();
    expect2203(checkRelease({ role: "user", userId: "bob" }, dynamic, taken), { lockerId: "K1", userId: "bob" });
    expect2203(checkRelease({ role: "site-super-user", userId: null }, dynamic, taken));
    expectRefusal(checkRelease({ role: "site-admin", userId: null }, dynamic, locker({ bankId: "B2" })), "locker.free", { lockerId: "K1" });
    expectRefusal(checkRelease({ role: "site-admin", userId: null }, personal, locker()), "locker.not_dynamic");
  });
});
