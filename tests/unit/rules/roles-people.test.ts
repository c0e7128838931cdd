import { describe, expect, it } from "vitest";
import type { Role } from "../../../core/domain/index.ts";
import { checkLockPermissions, checkNewUser, checkUserUpdate, emailTaken, secondOwner, type PeopleView } from "../../../core/rules/people.ts";
import { can, CAPABILITIES, mayNot, ROLE_CAPABILITIES } from "../../../core/rules/roles.ts";
import { expect2203, expectRefusal } from "./refusal.ts";

const ROLES: readonly Role[] = ["owner", "site-admin", "site-super-user", "user"];

/** Ann is the Owner (ann@x.example); Bob a user (bob@x.example). */
function people(owners: string[] = ["ann"]): PeopleView {
  const users = [
    { id: "ann", firstName: "Ann", lastName: "Lee", email: "ann@x.example" },
    { id: "bob", firstName: "Bob", lastName: "Vos", email: "Bob@X.example" },
  ];
  return { ownerIds: () => owners, userWithEmail: (e) => users.find((u) => u.email.toLowerCase() === e.trim().toLowerCase()) };
}

describe("roles: who may do what", () => {
  it("gives the Owner and Site Admins everything, a Site Super User the People page and every lock, a User nothing", () => {
    expect(ROLE_CAPABILITIES.owner).toEqual(CAPABILITIES);
    expect(ROLE_CAPABILITIES["site-admin"]).toEqual(CAPABILITIES);
    expect([...ROLE_CAPABILITIES["site-super-user"]].sort()).toEqual(["locks.open-all", "people.view"]);
    expect(ROLE_CAPABILITIES.user).toEqual([]);
    for (const c of CAPABILITIES) {
      expect(can("owner", c)).toBe(true);
      expect(mayNot("site-admin", c)).toBeNull();
      expect(can("user", c)).toBe(false);
    }
  });

  it("refuses with 2203 and says who may instead", () => {
    const e = mayNot("site-super-user", "tags.block");
    expect2203(e, { role: "site-super-user", capability: "tags.block" });
    expect(e!.message).toMatch(/Site Super User.*block a tag.*the Owner or a Site Admin/);
    for (const c of CAPABILITIES) expect2203(mayNot("user", c), { role: "user", capability: c });
  });
});

describe("people rules", () => {
  it("one user per e-mail, case-insensitive; the user themself keeps theirs", () => {
    expect(emailTaken(people(), null)).toBeNull();
    expect(emailTaken(people(), "cid@x.example")).toBeNull();
    expect(emailTaken(people(), "bob@x.example", "bob")).toBeNull();
    expectRefusal(emailTaken(people(), " BOB@x.example "), "user.email_taken", { email: "BOB@x.example", userId: "bob" });
  });

  it("one Owner per site", () => {
    expect(secondOwner(people(), "site-admin")).toBeNull();
    expect(secondOwner(people([]), "owner")).toBeNull(); // before handover there may be none yet
    expect(secondOwner(people(), "owner", "ann")).toBeNull();
    expectRefusal(secondOwner(people(), "owner"), "user.one_owner", { ownerIds: ["ann"] });
  });

  it("checks a new user: the actor's role, then the Owner, then the e-mail", () => {
    expect(checkNewUser(people(), "site-admin", { role: "user", email: "cid@x.example" })).toBeNull();
    expect2203(checkNewUser(people(), "site-super-user", { role: "user", email: null }), { capability: "people.manage" });
    expect2203(checkNewUser(people(), "user", { role: "owner", email: "bob@x.example" }));
    expectRefusal(checkNewUser(people(), "owner", { role: "owner", email: null }), "user.one_owner");
    expectRefusal(checkNewUser(people(), "site-admin", { role: "user", email: "ann@x.example" }), "user.email_taken");
  });

  it("checks a change: nobody becomes or stops being the Owner by an edit", () => {
    const bob = { id: "bob", role: "user" as const, email: "Bob@X.example" };
    const ann = { id: "ann", role: "owner" as const, email: "ann@x.example" };
    expect(checkUserUpdate(people(), "site-admin", bob, { role: "site-admin", email: "bob@x.example" })).toBeNull();
    expect(checkUserUpdate(people(), "owner", ann, { role: "owner", email: "ann@y.example" })).toBeNull();
    expect2203(checkUserUpdate(people(), "site-super-user", bob, { role: "user", email: null }));
    expectRefusal(checkUserUpdate(people([]), "owner", bob, { role: "owner", email: null }), "user.owner_role", { userId: "bob", from: "user", to: "owner" });
    expectRefusal(checkUserUpdate(people(), "owner", ann, { role: "site-admin", email: null }), "user.owner_role", { from: "owner", to: "site-admin" });
    expectRefusal(checkUserUpdate(people(), "site-admin", bob, { role: "user", email: "ann@x.example" }), "user.email_taken", { userId: "ann" });
  });

  it("lock permissions are set by Site Admins and the Owner", () => {
    for (const r of ROLES) {
      if (r === "owner" || r === "site-admin") expect(checkLockPermissions(r)).toBeNull();
      else expect2203(checkLockPermissions(r), { capability: "access.manage" });
    }
  });
});
