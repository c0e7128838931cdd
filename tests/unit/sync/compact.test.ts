import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../../core/store/index.ts";
import { Compactor, idempotencyKey, keyPrefix, referencedIds, type SyncChange } from "../../../core/sync/compact.ts";

const SEED = Number(process.env.FC_SEED ?? 20261125);
const PREFIX = keyPrefix("019b76da-a800-74f0-81c7-00000000aaaa", "019b76da-a800-74f0-81c7-00000000bbbb");

const uuid = (n: number) => `019b76da-a800-74f0-81c7-${n.toString(16).padStart(12, "0")}`;

type Kind = "floor" | "door" | "lock";
type Doc = { id: string; name: string; floorId?: string; doorId?: string };

let seq = 0;
function entry(kind: Kind, op: JournalEntry["op"], before: Doc | null, after: Doc | null, action = `a${seq}`): JournalEntry {
  seq += 1;
  const id = (after ?? before)!.id;
  return { seq, actionId: action, action: "test.edit", entity: kind, entityId: id, op, before, after, clock: seq, actor: "t", at: "2026-01-01T00:00:00.000Z" } as unknown as JournalEntry;
}

function fold(entries: readonly JournalEntry[]): SyncChange[] {
  const c = new Compactor(PREFIX);
  for (const e of entries) c.add(e);
  return c.changes();
}

describe("compaction to per-entity latest state", () => {
  it("folds a run of an entity's changes into one, at the place of the last, keyed by the range it stands for", () => {
    seq = 0;
    const f = { id: uuid(1), name: "Ground" };
    const d1 = { id: uuid(2), name: "Room 1", floorId: f.id };
    const out = fold([
      entry("floor", "insert", null, f),
      entry("door", "insert", null, d1),
      entry("door", "update", d1, { ...d1, name: "Room 1a" }),
      entry("door", "update", { ...d1, name: "Room 1a" }, { ...d1, name: "Room 1b" }),
    ]);
    expect(out.map((c) => [c.entity, c.op, (c.doc as Doc).name, c.firstSeq, c.lastSeq, c.key])).toEqual([
      ["floor", "insert", "Ground", 1, 1, idempotencyKey(PREFIX, 1, 1)],
      ["door", "insert", "Room 1b", 2, 4, idempotencyKey(PREFIX, 2, 4)],
    ]);
  });

  it("drops an entity created and deleted within the run, and turns update+delete into a delete", () => {
    seq = 0;
    const a = { id: uuid(1), name: "A" };
    const b = { id: uuid(2), name: "B" };
    const out = fold([entry("floor", "insert", null, a), entry("floor", "update", b, { ...b, name: "B2" }), entry("floor", "delete", a, null), entry("floor", "delete", { ...b, name: "B2" }, null)]);
    expect(out.map((c) => [c.entityId, c.op, c.doc, c.firstSeq, c.lastSeq])).toEqual([[b.id, "delete", null, 2, 4]]);
  });

  it("keeps an earlier change where it was when a related change stands between (a lock made for a door, then the door renamed)", () => {
    seq = 0;
    const f = { id: uuid(1), name: "Ground" };
    const d = { id: uuid(2), name: "Room", floorId: f.id };
    const l = { id: uuid(3), name: "Lock", doorId: d.id };
    const out = fold([entry("floor", "insert", null, f), entry("door", "insert", null, d), entry("lock", "insert", null, l), entry("door", "update", d, { ...d, name: "Room 2" })]);
    // Folding the door's insert forward past the lock would create the lock before its door.
    expect(out.map((c) => [c.entity, c.op, c.lastSeq])).toEqual([
      ["floor", "insert", 1],
      ["door", "insert", 2],
      ["lock", "insert", 3],
      ["door", "update", 4],
    ]);
  });

  it("finds references anywhere in a document, by UUID", () => {
    expect([...referencedIds({ a: [uuid(5), { b: uuid(6).toUpperCase() }], c: "not-an-id", d: 3 })].sort()).toEqual([uuid(5), uuid(6)]);
  });

  /**
   * A random history of floors, doors and locks under the site file's foreign keys
   * (a door needs its floor, a lock its door; nothing referenced is deleted), cut at a
   * random point: the cloud holds the state after the first part, and the compacted
   * rest must (1) take it to exactly the state after the whole history, (2) never
   * create what exists, touch what does not, or reference what is missing at its
   * moment, and (3) never delete what is still referenced at its moment.
   */
  it("takes the cloud to the same state as the whole history, in an order every reference allows (property)", () => {
    type Op = { kind: "add-floor" | "add-door" | "add-lock" | "rename" | "move-door" | "move-lock" | "delete"; pick: number; pick2: number };
    const op = fc.record({
      kind: fc.constantFrom("add-floor", "add-door", "add-lock", "rename", "move-door", "move-lock", "delete"),
      pick: fc.nat(1000),
      pick2: fc.nat(1000),
    }) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), fc.nat(100), fc.nat(20), (ops, cutAt, actionSize) => {
        seq = 0;
        let next = 1;
        const live = new Map<string, { kind: Kind; doc: Doc }>();
        const of = (k: Kind) => [...live.values()].filter((x) => x.kind === k);
        const referenced = (id: string) => [...live.values()].some((x) => x.doc.floorId === id || x.doc.doorId === id);
        const journal: JournalEntry[] = [];
        let action = 0;
        const push = (kind: Kind, o: JournalEntry["op"], before: Doc | null, after: Doc | null) => {
          if (actionSize === 0 || journal.length % (actionSize + 1) === 0) action += 1;
          journal.push(entry(kind, o, before, after, `act-${action}`));
          if (after) live.set(after.id, { kind, doc: after });
          else live.delete(before!.id);
        };
        for (const o of ops) {
          const floors = of("floor");
          const doors = of("door");
          const locks = of("lock");
          const all = [...live.values()];
          if (o.kind === "add-floor") push("floor", "insert", null, { id: uuid(next++), name: "F" });
          else if (o.kind === "add-door" && floors.length > 0) push("door", "insert", null, { id: uuid(next++), name: "D", floorId: floors[o.pick % floors.length]!.doc.id });
          else if (o.kind === "add-lock" && doors.length > 0) push("lock", "insert", null, { id: uuid(next++), name: "L", doorId: doors[o.pick % doors.length]!.doc.id });
          else if (o.kind === "rename" && all.length > 0) {
            const x = all[o.pick % all.length]!;
            push(x.kind, "update", x.doc, { ...x.doc, name: `${x.doc.name}'` });
          } else if (o.kind === "move-door" && doors.length > 0 && floors.length > 0) {
            const x = doors[o.pick % doors.length]!;
            push("door", "update", x.doc, { ...x.doc, floorId: floors[o.pick2 % floors.length]!.doc.id });
          } else if (o.kind === "move-lock" && locks.length > 0 && doors.length > 0) {
            const x = locks[o.pick % locks.length]!;
            push("lock", "update", x.doc, { ...x.doc, doorId: doors[o.pick2 % doors.length]!.doc.id });
          } else if (o.kind === "delete" && all.length > 0) {
            const x = all[o.pick % all.length]!;
            if (!referenced(x.doc.id)) push(x.kind, "delete", x.doc, null);
          }
        }
        const finalState = new Map([...live].map(([id, x]) => [id, x.doc]));
        const cut = journal.length === 0 ? 0 : cutAt % (journal.length + 1);

        // The cloud after the first part.
        const cloud = new Map<string, Doc>();
        for (const e of journal.slice(0, cut)) {
          if (e.op === "delete") cloud.delete(e.entityId);
          else cloud.set(e.entityId, e.after as unknown as Doc);
        }
        const refsOk = (d: Doc) => (d.floorId === undefined || cloud.has(d.floorId)) && (d.doorId === undefined || cloud.has(d.doorId));
        const stillReferenced = (id: string) => [...cloud.values()].some((d) => d.floorId === id || d.doorId === id);
        for (const c of fold(journal.slice(cut))) {
          const exists = cloud.has(c.entityId);
          if (c.op === "insert") expect(exists, `insert of existing ${c.entityId}`).toBe(false);
          else expect(exists, `${c.op} of missing ${c.entityId}`).toBe(true);
          if (c.op === "delete") {
            expect(stillReferenced(c.entityId), `delete of referenced ${c.entityId}`).toBe(false);
            cloud.delete(c.entityId);
          } else {
            expect(refsOk(c.doc as Doc), `dangling reference from ${c.entityId}`).toBe(true);
            cloud.set(c.entityId, c.doc as Doc);
          }
        }
        expect(cloud).toEqual(finalState);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
