import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { TAG_LOOKUP_SQL } from "../../../core/store/tag-lookup.ts";

describe("tag lookup in the site file", () => {
  let dir: string;
  let path: string;
  let store: SiteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-tag-lookup-"));
    path = join(dir, "site.lintel");
    const clock = new ManualClock(Date.UTC(2026, 10, 25));
    store = SiteStore.create(path, { name: "Lookup" }, { clock, ids: uuidv7Source(clock, seededRandom(61)), actor: "test" });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is one statement that searches indexes only: the tag by its unique number, its user by id, its guest by tag", () => {
    const db = new Database(path, { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${TAG_LOOKUP_SQL}`).all({ number: "04A2B9C1", alternate: "04A2B9C1" }) as { detail: string }[]).map((r) => r.detail);
      expect(plan.some((d) => /^SEARCH t USING INDEX sqlite_autoindex_tags_\d \(number=\?\)$/.test(d))).toBe(true);
      expect(plan.some((d) => /^SEARCH u USING INDEX sqlite_autoindex_users_\d \(id=\?\)( LEFT-JOIN)?$/.test(d))).toBe(true);
      expect(plan.some((d) => /^SEARCH g USING INDEX sqlite_autoindex_pod_guests_\d \(tag_id=\?\)( LEFT-JOIN)?$/.test(d))).toBe(true);
      expect(plan.filter((d) => d.startsWith("SCAN"))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("returns the tag with its user, prefers the first spelling, and nothing for an unknown number", () => {
    const userId = store.act({ name: "test.people" }, (tx) => {
      const u = tx.insert("user", { firstName: "Ada", lastName: "Peeters", role: "site-admin" });
      tx.insert("tag", { number: "04A2B9C1", state: "assigned", userId: u.id });
      tx.insert("tag", { number: "12:345", state: "unassigned" });
      tx.insert("tag", { number: "012:00345", state: "blocked" });
      return u.id;
    });
    expect(store.lookupTag("04A2B9C1")).toMatchObject({ tag: { number: "04A2B9C1", state: "assigned" }, user: { id: userId, firstName: "Ada" }, guest: null });
    expect(store.lookupTag("012:00345", "12:345")).toMatchObject({ tag: { state: "blocked" }, user: null });
    expect(store.lookupTag("99:999", "12:345")).toMatchObject({ tag: { number: "12:345" } });
    expect(store.lookupTag("FFFFFFFF")).toBeUndefined();
  });
});
