import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Tag, User } from "../../../core/domain/index.ts";
import { commitPeople, IMPORT_ACTION, readPeopleFile } from "../../../core/people-import/index.ts";
import { AppError } from "../../../core/errors/index.ts";
import { BLOCK_ROWS, BULK_CHUNK } from "../../../core/store/bulk-insert.ts";
import type { ColumnValue } from "../../../core/store/entities.ts";
import { canonicalJson } from "../../../core/store/canonical-json.ts";
import type { JournalEntry } from "../../../core/store/index.ts";
import { searchKey } from "../../../core/store/user-search-keys.ts";
import { peopleCsv } from "../../bench/import/generator.ts";
import { refusal, tempSite, utf8 } from "./support.ts";

const fileOf = (text: string) => readPeopleFile({ source: { kind: "bytes", bytes: utf8(text) } });

/** Every journal entry, read in pages of `page`. */
function journalInPages(store: ReturnType<typeof tempSite>["store"], page: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (;;) {
    const next = store.journal({ afterSeq: out.at(-1)?.seq ?? 0, limit: page });
    if (next.length === 0) return out;
    expect(next.length).toBeLessThanOrEqual(page);
    out.push(...next);
  }
}

describe("committing an import: all or nothing, in one journaled action", () => {
  let site: ReturnType<typeof tempSite>;
  beforeEach(() => {
    site = tempSite();
  });
  afterEach(() => site.close());

  it("writes users and tags whose stored documents are exactly what the schemas make of them", async () => {
    const counts = commitPeople(site.store, await fileOf(peopleCsv(700)), { ids: site.ids, actor: "dealer" });
    expect(counts).toEqual({ users: 700, newTags: 700, existingTags: 0, groupMemberships: 0 });
    expect(site.store.counts()).toMatchObject({ users: 700, tags: 700 });
    const db = new Database(site.store.path, { readonly: true });
    try {
      const users = db.prepare("SELECT data, first_key, last_key, email_key FROM users").all() as { data: string; first_key: string; last_key: string; email_key: string }[];
      for (const u of users) {
        const doc = User.parse(JSON.parse(u.data));
        expect(u.data).toBe(canonicalJson(doc));
        expect(doc.createdAt).toBe("2026-11-25T09:00:00.000Z");
        expect(doc.waysOfOpening.tag).toBe(true);
      }
      for (const t of db.prepare("SELECT data FROM tags").all() as { data: string }[]) expect(t.data).toBe(canonicalJson(Tag.parse(JSON.parse(t.data))));
      expect(users.slice(0, 2)).toMatchObject([
        { first_key: "anna-marie", last_key: "ozdemir", email_key: "annamarie.0@example.com" },
        { first_key: "emile", last_key: "dubois", email_key: "emile.1@example.com" },
      ]);
    } finally {
      db.close();
    }
    expect(site.store.searchUsers({ query: "émile dub" }).items.map((u) => u.email)).toContain("emile.1@example.com");
    expect(site.store.logicalClock()).toBe(2); // the site's creation, then one action
  });

  it("escapes what JSON must escape, and writes null for what a row leaves out", async () => {
    const text = 'First name;Last name;E-mail;Phone;Role\n"Mary ""Mo""";O\\Brien \u2028 😀;;+32 9 123 45 67;Site Super User\nAnna;Maes;anna@example.com;;\n';
    commitPeople(site.store, await fileOf(text), { ids: site.ids });
    const db = new Database(site.store.path, { readonly: true });
    try {
      const rows = db.prepare("SELECT data FROM users ORDER BY id").all() as { data: string }[];
      expect(rows.map((r) => r.data)).toEqual(rows.map((r) => canonicalJson(User.parse(JSON.parse(r.data)))));
      expect(rows.map((r) => JSON.parse(r.data) as User).map((u) => [u.firstName, u.lastName, u.email, u.phone, u.role, u.waysOfOpening.tag])).toEqual([
        ['Mary "Mo"', "O\\Brien \u2028 😀", null, "+32 9 123 45 67", "site-super-user", false],
        ["Anna", "Maes", "anna@example.com", null, "user", false],
      ]);
    } finally {
      db.close();
    }
  });

  it("journals one entry per user and tag, each with its own seq and document, readable in any page size", async () => {
    commitPeople(site.store, await fileOf(peopleCsv(600)), { ids: site.ids });
    const all = journalInPages(site.store, 1000);
    const imported = all.filter((e) => e.action === IMPORT_ACTION);
    expect(imported).toHaveLength(1200);
    expect(new Set(imported.map((e) => e.actionId)).size).toBe(1);
    expect(new Set(imported.map((e) => e.clock))).toEqual(new Set([2]));
    // Seqs run on without gaps or repeats, through the chunks of BULK_CHUNK ids.
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const rows = new Database(site.store.path, { readonly: true });
    try {
      const bulkRows = (rows.prepare("SELECT count(*) AS n FROM journal WHERE entity_id = '*'").get() as { n: number }).n;
      expect(bulkRows).toBe(2 * Math.ceil(512 / BULK_CHUNK) + 2 * Math.ceil(88 / BULK_CHUNK));
    } finally {
      rows.close();
    }
    for (const e of imported) {
      expect(e.op).toBe("insert");
      expect(e.before).toBeNull();
      expect(e.after).toEqual(site.store.get(e.entity, e.entityId));
    }
    // Pages of 7 and 300 stop and resume in the middle of bulk rows, and give the same entries.
    expect(journalInPages(site.store, 7)).toEqual(all);
    expect(journalInPages(site.store, 300)).toEqual(all);
  });

  it("an entity changed after the import still reads back as imported, from the change's `before`", async () => {
    commitPeople(site.store, await fileOf(peopleCsv(5)), { ids: site.ids });
    const [anna] = site.store.list("user");
    const [tag] = site.store.list("tag");
    site.store.act({ name: "users.update" }, (tx) => tx.update("user", anna!.id, (u) => ({ ...u, lastName: "Renamed" })));
    site.store.act({ name: "users.update" }, (tx) => tx.update("user", anna!.id, (u) => ({ ...u, lastName: "Again" })));
    site.store.act({ name: "tags.remove" }, (tx) => tx.remove("tag", tag!.id));
    const all = journalInPages(site.store, 100);
    const insert = all.find((e) => e.entityId === anna!.id && e.op === "insert");
    expect(insert?.after).toEqual(anna);
    const updates = all.filter((e) => e.entityId === anna!.id && e.op === "update");
    expect(updates.map((e) => (e.after as { lastName: string }).lastName)).toEqual(["Renamed", "Again"]);
    expect(updates[0]?.before).toEqual(anna);
    expect(all.find((e) => e.entityId === tag!.id && e.op === "insert")?.after).toEqual(tag);
    expect(all.find((e) => e.entityId === tag!.id && e.op === "delete")?.before).toEqual(tag);
  });

  it("writes nothing when any row is bad: no user, no tag, no journal entry, no clock tick", async () => {
    const text = `${peopleCsv(900).trimEnd()}\r\nLast,Row,not-an-email,User,04FFFFFF\r\n`;
    const before = { counts: site.store.counts(), clock: site.store.logicalClock(), journal: site.store.journal({ limit: 100 }) };
    const e = await refusal(async () => commitPeople(site.store, await fileOf(text), { ids: site.ids }));
    expect(e.code).toBe("import.invalid");
    expect(e.details).toEqual({ rows: [{ line: 902, column: "E-mail", reason: '"not-an-email" is not an e-mail address' }], total: 1 });
    expect({ counts: site.store.counts(), clock: site.store.logicalClock(), journal: site.store.journal({ limit: 100 }) }).toEqual(before);
  });

  it("checks again inside the transaction: a user added after the preview makes the commit refuse", async () => {
    const file = await fileOf("First name,Last name,E-mail\nAnna,Maes,anna@example.com\n");
    site.store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "Other", lastName: "Anna", email: "ANNA@example.com" }));
    const e = await refusal(() => commitPeople(site.store, file, { ids: site.ids }));
    expect((e.details as { rows: unknown[] }).rows).toEqual([{ line: 2, column: "E-mail", reason: "Other Anna already uses anna@example.com on this site." }]);
    expect(site.store.counts().users).toBe(1);
  });

  it("gives the site's free tags and fills its access groups", async () => {
    const { group, free } = site.store.act({ name: "test.seed" }, (tx) => ({
      group: tx.insert("accessGroup", { name: "Night shift", lockIds: [], scheduleIds: [], userIds: [] }),
      free: tx.insert("tag", { number: "04C3C3C3", state: "unassigned" }),
    }));
    const counts = commitPeople(site.store, await fileOf("First,Last,Tags,Groups\nAnna,Maes,04c3c3c3;04D4D4D4,night shift\nBram,Claes,,Night Shift\n"), { ids: site.ids });
    expect(counts).toEqual({ users: 2, newTags: 1, existingTags: 1, groupMemberships: 2 });
    const [anna, bram] = site.store.list("user");
    expect(site.store.get("tag", free.id)).toMatchObject({ state: "assigned", userId: anna!.id, assignedAt: "2026-11-25T09:00:00.000Z" });
    expect(site.store.get("accessGroup", group.id)?.userIds).toEqual([anna!.id, bram!.id]);
    // A group member cannot be removed without leaving the group: the join rows are there.
    expect(() => site.store.act({ name: "users.remove" }, (tx) => tx.remove("user", bram!.id))).toThrow(/refers to something/);
  });

  it("the store checks a sample of bulk rows in full, so a badly built one is refused", () => {
    const good = (i: number): ColumnValue[] => {
      const doc = User.parse({ id: site.ids.next(), firstName: `Zoë${i}`, lastName: "Maes", email: `z${i}@example.com`, createdAt: "2026-11-25T09:00:00.000Z" });
      return [doc.id, canonicalJson(doc), searchKey(doc.firstName), "maes", `z${i}@example.com`];
    };
    const rows = Array.from({ length: 1500 }, (_, i) => good(i));
    const bulk = (list: readonly ColumnValue[][]) => ({ width: 5, values: list.flat() });
    const insert = (bad: ColumnValue[], at: number) => () => site.store.act({ name: IMPORT_ACTION }, (tx) => tx.insertBulk("user", bulk([...rows.slice(0, at), bad, ...rows.slice(at + 1)])));
    // Rows 0, 1000 and the last are checked; a bad row there is refused, and says why.
    const [id, json, ...keys] = rows[1000]! as [string, string, ...ColumnValue[]];
    const doc = JSON.parse(json) as User;
    expect(insert([id, json.replace("{", '{"x":1,'), ...keys], 1000)).toThrow(/not in its canonical form/);
    expect(insert([id, canonicalJson({ ...doc, email: "nope" }), ...keys], 1000)).toThrow(/Invalid user/);
    expect(insert([id, "{not json", ...keys], 0)).toThrow(/is not JSON/);
    expect(insert([site.ids.next(), json, ...keys], 1499)).toThrow(/is not its document's/);
    expect(insert([id, json, "zoe", "maes", "z1000@example.com"], 1000)).toThrow(/columns of .* are not those its document gives/);
    expect(insert([id, json, "zoë1000", "maes", null], 1000)).toThrow(/columns of/);
    expect(insert([null, json, ...keys], 0)).toThrow(/starts with its id and JSON/);
    // Rows of the wrong width, and entities with join rows, are refused before anything is written.
    expect(() => site.store.act({ name: IMPORT_ACTION }, (tx) => tx.insertBulk("user", { width: 5, values: rows.flat().slice(1) }))).toThrow(/are not rows of 5/);
    expect(() => site.store.act({ name: IMPORT_ACTION }, (tx) => tx.insertBulk("user", { width: 4, values: rows.slice(0, 4).flat() }))).toThrow(/columns of/);
    expect(() => site.store.act({ name: IMPORT_ACTION }, (tx) => tx.insertBulk("accessGroup", { width: 2, values: [] }))).toThrow(/join rows/);
    expect(site.store.counts().users).toBe(0);
    site.store.act({ name: IMPORT_ACTION }, (tx) => tx.insertBulk("user", bulk(rows)));
    expect(site.store.counts().users).toBe(1500);
    // What was written is what the rows said, search keys included.
    const found = site.store.searchUsers({ query: "zoe1499 maes" });
    expect(found.total).toBe(1);
    expect(found.items[0]?.id).toBe(rows[1499]![0]);
    // Rows go in by blocks of BLOCK_ROWS (two here, then 476 one by one); a row that clashes
    // is named wherever it is, and nothing of the action stays.
    expect(BLOCK_ROWS).toBe(512);
    const more = Array.from({ length: 1500 }, (_, i) => good(2000 + i));
    for (const at of [0, 700, 1400, 1499]) {
      const clash = [...more.slice(0, at), rows[3]!, ...more.slice(at + 1)];
      let e: unknown;
      try {
        site.store.act({ name: IMPORT_ACTION }, (tx) => tx.insertBulk("user", bulk(clash)));
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(AppError);
      expect({ code: (e as AppError).code, id: ((e as AppError).details as { id: string }).id }).toEqual({ code: "store.conflict", id: rows[3]![0] });
      expect(site.store.counts().users).toBe(1500);
    }
  });
});
