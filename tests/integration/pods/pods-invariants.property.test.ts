import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import { isAppError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import type { SiteStore } from "../../../core/store/index.ts";

/**
 * Whatever pod operations a site goes through, in whatever order, the invariants of
 * the seed hold in the file: each tag is in at most one place (free in the site, with
 * a user, free in a pod, with a guest), no pod has more guests than its limit, no
 * user is in two pods of the site. A refusal must be a rule's (KS or pod.*), never
 * the store's constraint: the rules, not SQLite, are what tells the installer.
 */
const ctx = { transport: "cli", actor: "prop" } as const;
const TIMEFRAME = {
  monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: true, sunday: true,
  startTime: "08:00:00", endTime: "18:00:00", startDate: null, endDate: null,
};
const OPS = [
  "create", "update", "addMember", "removeMember", "assignTag", "unassignTag", "invite", "assignGuestTag", "unassignGuestTag", "removeGuest", "removeUser", "block",
] as const;
type Op = (typeof OPS)[number];
/** Guests are where the limits bite, so inviting and handing out tags come up more often than removing people. */
const WEIGHT: Readonly<Partial<Record<Op, number>>> = { create: 2, invite: 4, assignGuestTag: 2, assignTag: 2 };
const Step = fc.record({
  op: fc.oneof(...OPS.map((op) => ({ arbitrary: fc.constant(op), weight: WEIGHT[op] ?? 1 }))),
  a: fc.nat(20),
  b: fc.nat(20),
  c: fc.nat(20),
});
/** Every run starts with two pod creations, so the other operations mostly have a pod to work on. */
const Steps = fc
  .array(Step, { minLength: 5, maxLength: 30 })
  .map((steps) => [{ op: "create" as const, a: 0, b: 0, c: 1 }, { op: "create" as const, a: 1, b: 1, c: 2 }, ...steps]);

function checkInvariants(store: SiteStore): void {
  const pods = store.list("pod");
  const guests = store.list("podGuest");
  const tags = store.list("tag");
  const users = new Set(store.list("user").map((u) => u.id));
  const podIds = new Set(pods.map((p) => p.id));

  // Each tag in at most one place, and every reference to it agrees.
  for (const t of tags) {
    expect(t.userId !== null && t.guestId !== null, `tag ${t.id} has two holders`).toBe(false);
    if (t.podId !== null) expect(podIds.has(t.podId)).toBe(true);
    if (t.userId !== null) expect(users.has(t.userId)).toBe(true);
    const asGuestTag = guests.filter((g) => g.tagId === t.id);
    const asMemberTag = pods.flatMap((p) => p.members.filter((m) => m.tagId === t.id).map((m) => ({ pod: p, m })));
    expect(asGuestTag.length + asMemberTag.length, `tag ${t.id} given twice`).toBeLessThanOrEqual(1);
    if (t.guestId !== null) expect(asGuestTag.map((g) => [g.id, g.podId])).toEqual([[t.guestId, t.podId]]);
    else expect(asGuestTag).toEqual([]);
    for (const { pod, m } of asMemberTag) expect([t.userId, t.podId]).toEqual([m.userId, pod.id]);
  }
  for (const p of pods) {
    const mine = guests.filter((g) => g.podId === p.id);
    expect(mine.length, `pod ${p.name} over its limit`).toBeLessThanOrEqual(p.guestLimit);
    for (const g of mine) for (const l of g.lockIds) expect(p.lockIds).toContain(l);
  }
  // No user in two pods of the site, nor twice in one.
  const members = pods.flatMap((p) => p.members.map((m) => m.userId));
  expect(new Set(members).size).toBe(members.length);
  for (const u of members) expect(users.has(u)).toBe(true);
}

describe("pod invariants under random sequences of operations", () => {
  let dir: string;
  let app: LintelApp;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-pods-prop-"));
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    app = createLintelApp({ dataDir: dir, transport: "cli", clock, ids: uuidv7Source(clock, seededRandom(8)), random: seededRandom(9) });
  });
  afterAll(() => {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("never leaves a tag in two places, a pod over its limit, or a user in two pods", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(Steps, async (steps) => {
        run++;
        const siteId = (await app.router.call("sites.create", { name: `Cowork ${run}` }, ctx) as Output<"sites.create">).siteId;
        const store = app.workspace.get(siteId);
        const { lockIds, userIds } = store.act({ name: "test.seed" }, (tx) => {
          const floor = tx.insert("floor", { name: "Ground", level: 0, widthM: 40, depthM: 20 });
          const locks = [1, 2, 3, 4].map((i) => {
            const door = tx.insert("door", { floorId: floor.id, name: `Office ${i}`, x: i * 5, y: 5 });
            return tx.insert("lock", { doorId: door.id, name: `Office ${i}`, hardware: { kind: "cylinder" } }).id;
          });
          const users = ["ann", "bob", "cid", "dee", "eve"].map((n, i) =>
            tx.insert("user", { firstName: n, lastName: "Test", email: i === 2 ? null : `${n}@cowork.example` }).id,
          );
          for (let i = 0; i < 8; i++) tx.insert("tag", { number: `05C0000${i}`, state: "unassigned" });
          return { lockIds: locks, userIds: users };
        });
        try {
          for (const s of steps) {
            const pods = store.list("pod");
            const tags = store.list("tag");
            const guests = store.list("podGuest");
            const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);
            const pod = pick(pods, s.a);
            const podId = pod?.id ?? userIds[0]!;
            const tagId = pick(tags, s.b)?.id ?? userIds[0]!;
            const userId = pick(userIds, s.b)!;
            const guest = pick(guests, s.c);
            const input = ((): [string, unknown] => {
              switch (s.op) {
                case "create":
                  return ["pods.create", {
                    siteId, name: `Pod ${s.a % 3}`, guestLimit: 1 + (s.c % 3), timeframe: TIMEFRAME, lockIds: lockIds.slice(0, 1 + (s.a % 4)),
                    members: [{ userId, tagId: s.c % 2 === 0 ? tagId : null, lockIds: [lockIds[0]] }, ...(s.c % 3 === 0 ? [{ userId: pick(userIds, s.c)! }] : [])],
                    tagIds: s.a % 2 === 0 ? [pick(tags, s.c)?.id ?? tagId] : [],
                  }];
                case "update":
                  return ["pods.update", { siteId, podId, guestLimit: s.b % 4, ...(s.c % 2 === 0 ? { lockIds: lockIds.slice(0, 1 + (s.c % 4)) } : {}) }];
                case "addMember":
                  return ["pods.addMembers", { siteId, podId, members: [{ userId, tagId: s.c % 2 === 0 ? tagId : null, lockIds: [] }] }];
                case "removeMember":
                  return ["pods.removeMember", { siteId, podId, userId: pick(pod?.members ?? [], s.b)?.userId ?? userId }];
                case "assignTag":
                  return ["pods.assignTag", { siteId, podId, tagId }];
                case "unassignTag":
                  return ["pods.unassignTag", { siteId, podId, tagId }];
                case "invite":
                  return ["pods.inviteGuests", {
                    siteId, podId, invitedBy: pick(pod?.members ?? [], s.b)?.userId ?? userId, timeframe: TIMEFRAME,
                    lockIds: pod && pod.lockIds.length > 0 && s.b % 5 !== 0 ? pod.lockIds.slice(0, 1 + (s.b % pod.lockIds.length)) : lockIds,
                    guests: Array.from({ length: 1 + (s.c % 3) }, (_, i) => ({ firstName: `G${i}`, lastName: "Guest", tagId: i === 0 && s.b % 2 === 0 ? tagId : null })),
                  }];
                case "assignGuestTag":
                  return ["pods.assignGuestTag", { siteId, podId: guest?.podId ?? podId, guestId: guest?.id ?? userId, tagId }];
                case "unassignGuestTag":
                  return ["pods.unassignGuestTag", { siteId, podId: guest?.podId ?? podId, guestId: guest?.id ?? userId }];
                case "removeGuest":
                  return ["pods.removeGuest", { siteId, podId: guest?.podId ?? podId, guestId: guest?.id ?? userId }];
                case "removeUser":
                  return ["users.remove", { siteId, userId }];
                case "block":
                  return ["tags.block", { siteId, tagId, asRole: s.c % 2 === 0 ? "site-admin" : "pod-member" }];
                default: {
                  const never: never = s.op;
                  throw new Error(`unknown op ${String(never)}`);
                }
              }
            })();
            try {
              await app.router.call(input[0], input[1], ctx);
            } catch (e) {
              if (!isAppError(e) || e.code.startsWith("store.") || e.code.startsWith("api.")) throw e;
            }
            checkInvariants(store);
          }
        } finally {
          app.workspace.close(siteId);
        }
      }),
      { seed: Number(process.env.FC_SEED ?? 20261125), numRuns: 60 },
    );
  }, 60_000);
});
