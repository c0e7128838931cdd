import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { commitPeople, readPeopleFile } from "../../../core/people-import/index.ts";
import { guessMapping } from "../../../core/people-import/mapping.ts";
import { PARALLEL_MIN_ROWS, startCheckJob, type WorkerMessage } from "../../../core/people-import/parallel.ts";
import { peopleCsv, peopleXlsx } from "../../bench/import/generator.ts";
import { onlyProblem, refusal, tempSite, utf8 } from "./support.ts";

const fileOf = (text: string) => readPeopleFile({ source: { kind: "bytes", bytes: utf8(text) } });
const PEOPLE = PARALLEL_MIN_ROWS + 1500;

/** Ids and documents of a site's users and tags, in id order. */
function rows(path: string): { users: unknown[]; tags: unknown[] } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      users: db.prepare("SELECT id, data, first_key, last_key, email_key FROM users ORDER BY id").raw().all(),
      tags: db.prepare("SELECT id, data, number, user_id FROM tags ORDER BY id").raw().all(),
    };
  } finally {
    db.close();
  }
}

describe("a big CSV committed with the check worker (parallel.ts)", () => {
  const sites: ReturnType<typeof tempSite>[] = [];
  const site = () => {
    const s = tempSite();
    sites.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of sites.splice(0)) s.close();
  });

  it("writes exactly what the single-thread commit writes, ids included", async () => {
    const file = await fileOf(peopleCsv(PEOPLE));
    const { workerSource: _source, ...sameThread } = file;
    const [a, b] = [site(), site()];
    const counts = commitPeople(a.store, file, { ids: a.ids });
    expect(commitPeople(b.store, sameThread, { ids: b.ids })).toEqual(counts);
    expect(counts).toEqual({ users: PEOPLE, newTags: PEOPLE, existingTags: 0, groupMemberships: 0 });
    const [ra, rb] = [rows(a.store.path), rows(b.store.path)];
    expect(ra.users).toHaveLength(PEOPLE);
    expect(ra).toEqual(rb);
  });

  it("an XLSX the fast reader reads is checked on the worker too, and written exactly as on one thread", async () => {
    const file = await readPeopleFile({ source: { kind: "bytes", bytes: new Uint8Array(await peopleXlsx(PEOPLE)) } });
    expect(file.workerSource?.kind).toBe("xlsx");
    const { workerSource: _source, ...sameThread } = file;
    const [a, b] = [site(), site()];
    const counts = commitPeople(a.store, file, { ids: a.ids });
    expect(commitPeople(b.store, sameThread, { ids: b.ids })).toEqual(counts);
    expect(counts).toMatchObject({ users: PEOPLE, newTags: PEOPLE });
    expect(rows(a.store.path)).toEqual(rows(b.store.path));
  });

  it("refuses the whole file for one bad row at its end, with its line, and writes nothing", async () => {
    const text = peopleCsv(PEOPLE);
    const lines = text.split("\r\n");
    // The second person (line 3) again, as the last line: the same e-mail and tag.
    const file = await fileOf(`${text}${lines[2]}\r\n`);
    const s = site();
    const e = await refusal(() => commitPeople(s.store, file, { ids: s.ids }));
    expect(e.code).toBe("import.invalid");
    const first = onlyProblem(e);
    expect(first.line).toBe(PEOPLE + 2);
    expect(e.details).toMatchObject({ total: 2 });
    expect(first.reason).toMatch(/also on line 3/);
    expect(s.store.counts()).toMatchObject({ users: 0, tags: 0 });
  });

  it("really starts the worker here, which checks every row and hands back every good person", () => {
    const text = peopleCsv(200);
    const header = text.split("\r\n")[0]!.split(",");
    const job = startCheckJob({ kind: "csv", text, delimiter: "," }, guessMapping(header), { at: "2026-01-01T00:00:00.000Z", firstId: "019ac1a0-0000-7000-8000-000000000000", users: [], tags: [], groups: [] });
    expect(job).not.toBeNull();
    const seen: WorkerMessage[] = [];
    for (let m = job!.next(); ; m = job!.next()) {
      seen.push(m);
      if (m.kind !== "people") break;
    }
    job!.close();
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ kind: "done", rows: 200, problemCount: 0 });
    const people = seen.filter((m) => m.kind === "people").reduce((n, m) => n + (m.kind === "people" ? m.count : 0), 0);
    expect(people).toBe(200);
  });
});
