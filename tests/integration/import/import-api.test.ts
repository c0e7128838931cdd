import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import type { EventName } from "../../../core/api/names.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import type { AppError } from "../../../core/errors/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { peopleCsv } from "../../bench/import/generator.ts";

const cli = { transport: "cli", actor: "dealer" } as const;
const browser = { transport: "browser", actor: "dealer" } as const;
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("people import over the router, on a real site file", () => {
  let dir: string;
  let app: LintelApp;
  let events: [EventName, unknown][];
  let siteId: string;
  const call = <T>(name: string, input: unknown, ctx: typeof cli | typeof browser = cli) => app.router.call(name, input, ctx) as Promise<T>;
  const failure = async (name: string, input: unknown, ctx: typeof cli | typeof browser = cli): Promise<AppError> => {
    try {
      await call(name, input, ctx);
    } catch (e) {
      return e as AppError;
    }
    throw new Error(`${name} did not fail`);
  };
  /** Everything an import could write. */
  const snapshot = async () => ({
    users: await call<Output<"users.search">>("users.search", { siteId, limit: 500 }),
    tags: await call<Output<"tags.list">>("tags.list", { siteId }),
    journal: await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 }),
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "lintel-import-"));
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    app = createLintelApp({ dataDir: dir, transport: "cli", clock, ids: uuidv7Source(clock, seededRandom(11)), random: seededRandom(12), tagReaders: { usb: "off", simulated: false } });
    events = [];
    app.events.subscribe((name, payload) => events.push([name, payload]));
    siteId = (await call<Output<"sites.create">>("sites.create", { name: "Harbour offices" })).siteId;
  });
  afterEach(() => {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const CSV = [
    "Given name;Surname;E-mail;Role;Badge",
    "Émile;Lefèvre;emile@example.com;Site Admin;04 A2 B9 C1",
    "Zoë;Özdemir;zoe@example.com;user;12:345",
    "Jonas;Peeters;;;",
    "",
  ].join("\r\n");

  it("previews with a guessed mapping, commits, and users.search finds the people with their tags", async () => {
    const preview = await call<Output<"import.preview">>("import.preview", { siteId, source: { kind: "bytes", name: "staff.csv", dataBase64: b64(CSV) } }, browser);
    expect(preview).toMatchObject({ format: "csv", encoding: "utf-8", delimiter: ";", problemCount: 0, problems: [] });
    expect(preview.mapping).toEqual({ firstName: 0, lastName: 1, fullName: null, email: 2, phone: null, role: 3, tags: 4, accessGroups: null });
    expect(preview.counts).toEqual({ rows: 3, blankRows: 0, people: 3, newTags: 2, existingTags: 0, groupMemberships: 0 });
    expect(preview.rows.map((r) => [r.line, r.firstName, r.lastName, r.role, r.tags])).toEqual([
      [2, "Émile", "Lefèvre", "site-admin", ["04A2B9C1"]],
      [3, "Zoë", "Özdemir", "user", ["012:00345"]],
      [4, "Jonas", "Peeters", "user", []],
    ]);
    // A preview writes nothing.
    expect((await snapshot()).users.total).toBe(0);

    const counts = await call<Output<"import.commit">>("import.commit", { siteId, source: { kind: "bytes", dataBase64: b64(CSV) }, mapping: preview.mapping }, browser);
    expect(counts).toEqual({ users: 3, newTags: 2, existingTags: 0, groupMemberships: 0 });
    expect(events).toContainEqual(["site.changed", { siteId, action: "people.import" }]);

    const found = await call<Output<"users.search">>("users.search", { siteId, query: "emile" });
    expect(found.items.map((u) => [u.firstName, u.lastName, u.email, u.role, u.waysOfOpening.tag])).toEqual([["Émile", "Lefèvre", "emile@example.com", "site-admin", true]]);
    const emile = found.items[0]!;
    const tags = await call<Output<"tags.list">>("tags.list", { siteId });
    expect(tags.find((t) => t.userId === emile.id)).toMatchObject({ number: "04A2B9C1", state: "assigned", assignedAt: "2026-11-25T09:00:00.000Z" });
    expect((await call<Output<"users.search">>("users.search", { siteId, query: "oz" })).items.map((u) => u.firstName)).toEqual(["Zoë"]);

    // The journal has one entry per user and tag, each with its own seq and document, under one action.
    const journal = (await snapshot()).journal.filter((e) => e.action === "people.import");
    expect(journal.map((e) => e.entity).sort()).toEqual(["tag", "tag", "user", "user", "user"]);
    expect(new Set(journal.map((e) => e.seq)).size).toBe(5);
    expect(new Set(journal.map((e) => e.actionId)).size).toBe(1);
    expect(journal.find((e) => e.entityId === emile.id)?.after).toEqual(emile);
  });

  it("refuses a file with one bad row as a whole, naming its line, column and reason, and writes nothing", async () => {
    const bad = CSV.replace("zoe@example.com;user", "zoe@example;superhero");
    const before = await snapshot();
    const preview = await call<Output<"import.preview">>("import.preview", { siteId, source: { kind: "bytes", dataBase64: b64(bad) } });
    expect(preview.problems).toEqual([
      { line: 3, column: "E-mail", reason: '"zoe@example" is not an e-mail address' },
      { line: 3, column: "Role", reason: '"superhero" is not a role (Owner, Site Admin, Site Super User, User)' },
    ]);
    expect(preview.rows[1]).toMatchObject({ line: 3, problems: 2 });

    const error = await failure("import.commit", { siteId, source: { kind: "bytes", dataBase64: b64(bad) }, mapping: preview.mapping });
    expect(error.code).toBe("import.invalid");
    expect(error.message).toContain("line 3, E-mail");
    expect(error.details).toEqual({ rows: preview.problems, total: 2 });
    expect(await snapshot()).toEqual(before);
    expect(events.filter(([n]) => n === "site.changed")).toEqual([]);
  });

  it("reads a path from the CLI, refuses one from the browser, and reports progress on a big file", async () => {
    const path = join(dir, "people.csv");
    writeFileSync(path, peopleCsv(6000));
    const refused = await failure("import.preview", { siteId, source: { kind: "path", path } }, browser);
    expect(refused.code).toBe("import.path_not_allowed");

    const preview = await call<Output<"import.preview">>("import.preview", { siteId, source: { kind: "path", path }, previewRows: 2 });
    expect(preview.counts.people).toBe(6000);
    expect(preview.rows).toHaveLength(2);
    const counts = await call<Output<"import.commit">>("import.commit", { siteId, source: { kind: "path", path }, mapping: {} });
    expect(counts).toMatchObject({ users: 6000, newTags: 6000 });
    expect((await call<Output<"users.search">>("users.search", { siteId, limit: 1 })).total).toBe(6000);
    const progress = events.filter(([n]) => n === "import.progress").map(([, p]) => p as { phase: string; fraction: number });
    expect(progress.map((p) => p.phase)).toContain("writing");
    expect(progress.at(-1)).toEqual({ siteId, phase: "done", fraction: 1 });

    // Importing the same file again: every e-mail and tag is now taken, so nothing is written.
    const again = await failure("import.commit", { siteId, source: { kind: "path", path }, mapping: {} });
    expect(again.code).toBe("import.invalid");
    expect((again.details as { total: number }).total).toBe(12000);
    expect((again.details as { rows: unknown[] }).rows).toHaveLength(1000);
  });

  it("says why a file cannot be read at all", async () => {
    const missing = await failure("import.preview", { siteId, source: { kind: "path", path: join(dir, "nope.csv") } });
    expect(missing.code).toBe("import.file");
    const latin1 = Buffer.from("First name,Last name\nJos\xe9,Garc\xeda\n", "latin1").toString("base64");
    const enc = await failure("import.preview", { siteId, source: { kind: "bytes", dataBase64: latin1 } });
    expect(enc.code).toBe("import.encoding");
    expect(enc.details).toMatchObject({ rows: [{ line: 2 }] });
    const notXlsx = await failure("import.preview", { siteId, source: { kind: "bytes", dataBase64: b64(CSV) }, format: "xlsx" });
    expect(notXlsx.code).toBe("import.format");
    const badInput = await failure("import.preview", { siteId, source: { kind: "bytes", dataBase64: "not base64!" } });
    expect(badInput.code).toBe("ks.1100");
  });
});
