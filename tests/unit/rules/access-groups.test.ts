import { describe, expect, it } from "vitest";
import { checkAccessGroup, groupNameTaken, unknownLocks, unknownSchedules, unknownUsers, type AccessView } from "../../../core/rules/access-groups.ts";
import { expect2203, expectRefusal } from "./refusal.ts";

const view: AccessView = {
  groups: [{ id: "g1", name: "Staff" }],
  lockIds: new Set(["L1", "L2"]),
  userIds: new Set(["ann", "bob"]),
  scheduleIds: new Set(["s1"]),
};

describe("access-group rules", () => {
  it("keeps names unique, ignoring case and spaces; a group keeps its own name", () => {
    expect(groupNameTaken(view, "Cleaners")).toBeNull();
    expect(groupNameTaken(view, "staff", "g1")).toBeNull();
    expectRefusal(groupNameTaken(view, " STAFF "), "access-group.name_taken", { name: "STAFF", accessGroupId: "g1" });
  });

  it("names only locks, users and schedules of the site, each missing one once", () => {
    expect(unknownLocks(view, ["L1", "L2"])).toBeNull();
    expectRefusal(unknownLocks(view, ["L1", "L9", "L9"]), "access-group.unknown_locks", { ids: ["L9"] });
    expectRefusal(unknownUsers(view, ["zed"]), "access-group.unknown_users", { ids: ["zed"] });
    expectRefusal(unknownSchedules(view, ["s2"]), "access-group.unknown_schedules", { ids: ["s2"] });
  });

  it("checks a group in the order a person fixes it: role, name, locks, schedules, users", () => {
    expect(checkAccessGroup(view, "site-admin", { name: "Cleaners", lockIds: ["L1"], scheduleIds: ["s1"], userIds: ["bob"] })).toBeNull();
    expect(checkAccessGroup(view, "owner", { lockIds: ["L2"] }, "g1")).toBeNull();
    expect(checkAccessGroup(view, "site-admin", {})).toBeNull(); // no schedule: at any time
    expect2203(checkAccessGroup(view, "site-super-user", { name: "Cleaners" }), { capability: "access.manage" });
    expect2203(checkAccessGroup(view, "user", { name: "Staff" }));
    expectRefusal(checkAccessGroup(view, "site-admin", { name: "Staff", lockIds: ["L9"] }), "access-group.name_taken");
    expectRefusal(checkAccessGroup(view, "site-admin", { name: "X", lockIds: ["L9"], scheduleIds: ["s9"] }), "access-group.unknown_locks");
    expectRefusal(checkAccessGroup(view, "site-admin", { scheduleIds: ["s9"], userIds: ["zed"] }), "access-group.unknown_schedules");
    expectRefusal(checkAccessGroup(view, "site-admin", { userIds: ["zed"] }), "access-group.unknown_users");
  });
});
