import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { previewPeople, readPeopleFile, type MappingInput } from "../../../core/people-import/index.ts";
import { tempSite, utf8 } from "./support.ts";

describe("row checks, against the domain and the site", () => {
  let site: ReturnType<typeof tempSite>;
  beforeEach(() => {
    site = tempSite();
    site.store.act({ name: "test.seed" }, (tx) => {
      const owner = tx.insert("user", { firstName: "Olga", lastName: "Owner", email: "olga@example.com", role: "owner" });
      const tom = tx.insert("user", { firstName: "Tom", lastName: "Taken", email: "Tom@Example.com" });
      tx.insert("tag", { number: "04A1A1A1", state: "assigned", userId: tom.id, assignedAt: tx.at });
      tx.insert("tag", { number: "04B2B2B2", state: "blocked", userId: null });
      tx.insert("tag", { number: "04C3C3C3", state: "unassigned" });
      tx.insert("accessGroup", { name: "Staff", lockIds: [], scheduleIds: [], userIds: [owner.id] });
      tx.insert("accessGroup", { name: "Night shift", lockIds: [], scheduleIds: [], userIds: [] });
    });
  });
  afterEach(() => site.close());

  const preview = async (lines: readonly string[], mapping?: MappingInput) =>
    previewPeople(await readPeopleFile({ source: { kind: "bytes", bytes: utf8(lines.join("\n")) } }), site.store, { mapping, previewRows: 50 });

  const HEADER = "First name,Last name,E-mail,Role,Tag,Access groups,Phone";

  it("a clean file: counts, the mapping used, and rows as they will be stored", async () => {
    const p = await preview([HEADER, "Anna,Maes,anna@example.com,Site Admin,04 c3 c3 c3,staff; Night Shift,+32 470 12 34 56", "Bram,Claes,,,12:345 | 04D4D4D4,,"]);
    expect(p.problems).toEqual([]);
    expect(p.counts).toEqual({ rows: 2, blankRows: 0, people: 2, newTags: 2, existingTags: 1, groupMemberships: 2 });
    expect(p.columns.map((c) => c.field)).toEqual(["firstName", "lastName", "email", "role", "tags", "accessGroups", "phone"]);
    expect(p.rows).toEqual([
      { line: 2, firstName: "Anna", lastName: "Maes", email: "anna@example.com", phone: "+32 470 12 34 56", role: "site-admin", tags: ["04C3C3C3"], accessGroups: ["Staff", "Night shift"], problems: 0 },
      { line: 3, firstName: "Bram", lastName: "Claes", email: null, phone: null, role: "user", tags: ["012:00345", "04D4D4D4"], accessGroups: [], problems: 0 },
    ]);
  });

  it("names line, column (as the file calls it) and reason for each bad value", async () => {
    const long = "x".repeat(121);
    const p = await preview([
      HEADER,
      `,Maes,not-an-email,Boss,04,Cleaners,12`,
      `${long},Vos,ok@example.com,user,GHIJ,,`,
      `Cor,Vos,ok@example.com,owner,04A1A1A1,,`,
      `Dirk,Vos,tom@example.com,,04B2B2B2;04E5E5E5;04e5e5e5,,`,
      `Eva,Vos,eva@example.com,,04E5E5E5,,`,
    ]);
    expect(p.problems).toEqual([
      { line: 2, column: "First name", reason: "the first name is missing" },
      { line: 2, column: "E-mail", reason: '"not-an-email" is not an e-mail address' },
      { line: 2, column: "Phone", reason: '"12" is not a phone number (6 to 20 digits, spaces, brackets and dashes, an optional leading +)' },
      { line: 2, column: "Role", reason: '"Boss" is not a role (Owner, Site Admin, Site Super User, User)' },
      { line: 2, column: "Tag", reason: '"04" is not a tag number: 2 digit(s), a tag number has 4..20' },
      { line: 2, column: "Access groups", reason: 'the site has no access group "Cleaners"' },
      { line: 3, column: "First name", reason: "121 characters: longer than the 120 a name may have" },
      { line: 3, column: "Tag", reason: '"GHIJ" is not a tag number: a tag number is hex/decimal digits, or FFF:NNNNN' },
      { line: 4, column: "E-mail", reason: "ok@example.com is also on line 3: one person per e-mail address" },
      { line: 4, column: "Role", reason: "The site already has its Owner; a site has one. Give this person another role." },
      { line: 4, column: "Tag", reason: "Tag 04A1A1A1 is assigned to someone else: unassign it from them first." },
      { line: 5, column: "E-mail", reason: "Tom Taken already uses tom@example.com on this site." },
      { line: 5, column: "Tag", reason: "Tag 04B2B2B2 is blocked (lost): it cannot be given to anyone again. Issue a new tag instead." },
      { line: 5, column: "Tag", reason: "tag 04E5E5E5 is named twice on this line" },
      { line: 6, column: "Tag", reason: "tag 04E5E5E5 is also on line 5: a tag has one holder" },
    ]);
    expect(p.problemCount).toBe(15);
    expect(p.rows.map((r) => r.problems)).toEqual([6, 2, 3, 3, 1]);
    expect(p.counts.people).toBe(0);
  });

  it("refuses a second Owner within the file, too-long cells and too many tags", async () => {
    const site2 = tempSite(2);
    try {
      const file = await readPeopleFile({
        source: {
          kind: "bytes",
          bytes: utf8(["First,Last,Role,Tags,E-mail", "A,B,Owner,,", "C,D,owner,,", `E,F,,${Array.from({ length: 21 }, (_, i) => `0A0${String(i).padStart(2, "0")}`).join(";")},`, `G,H,,,${"y".repeat(2001)}`].join("\n")),
        },
      });
      const p = previewPeople(file, site2.store);
      expect(p.problems).toEqual([
        { line: 3, column: "Role", reason: "the Owner is already on line 2: a site has one" },
        { line: 4, column: "Tags", reason: "21 tags: at most 20 per person" },
        { line: 5, column: "E-mail", reason: "2001 characters: longer than the 2000 a cell may hold" },
      ]);
    } finally {
      site2.close();
    }
  });

  it("splits a full name into first and last at the first space, and refuses a single word", async () => {
    const p = await preview(["Full name,E-mail", "Jan van der Berg,jan@example.com", "Cher,cher@example.com", "  ,x@example.com"]);
    expect(p.mapping).toMatchObject({ fullName: 0, firstName: null, lastName: null });
    expect(p.rows[0]).toMatchObject({ firstName: "Jan", lastName: "van der Berg" });
    expect(p.problems).toEqual([
      { line: 3, column: "Full name", reason: '"Cher" is one word: a first and a last name are needed' },
      { line: 4, column: "Full name", reason: "the person has no name" },
    ]);
  });

  it("a file with no access groups in its site says to create them first", async () => {
    const site2 = tempSite(3);
    try {
      const file = await readPeopleFile({ source: { kind: "bytes", bytes: utf8("First,Last,Groups\nA,B,Staff\n") } });
      expect(previewPeople(file, site2.store).problems).toEqual([{ line: 2, column: "Groups", reason: 'the site has no access groups yet: create "Staff" first' }]);
    } finally {
      site2.close();
    }
  });

  it("an empty file, a header without people, and missing columns are problems of the file, not refusals", async () => {
    expect((await preview([""])).problems).toEqual([{ line: 1, column: "", reason: "the file is empty" }]);
    const headerOnly = await preview([HEADER, "", ""]);
    expect(headerOnly.problems).toEqual([{ line: 2, column: "", reason: "the file has a header but no people" }]);
    expect(headerOnly.mapping.firstName).toBe(0);
    const missing = await preview(["E-mail,Tag", "a@example.com,04AA"]);
    expect(missing.problems.map((p) => [p.line, p.column])).toEqual([
      [1, "first name"],
      [1, "last name"],
    ]);
    // Rows are still shown so the columns can be chosen, but not checked until they are.
    expect(missing.rows).toMatchObject([{ line: 2, email: "a@example.com", tags: ["04AA"], problems: 0 }]);
    expect(missing.counts.people).toBe(0);
    const chosen = await preview(["E-mail,Tag,Who", "a@example.com,04AA,Ann Lee"], { fullName: "Who" });
    expect(chosen.problems).toEqual([]);
  });
});
