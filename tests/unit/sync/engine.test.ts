import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cloudErrors } from "../../../core/cloud/errors.ts";
import { KsError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { openSync, type OpenSync, type SyncEngineDeps, type SyncProgress } from "../../../core/sync/index.ts";
import { FakeRemote } from "./fake-remote.ts";

let dir: string;
let clock: ManualClock;
let store: SiteStore;
let remote: FakeRemote;
const opened: OpenSync[] = [];
let waits: number[];

function site(): SiteStore {
  const ids = uuidv7Source(clock, seededRandom(11));
  return SiteStore.create(join(dir, "site.lintel"), { name: "Sync test" }, { clock, ids, actor: "installer@test" });
}

/** One floor, `doors` doors with a lock each, in one action; then `users` users with a tag each, one action per user. */
function fill(doors: number, users: number): void {
  store.act({ name: "test.doors" }, (tx) => {
    const floor = tx.insert("floor", { name: "Ground", level: 0, widthM: 100, depthM: 20 });
    for (let i = 0; i < doors; i++) {
      const door = tx.insert("door", { floorId: floor.id, name: `Room ${i}`, x: i % 100, y: 1 });
      tx.insert("lock", { doorId: door.id, name: `Room ${i}`, hardware: { kind: "cylinder" } });
    }
  });
  for (let i = 0; i < users; i++) {
    store.act({ name: "test.user" }, (tx) => {
      const u = tx.insert("user", { firstName: "User", lastName: `N${i}`, email: `u${i}@example.test` });
      tx.insert("tag", { number: `04A1${String(i).padStart(4, "0")}`, state: "assigned", userId: u.id, assignedAt: tx.at });
    });
  }
}

function engine(extra: Partial<SyncEngineDeps> = {}): OpenSync {
  const rnd = seededRandom(5);
  const s = openSync(store, {
    remote,
    clock,
    random: () => rnd()[0]! / 256,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      waits.push(ms);
      clock.advance(ms);
    },
    ...extra,
  });
  opened.push(s);
  return s;
}

/** Every entity of the site that the cloud keeps, with its current document. */
function localDocs(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const e of ["site", "floor", "door", "lock", "user", "tag"] as const) for (const d of store.list(e)) out.set(d.id, d);
  return out;
}

function cloudDocs(): Map<string, unknown> {
  return new Map([...remote.held].map(([id, h]) => [id, h.doc]));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lintel-sync-unit-"));
  clock = new ManualClock(Date.UTC(2026, 2, 1, 8, 0, 0));
  store = site();
  remote = new FakeRemote();
  waits = [];
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the sync engine", () => {
  it("pushes the journal in bounded batches, each entity exactly once, and leaves the checkpoint at the end", async () => {
    fill(120, 30);
    const { engine: e, state } = engine({ limits: { maxChanges: 100 } });
    const report = await e.run();
    expect(report.outcome).toBe("done");
    expect(cloudDocs()).toEqual(localDocs());
    expect([...remote.writes.values()].every((n) => n === 1)).toBe(true);
    expect(report.checkpointSeq).toBe(state.maxSeq());
    expect(report.doneEntries).toBe(report.totalEntries);
    // 1 site + 1 floor + 240 door/lock + 60 user/tag = 302 changes: 4 batches of ≤ 100.
    expect(remote.pushes).toBe(4);
    expect(e.status()).toMatchObject({ pendingEntries: 0, inflight: false, setAside: 0, openConflicts: 0 });
    // Nothing left: a second run pushes nothing and only reads the feed.
    const pushes = remote.pushes;
    expect((await e.run()).outcome).toBe("done");
    expect(remote.pushes).toBe(pushes);
  });

  it("keys each change by the journal range it stands for, the same on every attempt", async () => {
    fill(2, 0);
    const sent: string[][] = [];
    remote.beforePush = (items, n) => {
      sent.push(items.map((i) => i.key));
      if (n === 1) throw cloudErrors.network({ cause: "reset" });
    };
    const { engine: e } = engine();
    expect((await e.run()).outcome).toBe("done");
    expect(sent[0]).toEqual(sent[1]);
    expect(sent[0]!.every((k) => k.startsWith(e.keyPrefix))).toBe(true);
    expect(sent[0]![0]).toBe(`${e.keyPrefix}1-1`);
  });

  it("folds an entity's later edits into one change when nothing related stands between", async () => {
    fill(1, 0);
    const door = store.list("door")[0]!;
    for (let i = 0; i < 50; i++) store.act({ name: "test.move" }, (tx) => tx.update("door", door.id, (d) => ({ ...d, x: i })));
    const { engine: e } = engine();
    const dry = e.dryRun(10);
    // The door was inserted (with its lock after it), so its moves fold into one update, not 50.
    expect(dry.byEntity).toEqual({ site: { insert: 1, update: 0, delete: 0 }, floor: { insert: 1, update: 0, delete: 0 }, door: { insert: 1, update: 1, delete: 0 }, lock: { insert: 1, update: 0, delete: 0 } });
    expect(dry.entries).toBe(53); // the first move (to x = 0) changed nothing and left no entry
    expect(dry.first.map((i) => i.label)).toEqual(["Sync test", "Ground", "Room 0", "Room 0", "Room 0"]);
    await e.run();
    expect(cloudDocs()).toEqual(localDocs());
  });

  it("survives a response lost after the cloud committed: the same keys again, nothing doubled", async () => {
    fill(40, 10);
    let lost = 0;
    remote.afterPush = (_items, n) => {
      if (n % 2 === 1) {
        lost += 1;
        throw cloudErrors.network({ cause: "socket hang up" });
      }
    };
    const { engine: e } = engine({ limits: { maxChanges: 25 } });
    const report = await e.run();
    expect(report.outcome).toBe("done");
    expect(lost).toBeGreaterThan(2);
    expect(cloudDocs()).toEqual(localDocs());
    expect([...remote.writes.values()].every((n) => n === 1)).toBe(true);
    expect(report.retries).toBe(lost);
  });

  it("resumes after a crash with exactly the batch that was on its way", async () => {
    fill(60, 0);
    // The first engine's process "dies" right after the cloud committed its second batch.
    remote.afterPush = (_items, n) => {
      if (n === 2) throw new Error("process killed");
    };
    const first = engine({ limits: { maxChanges: 30 } });
    const r1 = await first.engine.run();
    expect(r1.outcome).toBe("failed");
    const inflight = first.state.read().inflight;
    expect(inflight).not.toBeNull();
    first.close();
    opened.splice(opened.indexOf(first), 1);

    remote.afterPush = null;
    const keysAgain: string[] = [];
    remote.beforePush = (items) => keysAgain.push(...items.map((i) => i.key));
    const second = engine({ limits: { maxChanges: 30 } });
    const r2 = await second.engine.run();
    expect(r2.outcome).toBe("done");
    expect(keysAgain.slice(0, inflight!.changes.length)).toEqual(inflight!.changes.map((c) => c.key));
    expect(cloudDocs()).toEqual(localDocs());
    expect([...remote.writes.values()].every((n) => n === 1)).toBe(true);
  });

  it("retries 5xx and 429 with backoff, never sooner than Retry-After, then pauses without losing anything", async () => {
    fill(5, 0);
    remote.beforePush = (_i, n) => {
      if (n === 1) throw cloudErrors.rateLimited({ status: 429, retryAfterMs: 3000 });
      if (n === 2) throw new KsError(2201, { details: { status: 500 } });
      if (n === 3) throw cloudErrors.unavailable({ status: 503 });
    };
    const { engine: e } = engine();
    const report = await e.run();
    expect(report.outcome).toBe("done");
    expect(waits[0]).toBeGreaterThanOrEqual(3000);
    expect(waits.slice(1, 3).every((w) => w > 0 && w <= 1000)).toBe(true);
    expect(report.retries).toBe(3);

    // A cloud that keeps failing: the run stops after maxAttempts, the batch stays recorded.
    store.act({ name: "test.more" }, (tx) => tx.insert("floor", { name: "Roof", level: 5, widthM: 10, depthM: 10 }));
    remote.beforePush = () => {
      throw cloudErrors.unavailable({ status: 503 });
    };
    const failed = await e.run();
    expect(failed.outcome).toBe("failed");
    expect(failed.error).toMatchObject({ code: "cloud.unavailable" });
    expect(e.status().inflight).toBe(true);
    remote.beforePush = null;
    expect((await e.run()).outcome).toBe("done");
    expect(cloudDocs()).toEqual(localDocs());
  });

  it("sets a refused change aside with its KS code and advice, and pushes the rest", async () => {
    fill(6, 0);
    remote.refuse = (item) => ((item.doc as { name?: string } | null)?.name === "Room 3" && item.entity === "door" ? new KsError(2203, { details: { status: 403 } }) : null);
    const { engine: e } = engine();
    const report = await e.run();
    expect(report.outcome).toBe("done");
    expect(report.setAside).toBeGreaterThanOrEqual(1);
    const aside = e.setAsideList();
    const door = aside.find((a) => a.entity === "door")!;
    expect(door).toMatchObject({ op: "insert", code: "ks.2203", ksCode: 2203, status: 403 });
    expect(door.advice).toMatch(/not allowed/);
    // Everything else arrived (the lock of that door depends on it and is refused in the fake only if it names it: it does not).
    expect(remote.count("door")).toBe(5);
    expect(remote.count("lock")).toBe(6);

    // Fixed here: the rename is a later change; the door never reached the cloud, so it is sent as a creation.
    remote.refuse = () => null;
    store.act({ name: "test.rename" }, (tx) => tx.update("door", door.entityId, (d) => ({ ...d, name: "Room 3b" })));
    expect((await e.run()).outcome).toBe("done");
    expect(e.setAsideList()).toEqual([]);
    expect(cloudDocs()).toEqual(localDocs());
  });

  it("retries or discards a set-aside change on request", async () => {
    fill(2, 0);
    let refusing = true;
    remote.refuse = (item) => (refusing && item.entity === "lock" ? new KsError(2205, { details: { status: 400 } }) : null);
    const { engine: e } = engine();
    await e.run();
    const [a, b] = e.setAsideList();
    expect([a?.ksCode, b?.ksCode]).toEqual([2205, 2205]);
    const again = await e.retrySetAside(a!.id);
    expect(again.accepted).toBe(false);
    expect(again.row?.attempts).toBe(2);
    refusing = false;
    expect((await e.retrySetAside(a!.id)).accepted).toBe(true);
    expect(e.discardSetAside(b!.id)).toBe(true);
    expect(e.setAsideList()).toEqual([]);
    expect(remote.count("lock")).toBe(1);
  });

  it("surfaces a tag assigned in the cloud meanwhile as a conflict, holds the local change back, and takes theirs", async () => {
    fill(1, 2);
    const { engine: e } = engine();
    await e.run();
    const tag = store.list("tag")[0]!;
    const other = store.list("user")[1]!;
    // Here: the tag is blocked. There, meanwhile: it went to another user.
    store.act({ name: "test.block" }, (tx) => tx.update("tag", tag.id, (t) => ({ ...t, state: "blocked" })));
    const theirs = { ...tag, userId: other.id, assignedAt: "2026-03-01T09:00:00.000Z" };
    remote.editInCloud("tag", tag.id, theirs);
    const report = await e.run();
    expect(report.conflicts).toBe(1);
    const [c] = e.conflicts();
    expect(c).toMatchObject({ entity: "tag", entityId: tag.id, state: "open", remoteDoc: theirs });
    expect((c!.localDoc as { state: string }).state).toBe("blocked");
    // Never silently overwritten: the cloud still has theirs.
    expect(remote.held.get(tag.id)!.doc).toEqual(theirs);

    await e.resolve(c!.id, "theirs");
    expect(store.get("tag", tag.id)).toEqual(theirs);
    expect(e.conflicts()).toEqual([]);
    const writes = remote.writes.get(tag.id);
    expect((await e.run()).outcome).toBe("done");
    // The old local change is not pushed over the choice; the choice is not pushed back.
    expect(remote.writes.get(tag.id)).toBe(writes);
    expect(cloudDocs()).toEqual(localDocs());
  });

  it("keeps mine: the local version goes over the cloud's, once", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    remote.editInCloud("user", user.id, { ...user, lastName: "Theirs" });
    await e.run();
    const [c] = e.conflicts();
    await e.resolve(c!.id, "mine");
    expect((remote.held.get(user.id)!.doc as { lastName: string }).lastName).toBe("Mine");
    await e.run();
    expect(cloudDocs()).toEqual(localDocs());
    expect(e.status().openConflicts).toBe(0);
  });

  it("never overwrites a change made in the cloud between its pull and its push (if_version → conflict)", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    remote.beforePush = (items) => {
      if (items.some((i) => i.entityId === user.id) && remote.held.get(user.id)!.version === 1) remote.editInCloud("user", user.id, { ...user, lastName: "Sneaky" });
    };
    const report = await e.run();
    expect(report.conflicts).toBe(1);
    expect((remote.held.get(user.id)!.doc as { lastName: string }).lastName).toBe("Sneaky");
    expect(e.conflicts()[0]).toMatchObject({ entityId: user.id, remoteVersion: 2 });
  });

  it("takes in what others changed in the cloud when nothing clashes here, without pushing it back", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    remote.editInCloud("user", user.id, { ...user, phone: "+32 470 00 00 00" });
    const writes = remote.writes.get(user.id);
    const report = await e.run();
    expect(report.pulled).toBe(1);
    expect(store.get("user", user.id)?.phone).toBe("+32 470 00 00 00");
    expect(store.journal({ afterSeq: 0, limit: 10_000 }).at(-1)).toMatchObject({ action: "sync.pull", actor: "KS cloud" });
    expect((await e.run()).outcome).toBe("done");
    expect(remote.writes.get(user.id)).toBe(writes);
  });

  it("reports progress with counts and time left, and can be cancelled mid-way and resumed", async () => {
    fill(100, 0);
    const seen: SyncProgress[] = [];
    const e = engine({ limits: { maxChanges: 20 }, onProgress: (p) => seen.push(p) }).engine;
    remote.beforePush = (_items, n) => {
      clock.advance(1000);
      if (n === 3) e.cancel();
    };
    const cancelled = await e.run();
    expect(cancelled.outcome).toBe("cancelled");
    const pushes = seen.filter((p) => p.phase === "push");
    expect(pushes.map((p) => p.doneEntries)).toEqual([...pushes.map((p) => p.doneEntries)].sort((a, b) => a - b));
    const mid = pushes.find((p) => p.doneEntries > 0 && p.doneEntries < p.totalEntries)!;
    expect(mid.etaMs).toBeGreaterThan(0);
    expect(mid.totalEntries).toBe(202);

    remote.beforePush = null;
    const done = await e.run();
    expect(done.outcome).toBe("done");
    expect(done.etaMs).toBe(0);
    expect(cloudDocs()).toEqual(localDocs());
    expect([...remote.writes.values()].every((n) => n === 1)).toBe(true);
  });

  it("refuses a second run while one is going", async () => {
    fill(1, 0);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = remote.push.bind(remote);
    remote.push = async (items) => {
      await gate;
      return slow(items);
    };
    const { engine: e } = engine();
    const running = e.run();
    await expect(e.run()).rejects.toMatchObject({ code: "sync.busy" });
    expect(() => e.discardSetAside(1)).toThrow(/already running/);
    release();
    expect((await running).outcome).toBe("done");
  });
});

describe("field-level merging of changes made on both sides", () => {
  it("pull: a field changed here and another changed in the cloud merge; both sides end with both, no conflict", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    remote.editInCloud("user", user.id, { ...user, phone: "+32 470 00 00 00" });
    const report = await e.run();
    expect(report.conflicts).toBe(0);
    expect(e.conflicts()).toEqual([]);
    expect(store.get("user", user.id)).toMatchObject({ lastName: "Mine", phone: "+32 470 00 00 00" });
    expect(remote.held.get(user.id)!.doc).toMatchObject({ lastName: "Mine", phone: "+32 470 00 00 00" });
    expect(cloudDocs()).toEqual(localDocs());
    // The merge is journaled as a local edit that was pushed, not as a pull.
    expect(store.journal({ afterSeq: 0, limit: 10_000 }).some((j) => j.action === "sync.merge" && j.entityId === user.id)).toBe(true);
    expect(e.dryRun().changes).toBe(0);
  });

  it("409: a field changed in the cloud between pull and push is merged and re-sent on its version under a derived key, exactly once", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    const sent: { key: string; ifVersion: number | undefined }[] = [];
    let lost = false;
    remote.beforePush = (items) => {
      for (const i of items) if (i.entityId === user.id) sent.push({ key: i.key, ifVersion: i.ifVersion });
      if (items.some((i) => i.entityId === user.id) && remote.held.get(user.id)!.version === 1) remote.editInCloud("user", user.id, { ...user, phone: "+32 470 00 00 00" });
    };
    // The answer to the merged re-send is lost once: it goes again under the same key.
    remote.afterPush = (items) => {
      if (!lost && items.some((i) => i.key.includes("~v"))) {
        lost = true;
        throw cloudErrors.network({ cause: "socket hang up" });
      }
    };
    const report = await e.run();
    expect(report.outcome).toBe("done");
    expect(report.conflicts).toBe(0);
    expect(lost).toBe(true);
    const [first, merged, again] = sent;
    expect(first!.ifVersion).toBe(1);
    expect(merged).toEqual({ key: `${first!.key}~v2`, ifVersion: 2 });
    expect(again).toEqual(merged);
    // Cloud: v1 (ours, first sync), v2 (theirs), v3 (merged); applied once despite the lost answer.
    expect(remote.held.get(user.id)).toMatchObject({ version: 3, doc: { lastName: "Mine", phone: "+32 470 00 00 00" } });
    expect(remote.writes.get(user.id)).toBe(2);
    expect(store.get("user", user.id)).toMatchObject({ lastName: "Mine", phone: "+32 470 00 00 00" });
    expect((await e.run()).outcome).toBe("done");
    expect(remote.writes.get(user.id)).toBe(2);
    expect(cloudDocs()).toEqual(localDocs());
  });

  it("409 on the same field: still a conflict, showing only that field; the cloud's other fields are taken in here", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    const theirs = { ...user, lastName: "Theirs", phone: "+32 470 00 00 00" };
    remote.beforePush = (items) => {
      if (items.some((i) => i.entityId === user.id) && remote.held.get(user.id)!.version === 1) remote.editInCloud("user", user.id, theirs);
    };
    const report = await e.run();
    expect(report.conflicts).toBe(1);
    const [c] = e.conflicts();
    expect(c).toMatchObject({ entityId: user.id, remoteVersion: 2, remoteDoc: theirs });
    const differ = Object.keys(theirs).filter((k) => JSON.stringify((c!.localDoc as Record<string, unknown>)[k]) !== JSON.stringify((theirs as Record<string, unknown>)[k]));
    expect(differ).toEqual(["lastName"]);
    expect(store.get("user", user.id)).toMatchObject({ lastName: "Mine", phone: "+32 470 00 00 00" });
    expect(remote.held.get(user.id)!.doc).toEqual(theirs);
    // Keeping mine does not undo their phone.
    await e.resolve(c!.id, "mine");
    expect(remote.held.get(user.id)!.doc).toMatchObject({ lastName: "Mine", phone: "+32 470 00 00 00" });
    expect((await e.run()).outcome).toBe("done");
    expect(cloudDocs()).toEqual(localDocs());
  });

  it("counts a conflict once per entity, however many cloud changes of it the feed shows", async () => {
    fill(1, 1);
    const { engine: e } = engine();
    await e.run();
    const user = store.list("user")[0]!;
    store.act({ name: "test.rename" }, (tx) => tx.update("user", user.id, (u) => ({ ...u, lastName: "Mine" })));
    remote.editInCloud("user", user.id, { ...user, lastName: "Theirs" });
    remote.editInCloud("user", user.id, { ...user, lastName: "Theirs again" });
    const report = await e.run();
    expect(e.conflicts()).toHaveLength(1);
    expect(report.conflicts).toBe(1);
    expect(e.conflicts()[0]).toMatchObject({ remoteVersion: 3, remoteDoc: { lastName: "Theirs again" } });
  });
});
