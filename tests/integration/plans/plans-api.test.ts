import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Output } from "../../../core/api/contract.ts";
import { useAppSession } from "../../support/app-session.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures/topology");

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs). */
const TINY_PNG = Uint8Array.from(
  Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010804000000b51c0c020000000b4944415478da6364600000000600023081d02f0000000049454e44ae426082", "hex"),
);
/** The first bytes of a JPEG (SOI + APP0 marker): enough for the type check. */
const JPEG_START = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64");

/** The text a PDF shows: its Flate content streams inflated, and the hex strings pdf-lib writes decoded. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  let out = "";
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf("endstream", start);
    try {
      const content = inflateSync(pdf.subarray(start, end)).toString("latin1");
      for (const hex of content.matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g)) out += `${Buffer.from(hex[1]!, "hex").toString("latin1")}\n`;
    } catch {
      // not a Flate stream
    }
  }
  return out;
}

describe("mesh planning over the router, on real site files", () => {
  const session = useAppSession(() => ({ actor: "jonas", tmpPrefix: "lintel-plans-", idSeed: 5 }));
  const { call, failure } = session;
  const journalLength = async (siteId: string) => (await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 })).length;

  const newSite = async (name = "Depot North") => (await call<Output<"sites.create">>("sites.create", { name })).siteId;
  const demo = async () => (await call<Output<"sites.openDemo">>("sites.openDemo")).siteId;

  describe("plan.import", () => {
    it("imports a CSV of doors in one action, creating the floors it names", async () => {
      const siteId = await newSite();
      const csv = [
        "Door name;Floor;X (m);Y (m);Lock type",
        "Dock 1;Hall;12,5;4;wall reader",
        "Dock 2;Hall;30;4;",
        "Office;Mezzanine;8;6;Cylinder",
        '"Store, back";hall;31;14.5;escutcheon',
      ].join("\n");
      const counts = await call<Output<"plan.import">>("plan.import", { siteId, format: "csv", text: csv });
      expect(counts).toEqual({ floors: 2, doors: 4, iqSites: 0 });
      const floors = await call<Output<"floors.list">>("floors.list", { siteId });
      expect(floors.map((f) => [f.name, f.level, f.widthM, f.depthM])).toEqual([["Hall", 0, 36, 19.5], ["Mezzanine", 1, 13, 11]]);
      const doors = await call<Output<"doors.list">>("doors.list", { siteId });
      expect(doors.map((d) => [d.door.name, d.floorName, d.door.x, d.door.y, d.lock?.hardware.kind])).toEqual([
        ["Dock 1", "Hall", 12.5, 4, "wall-reader"],
        ["Dock 2", "Hall", 30, 4, "escutcheon"],
        ["Office", "Mezzanine", 8, 6, "cylinder"],
        ["Store, back", "Hall", 31, 14.5, "escutcheon"],
      ]);
      const journal = (await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 })).filter((e) => e.action === "plan.import");
      expect(journal).toHaveLength(2 + 4 * 2);
      expect(new Set(journal.map((e) => e.actionId)).size).toBe(1);
      expect(session.events).toContainEqual(["site.changed", { siteId, action: "plan.import" }]);

      // A second file names an existing floor (any case) and must fit inside it.
      const more = await call<Output<"plan.import">>("plan.import", { siteId, format: "csv", text: "name,floor,x,y\nGate,HALL,1,1\n" });
      expect(more).toEqual({ floors: 0, doors: 1, iqSites: 0 });
    });

    it("refuses a CSV with bad rows whole, naming every line, column and reason, and writes nothing", async () => {
      const siteId = await newSite();
      await call("plan.import", { siteId, format: "csv", text: "door,floor,x,y\nA,Ground,10,10\n" });
      const before = { overview: await call<Output<"site.overview">>("site.overview", { siteId }), journal: await journalLength(siteId) };
      const csv = [
        "door,floor,x,y,kind", // line 1
        "B,Ground,5,5,", // 2: fine
        "C,Ground,abc,5,", // 3: x is not a number
        "D,Ground,6,6,padlock", // 4: unknown kind
        "E,Ground,7,99,", // 5: outside the existing floor (15 m deep)
        "F,Basement,1,1,cylinder", // 6: fine (a new floor)
      ].join("\n");
      const error = await failure("plan.import", { siteId, format: "csv", text: csv });
      expect(error.code).toBe("import.invalid");
      expect((error.details as { rows: unknown[] }).rows).toEqual([
        { line: 3, column: "x", reason: '"abc" is not a number' },
        { line: 4, column: "kind", reason: '"padlock" is not a lock kind (cylinder, escutcheon, wall-reader, locker)' },
        { line: 5, column: "y", reason: "99 m is outside Ground (15 m deep)" },
      ]);
      expect(error.message).toContain("Nothing was imported");
      expect(error.message).toContain("line 3, x");
      const after = await call<Output<"site.overview">>("site.overview", { siteId });
      expect(after.counts).toEqual(before.overview.counts);
      expect(after.floors).toEqual(before.overview.floors);
      expect(await journalLength(siteId)).toBe(before.journal);
    });

    it("refuses a CSV without the columns it needs", async () => {
      const siteId = await newSite();
      const error = await failure("plan.import", { siteId, format: "csv", text: "room;storey;east\nA;G;1\n" });
      expect(error.code).toBe("import.invalid");
      expect((error.details as { rows: { column: string }[] }).rows.map((r) => r.column)).toEqual(["x", "y"]);
    });

    it("imports a lintel-site/1 survey with new ids, its ids becoming names", async () => {
      const siteId = await newSite();
      const text = readFileSync(join(FIXTURES, "site-hotel.json"), "utf8");
      const survey = JSON.parse(text) as { floors: unknown[]; doors: { id: string; kind?: string }[]; iqSites?: unknown[] };
      const counts = await call<Output<"plan.import">>("plan.import", { siteId, format: "json", text });
      expect(counts).toEqual({ floors: survey.floors.length, doors: survey.doors.length, iqSites: survey.iqSites?.length ?? 0 });
      const doors = await call<Output<"doors.list">>("doors.list", { siteId });
      expect(doors.map((d) => d.door.name).sort()).toEqual(survey.doors.map((d) => d.id).sort());
      expect(doors.every((d) => d.door.id !== d.door.name)).toBe(true);
      const back = await call<Output<"plan.survey">>("plan.survey", { siteId });
      expect(back.doors.map((d) => d.kind).sort()).toEqual(survey.doors.map((d) => d.kind ?? "escutcheon").sort());

      const broken = await failure("plan.import", { siteId, format: "json", text: JSON.stringify({ format: "lintel-site/1", floors: [{ id: "F", level: 0, widthM: 10, depthM: 10 }], doors: [{ id: "D", floor: "X", x: 1, y: 1 }] }) });
      expect(broken.code).toBe("import.invalid");
      expect((broken.details as { rows: unknown[] }).rows).toEqual([{ line: null, column: "doors[0].floor", reason: "floor X does not exist" }]);
      expect((await failure("plan.import", { siteId, format: "json", text: "{oops" })).code).toBe("import.invalid");
    });
  });

  describe("plan.run and the stored plans", () => {
    it("plans the demo hotel with progress events, keeps the plan with the journal, and shows it as current", async () => {
      const siteId = await demo();
      session.events.length = 0;
      const view = await call<Output<"plan.run">>("plan.run", { siteId, timeLimitS: 1 });
      expect(view.violations).toEqual([]);
      expect(view.diff).toBeNull();
      expect(view.stored).toMatchObject({ source: "planner", previousId: null, createdAt: "2026-11-25T09:00:00.000Z" });
      expect(view.stored.plan.locks).toHaveLength(20);

      const progress = session.events.filter(([name]) => name === "plan.progress").map(([, p]) => p as { siteId: string; phase: string; fraction: number });
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.every((p) => p.siteId === siteId)).toBe(true);
      expect(progress[0]).toMatchObject({ phase: "cover", fraction: 0 });
      expect(progress.at(-1)).toEqual({ siteId, phase: "done", fraction: 1 });
      const fractions = progress.map((p) => p.fraction);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      expect(session.events.at(-1)).toEqual(["site.changed", { siteId, action: "plan.run" }]);

      const journal = (await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 })).filter((e) => e.action === "plan.run");
      expect(journal.map((e) => [e.entity, e.op, e.entityId])).toEqual([["plan", "insert", view.stored.id]]);
      expect(await call("plan.current", { siteId })).toEqual(view);
    });

    it("says what changed when a door moves and the site is planned again", async () => {
      const siteId = await demo();
      const first = await call<Output<"plan.run">>("plan.run", { siteId });
      const doors = await call<Output<"doors.list">>("doors.list", { siteId });
      const roof = doors.find((d) => d.door.name === "Roof access")!;
      const moved = await call<Output<"doors.move">>("doors.move", { siteId, doorId: roof.door.id, x: 2, y: 14 });
      expect([moved.x, moved.y]).toEqual([2, 14]);
      session.clock.advance(60_000);
      const second = await call<Output<"plan.run">>("plan.run", { siteId });
      expect(second.stored.previousId).toBe(first.stored.id);
      expect(second.violations).toEqual([]);
      const diff = second.diff!;
      expect(diff.previousId).toBe(first.stored.id);
      expect(diff.cost).toEqual({ before: first.stored.plan.cost, after: second.stored.plan.cost });
      expect(diff.movedDoors.length + diff.addedDevices.length + diff.removedDevices.length).toBeGreaterThan(0);
      // The first plan, checked against the site as it is now, no longer fits the moved door.
      const stale = await call<Output<"plan.check">>("plan.check", { siteId, plan: first.stored.plan });
      expect(stale.map((v) => v.rule)).toContain("hop-range");

      const history = await call<Output<"plan.history">>("plan.history", { siteId });
      expect(history.map((h) => [h.id, h.source])).toEqual([[second.stored.id, "planner"], [first.stored.id, "planner"]]);
      expect(history[0]).toMatchObject({ cost: second.stored.plan.cost, iqs: second.stored.plan.iqs.length, repeaters: second.stored.plan.repeaters.length });
      expect((await call<Output<"plan.current">>("plan.current", { siteId }))?.stored.id).toBe(second.stored.id);
    });

    it("checks an edited plan live and saves it with its violations", async () => {
      const siteId = await demo();
      const { stored } = await call<Output<"plan.run">>("plan.run", { siteId });
      expect(stored.plan.repeaters.length).toBeGreaterThan(0);
      const journalBefore = await journalLength(siteId);
      const [r, ...rest] = stored.plan.repeaters;
      // 50 m along the corridor from where it stood.
      const edited = { ...stored.plan, repeaters: [{ ...r!, x: r!.x + 50 }, ...rest] };
      const violations = await call<Output<"plan.check">>("plan.check", { siteId, plan: edited });
      expect(violations.map((v) => v.rule)).toContain("hop-range");
      expect(violations.find((v) => v.rule === "hop-range")!.ids).toContain(r!.id);
      expect(await journalLength(siteId)).toBe(journalBefore); // checking writes nothing

      session.clock.advance(1000);
      const saved = await call<Output<"plan.save">>("plan.save", { siteId, plan: edited, label: "Moved R1 to the lobby" });
      expect(saved.stored).toMatchObject({ source: "edited", label: "Moved R1 to the lobby", previousId: stored.id });
      expect(saved.violations).toEqual(violations);
      expect(saved.diff?.removedDevices).toEqual([{ kind: "repeater", floor: r!.floor, x: Math.round(r!.x * 100) / 100, y: Math.round(r!.y * 100) / 100 }]);
      expect(saved.diff?.addedDevices).toHaveLength(1);
      const movedDoors = stored.plan.locks.filter((l) => l.parent === r!.id).map((l) => l.door);
      expect(saved.diff?.movedDoors.sort()).toEqual(movedDoors.sort());
      expect(await call("plan.current", { siteId })).toEqual(saved);
    });

    it("names the doors no plan can serve, with their names", async () => {
      const siteId = await newSite("Warehouse");
      const floor = await call<Output<"floors.create">>("floors.create", { siteId, name: "Yard", level: 0, widthM: 600, depthM: 50 });
      await call("iqSites.create", { siteId, floorId: floor.id, name: "Office rack", x: 1, y: 1 });
      await call("doors.create", { siteId, floorId: floor.id, name: "Office", x: 4, y: 1 });
      const far = await call<Output<"doors.create">>("doors.create", { siteId, floorId: floor.id, name: "Far gate", x: 590, y: 40 });
      const journal = await journalLength(siteId);
      const error = await failure("plan.run", { siteId });
      expect(error.code).toBe("plan.unservable");
      expect(error.message).toContain("Far gate");
      expect((error.details as { unservable: unknown[] }).unservable).toEqual([{ doorId: far.door.id, name: "Far gate", reason: expect.any(String) }]);
      expect(await journalLength(siteId)).toBe(journal);
      expect(await call("plan.current", { siteId })).toBeNull();
    });

    it("puts IQs at the IQ places when the site has them", async () => {
      const siteId = await newSite("Shop");
      const floor = await call<Output<"floors.create">>("floors.create", { siteId, name: "Shop floor", level: 0, widthM: 20, depthM: 10 });
      const place = await call<Output<"iqSites.create">>("iqSites.create", { siteId, floorId: floor.id, name: "Back office", x: 2, y: 2 });
      expect(await call("iqSites.list", { siteId })).toEqual([place]);
      for (const [name, x] of [["Front", 5], ["Stock", 8]] as const) await call("doors.create", { siteId, floorId: floor.id, name, x, y: 3 });
      const view = await call<Output<"plan.run">>("plan.run", { siteId });
      expect(view.stored.plan.iqs.map((q) => [q.site, q.x, q.y])).toEqual([[place.id, 2, 2]]);
      expect((await failure("iqSites.create", { siteId, floorId: floor.id, name: "Out", x: 25, y: 2 })).code).toBe("iqSite.outside_floor");
      expect(await call("iqSites.delete", { siteId, iqSiteId: place.id })).toEqual({ deleted: true });
      expect(await call("iqSites.delete", { siteId, iqSiteId: place.id })).toEqual({ deleted: false });
    });
  });

  describe("bill of materials", () => {
    it("lists IQs, repeaters and locks by kind, with a KS Controller per wall reader, also as CSV", async () => {
      const siteId = await demo();
      expect((await failure("plan.bom", { siteId })).code).toBe("plan.none");
      const { stored } = await call<Output<"plan.run">>("plan.run", { siteId });
      const bom = await call<Output<"plan.bom">>("plan.bom", { siteId });
      expect(bom.rows).toEqual([
        { item: "IQ", kind: "iq", quantity: stored.plan.iqs.length },
        { item: "Repeater", kind: "repeater", quantity: stored.plan.repeaters.length },
        { item: "Escutcheon lock", kind: "escutcheon", quantity: 14 },
        { item: "Cylinder lock", kind: "cylinder", quantity: 4 },
        { item: "Wall reader", kind: "wall-reader", quantity: 2 },
        { item: "KS Controller", kind: "controller", quantity: 2 },
      ]);
      expect(bom.csv).toBe(
        [
          "item,kind,quantity",
          `IQ,iq,${stored.plan.iqs.length}`,
          `Repeater,repeater,${stored.plan.repeaters.length}`,
          "Escutcheon lock,escutcheon,14",
          "Cylinder lock,cylinder,4",
          "Wall reader,wall-reader,2",
          "KS Controller,controller,2",
          "",
        ].join("\r\n"),
      );
      expect(await call("plan.bom", { siteId, planId: stored.id })).toEqual(bom);
    });

    it("makes a PDF with the site, the date and the rows, the same bytes for the same clock", async () => {
      const siteId = await demo();
      await call("plan.run", { siteId });
      const pdf = await call<Output<"plan.bomPdf">>("plan.bomPdf", { siteId });
      expect(pdf.fileName).toBe("hotel-aurora-demo-bom.pdf");
      const bytes = Buffer.from(pdf.dataBase64, "base64");
      expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      const text = pdfText(bytes);
      for (const expected of ["Bill of materials", "Hotel Aurora (demo)", "Harbour Road 12, Ghent", "Date: 2026-11-25", "KS Controller", "Automatic plan", "16 locks per IQ"]) {
        expect(text).toContain(expected);
      }
      expect(bytes.toString("latin1")).toContain("/CreationDate (D:20261125090000Z)");
      expect((await call<Output<"plan.bomPdf">>("plan.bomPdf", { siteId })).dataBase64).toBe(pdf.dataBase64);
      session.clock.advance(86_400_000);
      expect(pdfText(Buffer.from((await call<Output<"plan.bomPdf">>("plan.bomPdf", { siteId })).dataBase64, "base64"))).toContain("Date: 2026-11-26");
    });
  });

  describe("floors, plan images and doors", () => {
    it("keeps a real PNG, refuses a text file dressed as one, and replaces an image whole", async () => {
      const siteId = await demo();
      const [floor] = await call<Output<"floors.list">>("floors.list", { siteId });
      const journal = await journalLength(siteId);
      const fake = await failure("floors.setPlanImage", { siteId, floorId: floor!.id, mime: "image/png", dataBase64: b64("shopping list: tags, batteries\n"), metresPerPixel: 0.05 });
      expect(fake.code).toBe("floor.image_not_image");
      expect((await failure("floors.setPlanImage", { siteId, floorId: floor!.id, mime: "image/png", dataBase64: "not base64!", metresPerPixel: 0.05 })).code).toBe("floor.image_not_base64");
      expect(await journalLength(siteId)).toBe(journal);
      expect(await call("floors.planImage", { siteId, floorId: floor!.id })).toBeNull();

      const withImage = await call<Output<"floors.setPlanImage">>("floors.setPlanImage", { siteId, floorId: floor!.id, mime: "image/png", dataBase64: b64(TINY_PNG), metresPerPixel: 0.05 });
      expect(withImage.plan).toEqual({ imageId: expect.any(String), metresPerPixel: 0.05 });
      expect(await call("floors.planImage", { siteId, floorId: floor!.id })).toEqual({ mime: "image/png", dataBase64: b64(TINY_PNG), metresPerPixel: 0.05 });
      const entries = (await call<Output<"journal.list">>("journal.list", { siteId, afterSeq: 0, limit: 1000 })).filter((e) => e.action === "floors.setPlanImage");
      expect(entries.map((e) => [e.entity, e.op])).toEqual([["floor", "update"]]);
      expect(JSON.stringify(entries[0]!.after)).not.toContain(b64(TINY_PNG));

      // The same picture again keeps its id; a new scale is a floor update.
      const again = await call<Output<"floors.setPlanImage">>("floors.setPlanImage", { siteId, floorId: floor!.id, mime: "image/png", dataBase64: b64(TINY_PNG), metresPerPixel: 0.05 });
      expect(again.plan?.imageId).toBe(withImage.plan?.imageId);
      const scaled = await call<Output<"floors.update">>("floors.update", { siteId, floorId: floor!.id, metresPerPixel: 0.04 });
      expect(scaled.plan).toEqual({ imageId: withImage.plan!.imageId, metresPerPixel: 0.04 });

      // A JPEG declared as PNG is kept as the JPEG it is; the old image's bytes go.
      const jpeg = await call<Output<"floors.setPlanImage">>("floors.setPlanImage", { siteId, floorId: floor!.id, mime: "image/png", dataBase64: b64(JPEG_START), metresPerPixel: 0.1 });
      expect(jpeg.plan?.imageId).not.toBe(withImage.plan?.imageId);
      expect((await call<Output<"floors.planImage">>("floors.planImage", { siteId, floorId: floor!.id }))?.mime).toBe("image/jpeg");
      expect(session.app.workspace.get(siteId).floorImage(withImage.plan!.imageId)).toBeUndefined();
    });

    it("refuses an image over 20 MB", async () => {
      const siteId = await demo();
      const [floor] = await call<Output<"floors.list">>("floors.list", { siteId });
      const big = new Uint8Array(20 * 1024 * 1024 + 1);
      big.set(TINY_PNG.subarray(0, 8));
      const error = await failure("floors.setPlanImage", { siteId, floorId: floor!.id, mime: "image/png", dataBase64: b64(big), metresPerPixel: 0.05 });
      expect(error.code).toBe("floor.image_too_large");
    });

    it("refuses to shrink a floor under its doors, naming them, and allows what still fits", async () => {
      const siteId = await demo();
      const ground = (await call<Output<"floors.list">>("floors.list", { siteId })).find((f) => f.name === "Ground floor")!;
      const journal = await journalLength(siteId);
      const error = await failure("floors.update", { siteId, floorId: ground.id, widthM: 30 });
      expect(error.code).toBe("floor.doors_outside");
      expect((error.details as { doors: { name: string }[] }).doors.map((d) => d.name)).toEqual(["Room 003", "Staff room", "Car park gate"]);
      expect(error.message).toContain("Car park gate");
      expect(await journalLength(siteId)).toBe(journal);
      const fits = await call<Output<"floors.update">>("floors.update", { siteId, floorId: ground.id, widthM: 48, name: "Lobby level" });
      expect([fits.name, fits.widthM, fits.depthM, fits.level]).toEqual(["Lobby level", 48, 16, 0]);
      expect((await failure("floors.update", { siteId, floorId: ground.id, metresPerPixel: 0.1 })).code).toBe("floor.no_plan_image");
    });

    it("creates floors, moves doors only within their floor, and deletes a door with its lock in one action", async () => {
      const siteId = await newSite();
      const floor = await call<Output<"floors.create">>("floors.create", { siteId, name: "Hall", level: -1, widthM: 30, depthM: 12 });
      expect(floor).toMatchObject({ name: "Hall", level: -1, widthM: 30, depthM: 12, plan: null });
      const row = await call<Output<"doors.create">>("doors.create", { siteId, floorId: floor.id, name: "Dock", x: 3, y: 3 });
      expect((await failure("doors.move", { siteId, doorId: row.door.id, x: 31, y: 3 })).code).toBe("door.outside_floor");
      session.events.length = 0;
      expect(await call("doors.delete", { siteId, doorId: row.door.id })).toEqual({ deleted: true });
      expect(session.events).toEqual([["site.changed", { siteId, action: "doors.delete" }]]);
      const entries = (await call<Output<"journal.list">>("journal.list", { siteId, limit: 1000 })).filter((e) => e.action === "doors.delete");
      expect(entries.map((e) => [e.entity, e.op])).toEqual([["lock", "delete"], ["door", "delete"]]);
      expect(new Set(entries.map((e) => e.actionId)).size).toBe(1);
      expect(await call("doors.delete", { siteId, doorId: row.door.id })).toEqual({ deleted: false });
      expect((await call<Output<"site.overview">>("site.overview", { siteId })).counts).toMatchObject({ doors: 0, locks: 0 });
    });
  });
});
