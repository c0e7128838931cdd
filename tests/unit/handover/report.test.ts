import { createHash } from "node:crypto";
import { PDFDocument } from "pdf-lib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeSite, reportHash, type ReportState } from "../../../core/handover/report.ts";
import { qualityColor, reportPdf } from "../../../core/handover/report-pdf.ts";
import { presetsFromDraft } from "../../../core/handover/presets.ts";
import { canonicalJson } from "../../../core/store/canonical-json.ts";
import { handoverSite, OWNER_EMAIL, type HandoverSite } from "./fixture.ts";
import { pdfPageTexts } from "./pdf-text.ts";

let site: HandoverSite;
beforeEach(() => {
  site = handoverSite();
});
afterEach(() => site.cleanup());

const describeNow = () => describeSite({ store: site.store, presets: site.records.presets()?.doc ?? null, ownerEmail: null, installerEmail: "installer@lintel.example" });

describe("the described site state and its hash", () => {
  it("describes site, owner, installer, hardware with serials and firmware, link quality, door tests and counts", () => {
    const s = describeNow();
    expect(s.site).toMatchObject({ name: "Hotel Aurora", address: "Kaai 12, Gent", timezone: "Europe/Brussels" });
    expect(s.owner).toEqual({ name: "Maren Claes", email: OWNER_EMAIL });
    expect(s.installer).toEqual({ email: "installer@lintel.example" });
    expect(s.iqs).toEqual([expect.objectContaining({ name: "IQ ground", serial: "SN24A0001", firmware: "2.4.1", model: "IQ 2.0", online: true, network: "ethernet-dhcp" })]);
    expect(s.locks.map((l) => [l.door, l.deviceId, l.parent, l.linkQuality, l.test?.outcome])).toEqual([
      ["Room 1", "0EA100000101", "IQ ground", 90, "opened"],
      ["Room 2", "0EA100000201", "IQ ground", 75, "opened"],
      ["Room 3", "0EA100000301", "IQ ground", 60, "opened"],
      ["Room 4", "0EA100000401", "IQ ground", 45, "opened"],
    ]);
    expect(s.counts).toEqual({ floors: 1, doors: 4, locks: 4, iqs: 1, repeaters: 0, users: 3, tags: 3, tagsAssigned: 1, tagsBlocked: 1, doorsOpened: 4 });
    expect(s.mesh.source).toBe("as-built");
    expect(s.mesh.nodes.filter((n) => n.kind === "iq")).toEqual([{ kind: "iq", id: site.iqId, name: "IQ ground", floorId: site.floorId, x: 15, y: 6 }]);
    expect(s.mesh.hops).toEqual(site.lockIds.map((id, i) => ({ from: id, to: site.iqId, linkQuality: 90 - i * 15 })));
  });

  it("hashes the canonical JSON: the same site gives the same hash, also after a reopen and at another time", () => {
    const first = describeNow();
    const hash = reportHash(first);
    expect(hash).toBe(createHash("sha256").update(canonicalJson(first)).digest("hex"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    site.clock.advance(86_400_000);
    site.reopen();
    expect(reportHash(describeNow())).toBe(hash);
  });

  it("changes the hash when any one described field changes", () => {
    const base = reportHash(describeNow());
    const seen = new Set([base]);
    const after = (label: string, change: () => void) => {
      change();
      const h = reportHash(describeNow());
      expect(seen.has(h), label).toBe(false);
      seen.add(h);
    };
    after("firmware", () => site.store.act({ name: "test.fw" }, (tx) => tx.update("iq", site.iqId, (q) => ({ ...q, firmware: "2.4.2" }))));
    after("link quality", () =>
      site.store.act({ name: "test.lq" }, (tx) => {
        const d = tx.list("iqDevice").find((x) => x.lockId === site.lockIds[2])!;
        tx.update("iqDevice", d.id, { ...d, linkQuality: 61 });
      }),
    );
    after("a door test", () =>
      site.store.act({ name: "test.t" }, (tx) =>
        tx.insert("doorTest", { lockId: site.lockIds[0]!, doorId: site.doorIds[0]!, iqId: site.iqId, jobId: site.ids.next(), deviceId: "0EA100000101", outcome: "refused", latencyMs: 5, at: "2027-01-01T00:00:00.000Z" }),
      ),
    );
    after("a tag", () => site.store.act({ name: "test.tag" }, (tx) => tx.insert("tag", { number: "04A2B9C9", state: "unassigned" })));
    after("a door moved", () => site.store.act({ name: "test.move" }, (tx) => tx.update("door", site.doorIds[1]!, (d) => ({ ...d, x: d.x + 0.5 }))));
    after("the site's address", () => site.store.act({ name: "test.addr" }, (tx) => tx.update("site", site.store.siteId, (x) => ({ ...x, address: "Kaai 14, Gent" }))));
    after("presets", () => {
      const made = presetsFromDraft(site.store, { rules: [] }, site.ids);
      if ("refusal" in made) throw made.refusal;
      site.records.savePresets(made.doc, "2026-11-25T10:00:00.000Z");
    });
  });
});

describe("the handover report PDF", () => {
  async function render(state: ReportState = describeNow(), at = site.clock.now()) {
    const hash = reportHash(state);
    return { hash, pdf: await reportPdf({ state, hash, at }) };
  }

  it("is the same bytes for the same state at the same time", async () => {
    const a = await render();
    const b = await render();
    expect(Buffer.from(a.pdf).equals(Buffer.from(b.pdf))).toBe(true);
    const later = await render(describeNow(), site.clock.now() + 86_400_000);
    expect(later.hash).toBe(a.hash);
    expect(Buffer.from(later.pdf).equals(Buffer.from(a.pdf))).toBe(false);
  });

  it("carries the hash and the counts on its pages and in its metadata", async () => {
    const { hash, pdf } = await render();
    const pages = await pdfPageTexts(pdf);
    expect(pages).toHaveLength(3);
    const all = pages.flat();
    for (const page of pages) expect(page).toContain(`Site state SHA-256: ${hash}`);
    expect(pages[0]).toEqual(expect.arrayContaining(["Handover report", "Hotel Aurora", "Maren Claes <maren.claes@aurora-hotel.example>", "installer@lintel.example", hash.slice(0, 32), hash.slice(32)]));
    expect(pages[0]).toEqual(expect.arrayContaining(["IQs", "1", "Locks", "4", "Users", "3", "Tags", "3 (1 assigned, 1 blocked)", "4 of 4 locks opened in their last test (4 tested)"]));
    expect(pages[1]).toEqual(expect.arrayContaining(["SN24A0001", "2.4.1", "00:1A:2B:3C:4D:5E", "0EA100000401", "45", "opened", "420"]));
    expect(pages[2]).toEqual(expect.arrayContaining(["Mesh map: Ground floor (level 0)", "IQ ground", "Room 4", "LQ 45"]));
    expect(all).toContain("Page 3 of 3");

    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getSubject()).toBe(`Site state SHA-256 ${hash}`);
    expect(doc.getKeywords()).toBe(`sha256:${hash} iqs:1 repeaters:0 locks:4 doors:4 users:3 tags:3 doors-opened:4`);
    expect(doc.getTitle()).toBe("Handover report: Hotel Aurora");
  });

  it("draws the map from the latest plan before anything is attached, one page per floor", async () => {
    site.store.act({ name: "test.plan" }, (tx) => {
      for (const d of tx.list("iqDevice")) tx.remove("iqDevice", d.id);
      for (const id of site.lockIds) tx.update("lock", id, (l) => ({ ...l, parent: null }));
      tx.insert("floor", { name: "First floor", level: 1, widthM: 30, depthM: 12 });
      tx.insert("plan", {
        label: "Planned",
        source: "planner",
        previousId: null,
        plan: {
          format: "lintel-plan/1",
          iqs: [{ id: "IQ1", floor: site.floorId, x: 15, y: 6 }],
          repeaters: [{ id: "R1", floor: site.floorId, x: 20, y: 6, parent: "IQ1" }],
          locks: site.doorIds.map((door) => ({ door, parent: "R1" })),
          cost: 1.5,
        },
      });
    });
    const state = describeNow();
    expect(state.mesh.source).toBe("plan");
    expect(state.mesh.hops).toContainEqual({ from: "R1", to: "IQ1", linkQuality: null });
    const pages = await pdfPageTexts((await render(state)).pdf);
    expect(pages).toHaveLength(4);
    expect(pages[2]).toEqual(expect.arrayContaining(["Mesh map: Ground floor (level 0)", "IQ 1", "R1"]));
    expect(pages[3]).toEqual(expect.arrayContaining(["Mesh map: First floor (level 1)", "Nothing placed on this floor."]));
  });

  it("keeps text to what the standard fonts show", async () => {
    site.store.act({ name: "test.name" }, (tx) => tx.update("site", site.store.siteId, (x) => ({ ...x, name: "Hôtel Ærø ✓ 東京" })));
    const pages = await pdfPageTexts((await render()).pdf);
    expect(pages[0]).toContain("Hôtel Ærø ? ??");
  });

  it("colours link quality: good from 70, fair from 40, weak below, grey unmeasured", () => {
    const c = [qualityColor(70), qualityColor(69), qualityColor(40), qualityColor(39), qualityColor(null)];
    expect(new Set(c.map((x) => JSON.stringify(x))).size).toBe(4);
    expect(c[1]).toEqual(c[2]);
  });
});
