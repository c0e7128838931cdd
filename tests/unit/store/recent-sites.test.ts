import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/ports/clock.ts";
import { RecentSites } from "../../../core/store/recent-sites.ts";
import { makeTempDir } from "../../integration/store/site-fixtures.ts";

const siteId = (n: number) => `019b76da-a800-74f0-81c7-${n.toString(16).padStart(12, "0")}`;

describe("RecentSites", () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let clock: ManualClock;
  beforeEach(() => {
    temp = makeTempDir();
    file = join(temp.dir, "app", "recent-sites.json");
    clock = new ManualClock(Date.UTC(2026, 2, 14, 9, 0));
  });
  afterEach(() => temp.remove());

  it("starts empty when there is no file", () => {
    expect(new RecentSites(file, clock).list()).toEqual([]);
  });

  it("lists the most recent first, one entry per path, with the time opened", () => {
    const recent = new RecentSites(file, clock);
    recent.touch({ path: join(temp.dir, "a.lintel"), siteId: siteId(1), name: "A" });
    clock.advance(60_000);
    recent.touch({ path: join(temp.dir, "b.lintel"), siteId: siteId(2), name: "B" });
    clock.advance(60_000);
    recent.touch({ path: join(temp.dir, "sub", "..", "a.lintel"), siteId: siteId(1), name: "A renamed" });
    expect(new RecentSites(file, clock).list()).toEqual([
      { path: join(temp.dir, "a.lintel"), siteId: siteId(1), name: "A renamed", openedAt: "2026-03-14T09:02:00.000Z" },
      { path: join(temp.dir, "b.lintel"), siteId: siteId(2), name: "B", openedAt: "2026-03-14T09:01:00.000Z" },
    ]);
  });

  it("keeps at most the limit, dropping the oldest", () => {
    const recent = new RecentSites(file, clock, 3);
    for (let i = 1; i <= 5; i++) recent.touch({ path: join(temp.dir, `${i}.lintel`), siteId: siteId(i), name: `S${i}` });
    expect(recent.list().map((r) => r.name)).toEqual(["S5", "S4", "S3"]);
  });

  it("forgets a path and says whether it was there", () => {
    const recent = new RecentSites(file, clock);
    recent.touch({ path: join(temp.dir, "a.lintel"), siteId: siteId(1), name: "A" });
    expect(recent.forget(join(temp.dir, "b.lintel"))).toBe(false);
    expect(recent.forget(join(temp.dir, "a.lintel"))).toBe(true);
    expect(recent.list()).toEqual([]);
  });

  it("treats a broken or foreign file as empty, then replaces it", () => {
    const recent = new RecentSites(file, clock);
    recent.touch({ path: join(temp.dir, "a.lintel"), siteId: siteId(1), name: "A" });
    for (const broken of ["{ not json", JSON.stringify({ version: 1, sites: [{ path: 3 }] }), JSON.stringify([1, 2]), ""]) {
      writeFileSync(file, broken);
      expect(recent.list()).toEqual([]);
    }
    recent.touch({ path: join(temp.dir, "b.lintel"), siteId: siteId(2), name: "B" });
    expect(recent.list().map((r) => r.name)).toEqual(["B"]);
  });

  it("writes through a temp file and leaves only the list behind", () => {
    const recent = new RecentSites(file, clock);
    recent.touch({ path: join(temp.dir, "a.lintel"), siteId: siteId(1), name: "A" });
    expect(readdirSync(join(temp.dir, "app"))).toEqual(["recent-sites.json"]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ version: 1, sites: [{ name: "A" }] });
    expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);
  });
});
