import { describe, expect, it } from "vitest";
import type { Pod, Tag } from "../../../core/domain/index.ts";
import { KsError } from "../../../core/errors/index.ts";
import {
  cannotBlockTag,
  checkAddMembers,
  checkInviteGuests,
  checkNewPod,
  checkPodUpdate,
  duplicateMembers,
  guestLimitBelowCount,
  guestLocksOutsidePod,
  guestsOverLimit,
  locksOutsideSite,
  memberTagClash,
  membersInOtherPods,
  noMemberWithEmail,
  podNameTaken,
  tagNotFree,
  userIsPodMember,
  type PodSiteView,
} from "../../../core/rules/pods.ts";

const TIMEFRAME = {
  monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false,
  startTime: "08:00:00", endTime: "18:00:00", startDate: null, endDate: null,
};

const tag = (id: string, fields: Partial<Tag> = {}): Tag => ({
  id, number: `04A2B9${id.toUpperCase().padStart(2, "0")}`, state: "unassigned", userId: null, guestId: null, podId: null, masterKey: false, assignedAt: null, ...fields,
});

/** A site with locks L1-L3, users ann (e-mail), bob (e-mail), cid (none), dee (e-mail); pod P1 "Studio A" with ann (tag t1) and 2 guests of 3. */
function site(): PodSiteView {
  const p1: Pod = {
    id: "P1", name: "Studio A", members: [{ userId: "ann", tagId: "t1", lockIds: ["L1"] }], lockIds: ["L1", "L2"], tagIds: ["t2"], guestLimit: 3, timeframe: TIMEFRAME,
  };
  return {
    pods: [p1],
    users: [{ id: "ann", email: "ann@x.example" }, { id: "bob", email: "bob@x.example" }, { id: "cid", email: null }, { id: "dee", email: "dee@x.example" }],
    tags: [tag("t1", { state: "assigned", userId: "ann", podId: "P1" }), tag("t2", { podId: "P1" }), tag("t3"), tag("t4", { state: "blocked" })],
    lockIds: ["L1", "L2", "L3"],
    guests: [{ id: "g1", podId: "P1", tagId: null, lockIds: ["L1"] }, { id: "g2", podId: "P1", tagId: null, lockIds: ["L2"] }],
  };
}

/** The refusal carries the table's code and HTTP status, a message in words, and the ids at fault. */
function expectRefusal(error: KsError | null, code: number, status: number, details: Record<string, unknown>): void {
  expect(error).toBeInstanceOf(KsError);
  expect(error!.ksCode).toBe(code);
  expect(error!.code).toBe(`ks.${code}`);
  expect(error!.status).toBe(status);
  expect(error!.message.length).toBeGreaterThan(20);
  expect(error!.details).toMatchObject(details);
}

describe("pod rules (KS 2213-2222)", () => {
  it("2213: a pod name is unique in the site, ignoring case and spaces", () => {
    expect(podNameTaken(site(), "Studio B")).toBeNull();
    expect(podNameTaken(site(), "Studio A", "P1")).toBeNull(); // renaming a pod to its own name
    expectRefusal(podNameTaken(site(), "  studio a "), 2213, 400, { name: "studio a", podId: "P1" });
    expectRefusal(checkNewPod(site(), { name: "STUDIO A", lockIds: [], members: [{ userId: "bob", lockIds: [] }] }), 2213, 400, { podId: "P1" });
  });

  it("2214: pod and member locks must be locks of the site", () => {
    expect(locksOutsideSite(site(), ["L1", "L3"])).toBeNull();
    expectRefusal(locksOutsideSite(site(), ["L1", "X9", "X9"]), 2214, 400, { lockIds: ["X9"] });
    expectRefusal(checkNewPod(site(), { name: "New", lockIds: ["L1"], members: [{ userId: "bob", lockIds: ["X8"] }] }), 2214, 400, { lockIds: ["X8"] });
  });

  it("2215: at least one member has an e-mail", () => {
    expect(noMemberWithEmail(site(), ["cid", "bob"])).toBeNull();
    expectRefusal(noMemberWithEmail(site(), ["cid"]), 2215, 400, { userIds: ["cid"] });
    expectRefusal(noMemberWithEmail(site(), []), 2215, 400, { userIds: [] });
  });

  it("2216: the same user is not twice in a pod", () => {
    expect(duplicateMembers(["bob", "cid"])).toBeNull();
    expectRefusal(duplicateMembers(["bob", "cid", "bob"]), 2216, 400, { userIds: ["bob"] });
    const pod = site().pods[0]!;
    expectRefusal(checkAddMembers(site(), pod, [{ userId: "ann", lockIds: [] }]), 2216, 400, { userIds: ["ann"] });
  });

  it("2217: a member is not in two pods of one site", () => {
    expect(membersInOtherPods(site(), ["bob"], null)).toBeNull();
    expect(membersInOtherPods(site(), ["ann"], "P1")).toBeNull();
    expectRefusal(membersInOtherPods(site(), ["bob", "ann"], null), 2217, 400, { userIds: ["ann"], podIds: ["P1"] });
  });

  it("2218: one tag is not given to two members", () => {
    expect(memberTagClash(site(), [{ userId: "bob", tagId: "t3", lockIds: [] }], null)).toBeNull();
    expectRefusal(
      memberTagClash(site(), [{ userId: "bob", tagId: "t3", lockIds: [] }, { userId: "dee", tagId: "t3", lockIds: [] }], null),
      2218, 400, { tagIds: ["t3"], userIds: ["bob", "dee"] },
    );
    expectRefusal(memberTagClash(site(), [{ userId: "bob", tagId: "t1", lockIds: [] }], null), 2218, 400, { tagIds: ["t1"], userIds: ["bob", "ann"] });
  });

  it("2219: a new guest limit is not below the current guest count", () => {
    expect(guestLimitBelowCount(site(), "P1", 2)).toBeNull();
    expectRefusal(guestLimitBelowCount(site(), "P1", 1), 2219, 400, { podId: "P1", guestLimit: 1, guests: 2 });
    expectRefusal(checkPodUpdate(site(), site().pods[0]!, { guestLimit: 0 }), 2219, 400, { podId: "P1" });
  });

  it("2220: operations on a site user who is a pod member are refused until they leave the pod", () => {
    expect(userIsPodMember(site(), "bob")).toBeNull();
    expectRefusal(userIsPodMember(site(), "ann"), 2220, 403, { userId: "ann", podIds: ["P1"] });
  });

  it("2221: guests beyond the limit are refused, none added", () => {
    const pod = site().pods[0]!;
    expect(guestsOverLimit(site(), pod, 1)).toBeNull();
    expectRefusal(guestsOverLimit(site(), pod, 2), 2221, 400, { podId: "P1", guestLimit: 3, guests: 2, adding: 2 });
    expectRefusal(checkInviteGuests(site(), pod, 2, ["L1"]), 2221, 400, { podId: "P1" });
  });

  it("2222: guest locks must be pod locks", () => {
    const pod = site().pods[0]!;
    expect(guestLocksOutsidePod(pod, ["L1", "L2"])).toBeNull();
    expectRefusal(guestLocksOutsidePod(pod, ["L1", "L3"]), 2222, 400, { podId: "P1", lockIds: ["L3"] });
    // Taking a lock from the pod that a guest still uses is the same refusal, naming the guest.
    expectRefusal(checkPodUpdate(site(), pod, { lockIds: ["L1"] }), 2222, 400, { podId: "P1", lockIds: ["L2"], guestIds: ["g2"] });
  });

  it("pod members cannot block tags; Site Admins can (2203)", () => {
    expect(cannotBlockTag("site-admin", "t2")).toBeNull();
    expectRefusal(cannotBlockTag("pod-member", "t2"), 2203, 403, { tagId: "t2", role: "pod-member" });
  });

  it("a tag is taken only from where the operation expects it", () => {
    expect(tagNotFree(site(), "t3", { site: true })).toBeNull();
    expect(tagNotFree(site(), "t2", { podId: "P1" })).toBeNull();
    expect(tagNotFree(site(), "t2", { site: true })?.code).toBe("pod.tag_unavailable");
    expect(tagNotFree(site(), "t3", { podId: "P1" })?.code).toBe("pod.tag_unavailable");
    expect(tagNotFree(site(), "t4", { site: true })?.code).toBe("pod.tag_unavailable");
    expect(tagNotFree(site(), "nope", { site: true })?.code).toBe("pod.tag_unknown");
  });
});
