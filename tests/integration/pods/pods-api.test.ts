import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import type { KsError } from "../../../core/errors/index.ts";
import { useAppSession } from "../../support/app-session.ts";

const TIMEFRAME = {
  monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false,
  startTime: "08:00:00", endTime: "18:00:00", startDate: null, endDate: null,
};
const CHECK_IN_OUT = { ...TIMEFRAME, saturday: true, sunday: true, startTime: "00:00:00", endTime: "23:59:59", startDate: "2026-11-26T15:00:00", endDate: "2026-11-28T11:00:00" };

type Detail = Output<"pods.get">;

describe("pods over the router, on the demo hotel's site file", () => {
  const session = useAppSession(() => ({ actor: "jonas", tmpPrefix: "lintel-pods-", idSeed: 6, randomSeed: 7 }));
  const { call, failure } = session;
  /** The demo hotel with its people, locks and tags by name, plus four spare unassigned tags. */
  async function demo() {
    const siteId = (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;
    const store = session.app.workspace.get(siteId);
    store.act({ name: "test.spare-tags" }, (tx) => {
      for (const n of ["04B00001", "04B00002", "04B00003", "04B00004"]) tx.insert("tag", { number: n, state: "unassigned" });
    });
    const users = Object.fromEntries(store.list("user").map((u) => [u.firstName.toLowerCase(), u.id]));
    const locks = store.list("lock").map((l) => l.id);
    const tags = store.list("tag");
    const free = tags.filter((t) => t.state === "unassigned").map((t) => t.id);
    const blocked = tags.find((t) => t.state === "blocked")!.id;
    return { siteId, users, locks, free, blocked, tagOf: (userId: string) => tags.find((t) => t.userId === userId)!.id };
  }

  /** Everything a pod operation could write: the journal, pods with their guests, tags, users. */
  async function snapshot(siteId: string) {
    const pods = await call<Output<"pods.list">>("pods.list", { siteId });
    return {
      journal: (await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 })).length,
      pods: await Promise.all(pods.map((p) => call<Detail>("pods.get", { siteId, podId: p.id }))),
      tags: await call<Output<"tags.list">>("tags.list", { siteId }),
      users: (await call<Output<"users.search">>("users.search", { siteId, limit: 500 })).items,
    };
  }

  /** The operation is refused with the KS code and the ids at fault, and the file is as it was. */
  async function expectRefused(siteId: string, name: string, input: unknown, code: number, details: Record<string, unknown>) {
    const before = await snapshot(siteId);
    const changed = session.events.length;
    const error = (await failure(name, input)) as KsError;
    expect(error.code).toBe(`ks.${code}`);
    expect(error.ksCode).toBe(code);
    expect(error.details).toMatchObject(details);
    expect(await snapshot(siteId)).toEqual(before);
    expect(session.events.length).toBe(changed);
    return error;
  }

  /** Studio A: Tom (with his own tag) and Sofia (given a free tag), two pod locks, two spare tags, room for 2 guests. */
  async function studioA(d: Awaited<ReturnType<typeof demo>>) {
    return call<Detail>("pods.create", {
      siteId: d.siteId,
      name: "Studio A",
      members: [
        { userId: d.users["tom"], tagId: d.tagOf(d.users["tom"]!), lockIds: [d.locks[0]] },
        { userId: d.users["sofia"], tagId: d.free[0], lockIds: [d.locks[0], d.locks[1]] },
      ],
      lockIds: [d.locks[0], d.locks[1]],
      tagIds: [d.free[1], d.free[2]],
      guestLimit: 2,
      timeframe: TIMEFRAME,
    });
  }

  it("creates a pod with two members and three tags, invites guests up to the limit, and moves tags as the seed says", async () => {
    const d = await demo();
    const created = await studioA(d);
    expect(created.pod.members.map((m) => m.userId)).toEqual([d.users["tom"], d.users["sofia"]]);
    expect(created.assignedTags.map((t) => [t.id, t.userId])).toEqual(
      expect.arrayContaining([[d.tagOf(d.users["tom"]!), d.users["tom"]], [d.free[0], d.users["sofia"]]]),
    );
    expect(created.unassignedTags.map((t) => t.id).sort()).toEqual([d.free[1], d.free[2]].sort());
    expect(session.events).toContainEqual(["site.changed", { siteId: d.siteId, action: "pods.create" }]);
    const podId = created.pod.id;

    const invited = await call<Output<"pods.inviteGuests">>("pods.inviteGuests", {
      siteId: d.siteId, podId, invitedBy: d.users["tom"], lockIds: [d.locks[1]], timeframe: CHECK_IN_OUT,
      guests: [{ firstName: "Ines", lastName: "Vos", tagId: d.free[1] }, { firstName: "Kai", lastName: "Berg" }],
    });
    expect(invited.invitations).toHaveLength(2);
    const [ines, kai] = invited.detail.guests;
    for (const [i, inv] of invited.invitations.entries()) {
      const guest = invited.detail.guests[i]!;
      expect(inv.guestId).toBe(guest.id);
      expect(guest.invitation.tokenHash).toBe(createHash("sha256").update(inv.token).digest("hex"));
      expect(inv.expiresAt).toBe("2026-12-02T09:00:00.000Z");
      expect(JSON.stringify(await snapshot(d.siteId))).not.toContain(inv.token); // the token is shown once, never stored
    }
    expect(ines!.tagId).toBe(d.free[1]);
    expect(invited.detail.unassignedTags.map((t) => t.id)).toEqual([d.free[2]]);
    const inviteActions = (await call<Output<"journal.list">>("journal.list", { siteId: d.siteId, limit: 1000 })).filter((e) => e.action === "pods.inviteGuests");
    expect(new Set(inviteActions.map((e) => e.actionId)).size).toBe(1);

    // Unassigning from a guest keeps the tag in the pod; a member hands it to another guest.
    let detail = await call<Detail>("pods.unassignGuestTag", { siteId: d.siteId, podId, guestId: ines!.id });
    expect(detail.unassignedTags.map((t) => t.id).sort()).toEqual([d.free[1], d.free[2]].sort());
    detail = await call<Detail>("pods.assignGuestTag", { siteId: d.siteId, podId, guestId: kai!.id, tagId: d.free[1] });
    expect(detail.guests.find((g) => g.id === kai!.id)?.tagId).toBe(d.free[1]);
    // Removing the guest leaves the tag in the pod; unassigning from the pod returns it to the site.
    detail = await call<Detail>("pods.removeGuest", { siteId: d.siteId, podId, guestId: kai!.id });
    expect(detail.guests.map((g) => g.id)).toEqual([ines!.id]);
    expect(detail.unassignedTags.map((t) => t.id)).toContain(d.free[1]);
    detail = await call<Detail>("pods.unassignTag", { siteId: d.siteId, podId, tagId: d.free[1] });
    expect(detail.unassignedTags.map((t) => t.id)).toEqual([d.free[2]]);
    const back = (await call<Output<"tags.list">>("tags.list", { siteId: d.siteId })).find((t) => t.id === d.free[1])!;
    expect([back.state, back.podId, back.userId, back.guestId]).toEqual(["unassigned", null, null, null]);
    detail = await call<Detail>("pods.assignTag", { siteId: d.siteId, podId, tagId: d.free[1] });
    expect(detail.unassignedTags.map((t) => t.id).sort()).toEqual([d.free[1], d.free[2]].sort());

    // A member leaves the pod, keeping their tag; removing them from the site frees it for the pod.
    await call("pods.removeMember", { siteId: d.siteId, podId, userId: d.users["sofia"] });
    const removed = await call<Output<"users.remove">>("users.remove", { siteId: d.siteId, userId: d.users["sofia"] });
    const ownTag = d.tagOf(d.users["sofia"]!);
    expect(removed.freedTagIds.sort()).toEqual([ownTag, d.free[0]].sort());
    detail = await call<Detail>("pods.get", { siteId: d.siteId, podId });
    expect(detail.unassignedTags.map((t) => t.id)).toContain(d.free[0]);
    expect(detail.pod.tagIds).toContain(d.free[0]);
    const own = (await call<Output<"tags.list">>("tags.list", { siteId: d.siteId })).find((t) => t.id === ownTag)!;
    expect([own.state, own.podId, own.userId]).toEqual(["unassigned", null, null]); // her own tag goes back to the site
  });

  it("2213: refuses a second pod of the same name (any case) and writes nothing", async () => {
    const d = await demo();
    const first = await studioA(d);
    await expectRefused(d.siteId, "pods.create", {
      siteId: d.siteId, name: "  studio a ", members: [{ userId: d.users["lea"], lockIds: [] }], guestLimit: 1, timeframe: TIMEFRAME,
    }, 2213, { podId: first.pod.id });
  });

  it("2214: refuses locks that are not the site's and writes nothing", async () => {
    const d = await demo();
    const stranger = "019b76da-a800-74f0-81c7-0000000000ff";
    await expectRefused(d.siteId, "pods.create", {
      siteId: d.siteId, name: "Studio B", members: [{ userId: d.users["lea"], lockIds: [] }], lockIds: [d.locks[0], stranger], guestLimit: 1, timeframe: TIMEFRAME,
    }, 2214, { lockIds: [stranger] });
  });

  it("2215: refuses a pod whose members have no e-mail, and removing the last member with one", async () => {
    const d = await demo();
    await expectRefused(d.siteId, "pods.create", {
      siteId: d.siteId, name: "Studio B", members: [{ userId: d.users["ahmed"], lockIds: [] }], guestLimit: 1, timeframe: TIMEFRAME,
    }, 2215, { userIds: [d.users["ahmed"]] });
    const pod = await call<Detail>("pods.create", {
      siteId: d.siteId, name: "Studio B", members: [{ userId: d.users["lea"], lockIds: [] }, { userId: d.users["ahmed"], lockIds: [] }], guestLimit: 1, timeframe: TIMEFRAME,
    });
    await expectRefused(d.siteId, "pods.removeMember", { siteId: d.siteId, podId: pod.pod.id, userId: d.users["lea"] }, 2215, { userIds: [d.users["ahmed"]] });
  });

  it("2216: refuses the same user twice in a pod and writes nothing", async () => {
    const d = await demo();
    const pod = await studioA(d);
    await expectRefused(d.siteId, "pods.addMembers", { siteId: d.siteId, podId: pod.pod.id, members: [{ userId: d.users["tom"], lockIds: [] }] }, 2216, {
      userIds: [d.users["tom"]],
    });
  });

  it("2217: refuses a member of another pod of the site and writes nothing", async () => {
    const d = await demo();
    const a = await studioA(d);
    await expectRefused(d.siteId, "pods.create", {
      siteId: d.siteId, name: "Studio B", members: [{ userId: d.users["lea"], lockIds: [] }, { userId: d.users["sofia"], lockIds: [] }], guestLimit: 1, timeframe: TIMEFRAME,
    }, 2217, { userIds: [d.users["sofia"]], podIds: [a.pod.id] });
  });

  it("2218: refuses one tag for two members and writes nothing", async () => {
    const d = await demo();
    await expectRefused(d.siteId, "pods.create", {
      siteId: d.siteId, name: "Studio B",
      members: [{ userId: d.users["lea"], tagId: d.free[3], lockIds: [] }, { userId: d.users["jonas"], tagId: d.free[3], lockIds: [] }],
      guestLimit: 1, timeframe: TIMEFRAME,
    }, 2218, { tagIds: [d.free[3]] });
  });

  it("2219: refuses a guest limit below the guest count and writes nothing", async () => {
    const d = await demo();
    const pod = await studioA(d);
    await call("pods.inviteGuests", { siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["tom"], lockIds: [d.locks[0]], timeframe: CHECK_IN_OUT, guests: [{ firstName: "A", lastName: "B" }, { firstName: "C", lastName: "D" }] });
    await expectRefused(d.siteId, "pods.update", { siteId: d.siteId, podId: pod.pod.id, guestLimit: 1 }, 2219, { podId: pod.pod.id, guests: 2, guestLimit: 1 });
  });

  it("2220: refuses to remove a site user who is a pod member and writes nothing", async () => {
    const d = await demo();
    const pod = await studioA(d);
    await expectRefused(d.siteId, "users.remove", { siteId: d.siteId, userId: d.users["tom"] }, 2220, { userId: d.users["tom"], podIds: [pod.pod.id] });
  });

  it("2221: refuses guests beyond the limit, inviting none of them", async () => {
    const d = await demo();
    const pod = await studioA(d);
    await call("pods.inviteGuests", { siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["tom"], lockIds: [d.locks[0]], timeframe: CHECK_IN_OUT, guests: [{ firstName: "A", lastName: "B" }] });
    await expectRefused(d.siteId, "pods.inviteGuests", {
      siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["tom"], lockIds: [d.locks[0]], timeframe: CHECK_IN_OUT,
      guests: [{ firstName: "C", lastName: "D", tagId: d.free[1] }, { firstName: "E", lastName: "F" }],
    }, 2221, { podId: pod.pod.id, guestLimit: 2, guests: 1, adding: 2 });
  });

  it("lets a guest use an invitation once and only before it expires", async () => {
    const d = await demo();
    const pod = await studioA(d);
    const invited = await call<Output<"pods.inviteGuests">>("pods.inviteGuests", {
      siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["tom"], lockIds: [d.locks[0]], timeframe: CHECK_IN_OUT,
      guests: [{ firstName: "Ana", lastName: "Lopes" }, { firstName: "Kai", lastName: "Berg" }],
    });
    const [ana, kai] = invited.invitations;
    const used = await call<Output<"pods.redeemInvitation">>("pods.redeemInvitation", { siteId: d.siteId, token: ana!.token });
    expect(used).toMatchObject({ guestId: ana!.guestId, podId: pod.pod.id, firstName: "Ana", lockIds: [d.locks[0]] });
    const detail = await call<Detail>("pods.get", { siteId: d.siteId, podId: pod.pod.id });
    expect(detail.guests.find((g) => g.id === ana!.guestId)).toMatchObject({ status: "active", invitation: { usedAt: expect.any(String) } });
    expect((await failure("pods.redeemInvitation", { siteId: d.siteId, token: ana!.token })).code).toBe("invite.used");
    expect((await failure("pods.redeemInvitation", { siteId: d.siteId, token: "x".repeat(43) })).code).toBe("invite.unknown");
    session.clock.advance(8 * 24 * 60 * 60 * 1000);
    const before = await snapshot(d.siteId);
    expect((await failure("pods.redeemInvitation", { siteId: d.siteId, token: kai!.token })).code).toBe("invite.expired");
    expect(await snapshot(d.siteId)).toEqual(before);
  });

  it("2222: refuses guest locks outside the pod and writes nothing", async () => {
    const d = await demo();
    const pod = await studioA(d);
    await expectRefused(d.siteId, "pods.inviteGuests", {
      siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["sofia"], lockIds: [d.locks[0], d.locks[5]], timeframe: CHECK_IN_OUT, guests: [{ firstName: "A", lastName: "B" }],
    }, 2222, { podId: pod.pod.id, lockIds: [d.locks[5]] });
  });

  it("2203: a pod member cannot block a tag; a Site Admin can", async () => {
    const d = await demo();
    const pod = await studioA(d);
    await expectRefused(d.siteId, "tags.block", { siteId: d.siteId, tagId: d.free[1], asRole: "pod-member" }, 2203, { tagId: d.free[1] });
    const tag = await call<Output<"tags.block">>("tags.block", { siteId: d.siteId, tagId: d.free[1], asRole: "site-admin" });
    expect([tag.state, tag.podId]).toEqual(["blocked", pod.pod.id]); // blocked where it is, still the pod's
  });

  it("refuses a tag that is not free where the operation takes it from, writing nothing", async () => {
    const d = await demo();
    const pod = await studioA(d);
    const before = await snapshot(d.siteId);
    expect((await failure("pods.assignTag", { siteId: d.siteId, podId: pod.pod.id, tagId: d.blocked })).code).toBe("pod.tag_unavailable");
    expect((await failure("pods.assignTag", { siteId: d.siteId, podId: pod.pod.id, tagId: d.tagOf(d.users["jonas"]!) })).code).toBe("pod.tag_unavailable");
    expect((await failure("pods.inviteGuests", {
      siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["tom"], lockIds: [d.locks[0]], timeframe: CHECK_IN_OUT, guests: [{ firstName: "A", lastName: "B", tagId: d.free[3] }],
    })).code).toBe("pod.tag_unavailable");
    expect((await failure("pods.inviteGuests", {
      siteId: d.siteId, podId: pod.pod.id, invitedBy: d.users["lea"], lockIds: [d.locks[0]], timeframe: CHECK_IN_OUT, guests: [{ firstName: "A", lastName: "B" }],
    })).code).toBe("pod.not_member");
    expect(await snapshot(d.siteId)).toEqual(before);
  });
});
