import Database from "better-sqlite3";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors/index.ts";
import { seededRandom } from "../../../core/ports/ids.ts";
import { LATEST_SCHEMA_VERSION, LINTEL_APPLICATION_ID, SiteStore } from "../../../core/store/index.ts";
import { migrate } from "../../../core/store/migrator.ts";
import { exactDeps, makeTempDir, sha256 } from "./site-fixtures.ts";

/** The AppError code a call fails with. */
function failureCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  throw new Error("expected a failure");
}

describe("site file", () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.remove());

  /** A closed site with a floor and `doors` doors. */
  function makeSite(name = "site.lintel", doors = 0): string {
    const path = join(temp.dir, name);
    const store = SiteStore.create(path, { name: "Hotel Aurora", address: "Harbour Road 12", timezone: "Europe/Brussels" }, exactDeps());
    store.act({ name: "floors.seed" }, (tx) => {
      const floor = tx.insert("floor", { name: "Ground", level: 0, widthM: 50, depthM: 20 });
      for (let i = 0; i < doors; i++) tx.insert("door", { floorId: floor.id, name: `Room ${i}`, x: i % 50, y: 3 });
    });
    store.close();
    return path;
  }

  describe("create and open", () => {
    it("creates a site and opens it again with the same facts", () => {
      const path = join(temp.dir, "aurora.lintel");
      const deps = exactDeps();
      const created = SiteStore.create(path, { name: "Hotel Aurora", address: "Harbour Road 12", timezone: "Europe/Brussels" }, deps);
      const site = created.site();
      expect(site).toEqual({
        id: created.siteId,
        name: "Hotel Aurora",
        address: "Harbour Road 12",
        timezone: "Europe/Brussels",
        stage: "planning",
        subscription: null,
        createdAt: "2026-03-14T09:30:00.000Z",
      });
      expect(created.path).toBe(path);
      const replica = created.replicaId;
      created.close();

      const opened = SiteStore.open(path, deps);
      expect(opened.site()).toEqual(site);
      expect(opened.siteId).toBe(site.id);
      expect(opened.replicaId).toBe(replica);
      expect(opened.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(opened.logicalClock()).toBe(1);
      expect(opened.journal({ limit: 10 })).toMatchObject([{ seq: 1, action: "site.create", entity: "site", op: "insert", after: site }]);
      opened.close();
    });

    it("sets the Lintel id, WAL, foreign keys, NORMAL sync and a busy timeout", () => {
      const path = makeSite();
      const store = SiteStore.open(path, exactDeps());
      expect(store.fileSettings()).toEqual({
        applicationId: LINTEL_APPLICATION_ID,
        schemaVersion: LATEST_SCHEMA_VERSION,
        journalMode: "wal",
        foreignKeys: true,
        synchronous: "normal",
        busyTimeoutMs: 5000,
      });
      store.close();
      // WAL is recorded in the file itself (header bytes 18-19 = 2).
      const header = Buffer.alloc(20);
      const fd = openSync(path, "r");
      readSync(fd, header, 0, header.length, 0);
      closeSync(fd);
      expect([header[18], header[19]]).toEqual([2, 2]);
    });

    it("makes every table STRICT", () => {
      const path = makeSite();
      const db = new Database(path, { readonly: true });
      const rows = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
        name: string;
        strict: number;
      }[];
      db.close();
      // Every feature's tables are there (later migrations add more; each has its own test).
      expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining([
        "access_group_locks", "access_group_schedules", "access_group_users", "access_groups", "doors", "floor_images", "floors",
        "iq_sites", "iqs", "journal", "locks", "meta", "plans", "pod_guests", "pod_locks", "pod_members", "pods", "repeaters", "schedules", "site",
        "tags", "users", "commissioning_jobs", "iq_devices", "door_tests",
      ]));
      expect(rows.length).toBeGreaterThan(30);
      expect(rows.filter((r) => r.strict !== 1)).toEqual([]);
    });

    it("refuses to create over an existing file and leaves it alone", () => {
      const path = makeSite();
      const hash = sha256(path);
      expect(failureCode(() => SiteStore.create(path, { name: "Other" }, exactDeps(2)))).toBe("site.exists");
      expect(sha256(path)).toBe(hash);
      writeFileSync(join(temp.dir, "notes.txt"), "keep me");
      expect(failureCode(() => SiteStore.create(join(temp.dir, "notes.txt"), { name: "Other" }, exactDeps(2)))).toBe("site.exists");
    });

    it("leaves no scratch files behind", () => {
      makeSite("a.lintel");
      expect(readdirSync(temp.dir)).toEqual(["a.lintel"]);
    });

    it("validates the new site's fields before touching the disk", () => {
      const path = join(temp.dir, "x.lintel");
      expect(() => SiteStore.create(path, { name: "   " }, exactDeps())).toThrow();
      expect(existsSync(path)).toBe(false);
    });

    it("migrates an older file on open and keeps its data", () => {
      const path = join(temp.dir, "old.lintel");
      const siteId = "019b76da-a800-74f0-81c7-36b9f65f46e2";
      const site = { id: siteId, name: "Old Mill", address: "", timezone: "UTC", stage: "planning", subscription: null, createdAt: "2025-06-01T08:00:00.000Z" };
      const db = new Database(path);
      db.pragma("journal_mode = WAL");
      migrate(db, { upTo: 1 });
      db.pragma(`application_id = ${LINTEL_APPLICATION_ID}`);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('site_id', ?), ('replica_id', 'r-old')`).run(siteId);
      db.prepare(`INSERT INTO site (id, data) VALUES (?, ?)`).run(siteId, JSON.stringify(site));
      db.close();

      const store = SiteStore.open(path, exactDeps());
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.site()).toEqual(site);
      expect(store.counts()).toEqual({ floors: 0, doors: 0, locks: 0, iqs: 0, repeaters: 0, users: 0, tags: 0 });
      store.act({ name: "users.create" }, (tx) => tx.insert("user", { firstName: "Ana", lastName: "López" }));
      expect(store.searchUsers({ query: "lop" }).total).toBe(1);
      store.close();
    });

    it("refuses calls after close, and closing twice is harmless", () => {
      const store = SiteStore.open(makeSite(), exactDeps());
      store.close();
      store.close();
      expect(failureCode(() => store.list("door"))).toBe("store.closed");
      expect(failureCode(() => store.act({ name: "doors.create" }, () => undefined))).toBe("store.closed");
    });
  });

  describe("refusals leave the file byte-identical", () => {
    /** Asserts the refusal code and that the file's bytes did not change. */
    function expectRefused(path: string, code: string): AppError {
      const hash = sha256(path);
      const size = statSync(path).size;
      let error: unknown;
      try {
        SiteStore.open(path, exactDeps()).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(code);
      expect(statSync(path).size).toBe(size);
      expect(sha256(path)).toBe(hash);
      return error as AppError;
    }

    it("a missing file is site.not_found", () => {
      expect(failureCode(() => SiteStore.open(join(temp.dir, "nowhere.lintel"), exactDeps()))).toBe("site.not_found");
      expect(existsSync(join(temp.dir, "nowhere.lintel"))).toBe(false);
    });

    it("a text file is site.not_lintel", () => {
      const path = join(temp.dir, "notes.lintel");
      writeFileSync(path, "Door list\nRoom 101, cylinder\nRoom 102, escutcheon\n".repeat(200));
      expectRefused(path, "site.not_lintel");
    });

    it("an empty file and a folder are site.not_lintel", () => {
      const path = join(temp.dir, "empty.lintel");
      writeFileSync(path, "");
      expectRefused(path, "site.not_lintel");
      mkdirSync(join(temp.dir, "folder.lintel"));
      expect(failureCode(() => SiteStore.open(join(temp.dir, "folder.lintel"), exactDeps()))).toBe("site.not_lintel");
    });

    it("another application's SQLite database is site.not_lintel", () => {
      const path = join(temp.dir, "other.db");
      const db = new Database(path);
      db.exec(`CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('Ana', '+32 470 00 00 00')`);
      db.close();
      const error = expectRefused(path, "site.not_lintel");
      expect(error.message).toContain("application_id 0");
    });

    it("a Lintel file with damaged middle pages is site.corrupt", () => {
      const path = makeSite("damaged.lintel", 600);
      const pageSize = 4096;
      const pages = statSync(path).size / pageSize;
      expect(pages).toBeGreaterThan(20);
      const noise = seededRandom(7);
      const fd = openSync(path, "r+");
      for (let page = Math.floor(pages / 2) - 2; page <= Math.floor(pages / 2) + 2; page++) {
        const bytes = Buffer.alloc(pageSize);
        for (let i = 0; i < pageSize; i += 16) Buffer.from(noise()).copy(bytes, i);
        writeSync(fd, bytes, 0, pageSize, page * pageSize);
      }
      closeSync(fd);
      const error = expectRefused(path, "site.corrupt");
      expect(error.message).toContain("damaged");
    });

    it("a Lintel file with a broken header is site.corrupt", () => {
      const path = makeSite("header.lintel", 10);
      const fd = openSync(path, "r+");
      writeSync(fd, Buffer.from([0x00, 0x07]), 0, 2, 16); // page size 7: impossible
      closeSync(fd);
      expectRefused(path, "site.corrupt");
    });

    it("a truncated header is site.corrupt", () => {
      const path = join(temp.dir, "short.lintel");
      writeFileSync(path, Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), Buffer.alloc(20)]));
      expectRefused(path, "site.corrupt");
    });

    it("a file from a newer Lintel is site.too_new, naming both versions", () => {
      const path = makeSite("future.lintel", 3);
      const db = new Database(path);
      db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
      db.close();
      const error = expectRefused(path, "site.too_new");
      expect(error.message).toContain(`needs schema version ${LATEST_SCHEMA_VERSION + 5}`);
      expect(error.message).toContain(`up to version ${LATEST_SCHEMA_VERSION}`);
      expect(error.details).toMatchObject({ fileVersion: LATEST_SCHEMA_VERSION + 5, appVersion: LATEST_SCHEMA_VERSION });
    });
  });

  describe("backup", () => {
    it("copies the open site to a file that opens with the same site id and content", async () => {
      const path = makeSite("live.lintel", 25);
      const store = SiteStore.open(path, exactDeps());
      const dest = join(temp.dir, "backups", "live-copy.lintel");
      mkdirSync(join(temp.dir, "backups"));
      await store.backup(dest);
      store.act({ name: "floors.create" }, (tx) => tx.insert("floor", { name: "After backup", level: 1, widthM: 5, depthM: 5 }));

      const copy = SiteStore.open(dest, exactDeps(3));
      expect(copy.siteId).toBe(store.siteId);
      expect(copy.site()).toEqual(store.site());
      expect(copy.counts()).toMatchObject({ floors: 1, doors: 25 });
      expect(store.counts()).toMatchObject({ floors: 2, doors: 25 });
      expect(copy.journal({ limit: 100 })).toEqual(store.journal({ limit: 100 }).slice(0, 27));
      expect(copy.fileSettings()).toMatchObject({ applicationId: LINTEL_APPLICATION_ID, journalMode: "wal" });
      copy.close();
      expect(readdirSync(join(temp.dir, "backups"))).toEqual(["live-copy.lintel"]);

      const hash = sha256(dest);
      await expect(store.backup(dest)).rejects.toMatchObject({ code: "site.exists" });
      await expect(store.backup(path)).rejects.toMatchObject({ code: "site.exists" });
      expect(sha256(dest)).toBe(hash);
      store.close();
    });
  });
});

