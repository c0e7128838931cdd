import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import type { Output } from "../../../core/api/contract.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";

const ctx = { transport: "cli", actor: "jonas" } as const;

describe("the app over its router, on real site files", () => {
  let dir: string;
  let app: LintelApp;
  let clock: ManualClock;
  const call = <T>(name: string, input: unknown = {}) => app.router.call(name, input, ctx) as Promise<T>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-app-"));
    clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    app = createLintelApp({ dataDir: dir, transport: "cli", clock, ids: uuidv7Source(clock, seededRandom(3)) });
  });
  afterEach(() => {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the demo hotel once, with its floors, doors, people and tags", async () => {
    const demo = await call<Output<"sites.openDemo">>("sites.openDemo");
    expect(demo.counts).toEqual({ floors: 2, doors: 20, locks: 20, iqs: 2, repeaters: 0, users: 6, tags: 8 });
    const again = await call<Output<"sites.openDemo">>("sites.openDemo");
    expect(again.siteId).toBe(demo.siteId);
    const overview = await call<Output<"site.overview">>("site.overview", { siteId: demo.siteId });
    expect(overview.floors.map((f) => [f.name, f.level, f.doors])).toEqual([["Ground floor", 0, 10], ["First floor", 1, 10]]);
    const doors = await call<Output<"doors.list">>("doors.list", { siteId: demo.siteId });
    expect(doors.filter((d) => d.lock?.hardware.kind === "wall-reader").map((d) => d.door.name)).toEqual(["Main entrance", "Car park gate"]);
    const tags = await call<Output<"tags.list">>("tags.list", { siteId: demo.siteId });
    expect(tags.filter((t) => t.masterKey)).toHaveLength(1);
  });

  it("journals a door and its lock as one action, announces it, and refuses a door off the floor", async () => {
    const site = await call<Output<"sites.create">>("sites.create", { name: "Depot North" });
    const events: unknown[] = [];
    app.events.subscribe((name, payload) => events.push([name, payload]));
    const floorId = await (async () => {
      // Floors come with the planning issue; until then the store makes one directly.
      const store = app.workspace.get(site.siteId);
      return store.act({ name: "floors.create", actor: "jonas" }, (tx) => tx.insert("floor", { name: "Hall", level: 0, widthM: 40, depthM: 20 })).id;
    })();
    const row = await call<Output<"doors.create">>("doors.create", { siteId: site.siteId, floorId, name: "Dock door 1", x: 12, y: 4, lockKind: "wall-reader" });
    expect(row.lock?.hardware).toEqual({ kind: "wall-reader", controller: { deviceId: null, drives: "door" } });
    expect(events).toEqual([["site.changed", { siteId: site.siteId, action: "doors.create" }]]);
    const journal = await call<Output<"journal.list">>("journal.list", { siteId: site.siteId });
    const last = journal.filter((e) => e.action === "doors.create");
    expect(last.map((e) => [e.entity, e.op, e.actor])).toEqual([["door", "insert", "jonas"], ["lock", "insert", "jonas"]]);
    expect(new Set(last.map((e) => e.actionId)).size).toBe(1);
    expect(last[0]!.before).toBeNull();
    expect(last[0]!.after).toMatchObject({ name: "Dock door 1", x: 12, y: 4 });
    await expect(call("doors.create", { siteId: site.siteId, floorId, name: "Far", x: 41, y: 1 })).rejects.toMatchObject({ code: "door.outside_floor" });
    expect((await call<Output<"doors.list">>("doors.list", { siteId: site.siteId })).length).toBe(1);
  });

  it("backs up an open site to a file that opens as the same site", async () => {
    const demo = await call<Output<"sites.openDemo">>("sites.openDemo");
    const backup = await call<Output<"sites.backup">>("sites.backup", { siteId: demo.siteId });
    expect(backup.bytes).toBeGreaterThan(4096);
    const copy = SiteStore.open(backup.path, { clock, ids: uuidv7Source(clock, seededRandom(9)), actor: "t" });
    expect([copy.siteId, copy.counts().doors]).toEqual([demo.siteId, 20]);
    copy.close();
  });

  it("refuses a file that is not a Lintel site, naming why, and leaves it untouched", async () => {
    const path = join(dir, "notes.lintel");
    writeFileSync(path, "shopping list: tags, batteries\n");
    await expect(call("sites.open", { path })).rejects.toMatchObject({ code: "site.not_lintel" });
    expect(readFileSync(path, "utf8")).toBe("shopping list: tags, batteries\n");
    await expect(call("sites.open", { path: join(dir, "missing.lintel") })).rejects.toMatchObject({ code: "site.not_found" });
  });

  it("keeps a recent list that survives a restart, most recent first", async () => {
    const a = await call<Output<"sites.create">>("sites.create", { name: "Alpha" });
    clock.advance(1000);
    await call("sites.create", { name: "Beta" });
    app.close();
    app = createLintelApp({ dataDir: dir, transport: "cli", clock, ids: uuidv7Source(clock, seededRandom(4)) });
    const recent = await call<Output<"sites.list">>("sites.list");
    expect(recent.map((r) => [r.name, r.exists, r.open])).toEqual([["Beta", true, false], ["Alpha", true, false]]);
    await call("sites.open", { path: a.path });
    expect((await call<Output<"sites.list">>("sites.list"))[0]).toMatchObject({ name: "Alpha", open: true });
  });

  it("answers app.info with the transport and the data folder", async () => {
    expect(await call("app.info")).toMatchObject({ transport: "cli", dataDir: dir, bluetooth: "unavailable" });
  });
});
