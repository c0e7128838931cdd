import { PageSizes, PDFDocument, rgb, StandardFonts, type Color } from "pdf-lib";
import { siteDate } from "../plans/bom-pdf.ts";
import { PdfWriter, type FontRole, type PageSize } from "./pdf-writer.ts";
import type { MeshNode, ReportState } from "./report.ts";

/**
 * The handover report as a PDF: a summary page (site, owner, installer, date, counts,
 * the hash of the described state), the hardware with serials and firmware, link
 * quality and door test per lock, and one mesh map per floor drawn with vector
 * graphics (IQs, repeaters, locks, and the hops between them coloured by link quality).
 * Every page's footer carries the full SHA-256; the document's Subject and Keywords
 * carry it too, with the counts, so a program can check a report without reading its
 * pages. Only the standard fonts, dates from the injected clock, fixed font names: the
 * same state at the same time gives the same bytes.
 */

export interface ReportPdfInput {
  readonly state: ReportState;
  readonly hash: string;
  /** Milliseconds since the epoch, from the app's clock: the date printed (not hashed). */
  readonly at: number;
}

const PORTRAIT: PageSize = { width: PageSizes.A4[0], height: PageSizes.A4[1] };
const LANDSCAPE: PageSize = { width: PageSizes.A4[1], height: PageSizes.A4[0] };
const MARGIN = 48;
const FOOTER = 40;

const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.4, 0.4, 0.45);
const RULE = rgb(0.78, 0.78, 0.8);
const PANEL = rgb(0.95, 0.96, 0.97);
const FLOOR = rgb(0.55, 0.57, 0.6);
const IQ_FILL = rgb(0.11, 0.27, 0.55);
const REPEATER_FILL = rgb(0.93, 0.55, 0.13);
const OK = rgb(0.13, 0.55, 0.25);
const AMBER = rgb(0.85, 0.55, 0.05);
const BAD = rgb(0.75, 0.12, 0.08);
const UNKNOWN = rgb(0.62, 0.62, 0.66);
const WHITE = rgb(1, 1, 1);

/** Link quality as a colour: good from 70, fair from 40, weak below, grey when not measured. */
export function qualityColor(q: number | null): Color {
  if (q === null) return UNKNOWN;
  return q >= 70 ? OK : q >= 40 ? AMBER : BAD;
}

export function testColor(outcome: string | null): Color | undefined {
  if (outcome === null) return WHITE;
  return outcome === "opened" ? OK : BAD;
}

/** The Keywords of the document: the hash and the counts, each `name:value`. */
export function reportKeywords(state: ReportState, hash: string): string[] {
  const c = state.counts;
  return [`sha256:${hash}`, `iqs:${c.iqs}`, `repeaters:${c.repeaters}`, `locks:${c.locks}`, `doors:${c.doors}`, `users:${c.users}`, `tags:${c.tags}`, `doors-opened:${c.doorsOpened}`];
}

export async function reportPdf(input: ReportPdfInput): Promise<Uint8Array> {
  const { state, hash } = input;
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fonts: Record<FontRole, Awaited<ReturnType<typeof doc.embedFont>>> = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const date = new Date(input.at);
  doc.setTitle(`Handover report: ${state.site.name}`);
  doc.setSubject(`Site state SHA-256 ${hash}`);
  doc.setKeywords(reportKeywords(state, hash));
  doc.setAuthor(state.installer.email ?? "Lintel");
  doc.setCreator("Lintel");
  doc.setProducer("Lintel");
  doc.setCreationDate(date);
  doc.setModificationDate(date);

  const w = new PdfWriter(doc, fonts, MARGIN, FOOTER + 12);
  summaryPage(w, input);
  hardwarePages(w, state);
  for (const floor of state.floors) meshPage(w, state, floor);
  footers(w, state, hash);
  return doc.save({ useObjectStreams: false });
}

function heading(w: PdfWriter, text: string, size = 15): void {
  w.ensure(size + 30);
  w.text(text, MARGIN, "bold", size, INK);
  w.down(size + 8);
}

function keyValue(w: PdfWriter, key: string, value: string, keyWidth = 110): void {
  w.ensure(16);
  w.text(key, MARGIN, "regular", 10, MUTED, keyWidth - 8);
  w.text(value, MARGIN + keyWidth, "regular", 10, INK);
  w.down(15);
}

function summaryPage(w: PdfWriter, { state, hash, at }: ReportPdfInput): void {
  w.newPage(PORTRAIT);
  w.text("Handover report", MARGIN, "bold", 22, INK);
  w.down(30);
  w.text(state.site.name, MARGIN, "bold", 14, INK);
  w.down(17);
  if (state.site.address.trim() !== "") {
    w.text(state.site.address, MARGIN, "regular", 11, MUTED);
    w.down(15);
  }
  w.down(10);
  const owner = state.owner.email === null ? "not named yet" : state.owner.name ? `${state.owner.name} <${state.owner.email}>` : state.owner.email;
  keyValue(w, "Owner", owner);
  keyValue(w, "Installer", state.installer.email ?? "not signed in");
  keyValue(w, "Date", `${siteDate(at, state.site.timezone)} (${state.site.timezone})`);
  keyValue(w, "Site id", state.site.id);
  w.down(12);

  heading(w, "On site", 13);
  const c = state.counts;
  const tested = state.locks.filter((l) => l.test !== null).length;
  const qualities = state.locks.map((l) => l.linkQuality).filter((q): q is number => q !== null);
  const weakest = qualities.length > 0 ? Math.min(...qualities) : null;
  const rows: [string, string][] = [
    ["IQs", String(c.iqs)],
    ["Repeaters", String(c.repeaters)],
    ["Locks", String(c.locks)],
    ["Doors", String(c.doors)],
    ["Floors", String(c.floors)],
    ["Users", String(c.users)],
    ["Tags", `${c.tags} (${c.tagsAssigned} assigned, ${c.tagsBlocked} blocked)`],
    ["Door tests", `${c.doorsOpened} of ${c.locks} locks opened in their last test (${tested} tested)`],
    ["Link quality", qualities.length === 0 ? "not measured" : `${qualities.length} locks measured, median ${median(qualities)}, weakest ${weakest}`],
    [
      "Owner presets",
      state.presets.saved
        ? `${state.presets.notificationRules} notification rule(s); NOT CLOSED alert after ${state.presets.notClosedAfterSeconds} s on ${state.presets.notClosedOn} lock(s)`
        : "not set up",
    ],
    ["Mesh map", state.mesh.source === "as-built" ? "as built" : state.mesh.source === "plan" ? "as planned (nothing attached yet)" : "no tree yet"],
  ];
  for (const [k, v] of rows) keyValue(w, k, v);
  w.down(14);

  heading(w, "Site state", 13);
  w.paragraph(
    "SHA-256 of the canonical JSON of everything this report describes (site, owner, installer, hardware, mesh, link quality, door tests, counts and presets; not the date it was printed). Lintel recomputes it from the site file: the same site gives the same hash, any change gives another.",
    MARGIN,
    w.right,
    "regular",
    9,
    MUTED,
  );
  w.down(6);
  w.rect(MARGIN, w.y - 30, w.right - MARGIN, 40, PANEL, RULE);
  w.textAt(hash.slice(0, 32), MARGIN + 12, w.y - 6, "mono", 12, INK);
  w.textAt(hash.slice(32), MARGIN + 12, w.y - 22, "mono", 12, INK);
  w.down(44);
}

interface Column {
  readonly title: string;
  readonly width: number;
  readonly right?: boolean;
  readonly mono?: boolean;
}

type Cell = string | { readonly text: string; readonly color: Color };

function table(w: PdfWriter, columns: readonly Column[], rows: readonly (readonly Cell[])[]): void {
  const header = () => {
    let x = MARGIN;
    for (const c of columns) {
      if (c.right) w.textRight(c.title, x + c.width - 4, "bold", 8.5, INK);
      else w.text(c.title, x, "bold", 8.5, INK, c.width - 4);
      x += c.width;
    }
    w.down(5);
    w.rule(MARGIN, w.right, RULE);
    w.down(11);
  };
  w.ensure(40);
  header();
  for (const row of rows) {
    if (w.ensure(14)) header();
    let x = MARGIN;
    row.forEach((cell, i) => {
      const c = columns[i]!;
      const text = typeof cell === "string" ? cell : cell.text;
      const color = typeof cell === "string" ? INK : cell.color;
      const role: FontRole = c.mono ? "mono" : "regular";
      if (c.right) w.textRight(w.fit(text, role, 8.5, c.width - 4), x + c.width - 4, role, 8.5, color);
      else w.text(text, x, role, 8.5, color, c.width - 4);
      x += c.width;
    });
    w.down(13);
  }
  w.down(10);
}

const dash = (v: string | number | null) => (v === null || v === "" ? "-" : String(v));

function hardwarePages(w: PdfWriter, state: ReportState): void {
  w.newPage(PORTRAIT);
  heading(w, "Hardware");
  w.text(`IQs (${state.iqs.length})`, MARGIN, "bold", 10.5, INK);
  w.down(16);
  table(
    w,
    [
      { title: "IQ", width: 100 },
      { title: "Model", width: 45 },
      { title: "Serial", width: 70, mono: true },
      { title: "Firmware", width: 50, mono: true },
      { title: "MAC", width: 105, mono: true },
      { title: "Network", width: 80 },
      { title: "Online", width: 44 },
    ],
    state.iqs.map((q) => [q.name, q.model, dash(q.serial), dash(q.firmware), dash(q.mac), q.network, q.online ? { text: "yes", color: OK } : { text: "no", color: BAD }]),
  );

  w.ensure(60);
  w.text(`Repeaters (${state.repeaters.length})`, MARGIN, "bold", 10.5, INK);
  w.down(16);
  if (state.repeaters.length === 0) {
    w.text("None.", MARGIN, "regular", 9, MUTED);
    w.down(20);
  } else {
    table(
      w,
      [
        { title: "Repeater", width: 140 },
        { title: "Device ID", width: 120, mono: true },
        { title: "Hangs on", width: 140 },
        { title: "Link quality", width: 70, right: true },
      ],
      state.repeaters.map((r) => [r.name, dash(r.deviceId), dash(r.parent), { text: dash(r.linkQuality), color: qualityColor(r.linkQuality) }]),
    );
  }

  w.ensure(60);
  w.text(`Locks, link quality and door tests (${state.locks.length})`, MARGIN, "bold", 10.5, INK);
  w.down(16);
  table(
    w,
    [
      { title: "Door", width: 92 },
      { title: "Floor", width: 62 },
      { title: "Kind", width: 56 },
      { title: "Device ID", width: 88, mono: true },
      { title: "Hangs on", width: 72 },
      { title: "Link", width: 30, right: true },
      { title: "RSSI", width: 32, right: true },
      { title: "Last test", width: 50 },
      { title: "ms", width: 24, right: true },
    ],
    state.locks.map((l) => [
      l.door || l.name,
      l.floor,
      l.kind,
      dash(l.deviceId),
      dash(l.parent),
      { text: dash(l.linkQuality), color: qualityColor(l.linkQuality) },
      dash(l.rssi),
      l.test ? { text: l.test.outcome, color: l.test.outcome === "opened" ? OK : BAD } : { text: "untested", color: MUTED },
      l.test ? String(l.test.latencyMs) : "-",
    ]),
  );
}

function meshPage(w: PdfWriter, state: ReportState, floor: ReportState["floors"][number]): void {
  w.newPage(LANDSCAPE);
  w.text(`Mesh map: ${floor.name} (level ${floor.level})`, MARGIN, "bold", 15, INK);
  w.down(16);
  const source = state.mesh.source === "as-built" ? "As built" : state.mesh.source === "plan" ? "As planned: nothing is attached yet" : "No IQ tree yet";
  w.text(`${source}. ${floor.widthM} x ${floor.depthM} m. Lines join each device to the IQ or repeater it hangs on, coloured by link quality.`, MARGIN, "regular", 9, MUTED);
  w.down(14);

  // The floor's rectangle, as large as the page allows, north (y = 0) at the top.
  const top = w.y - 4;
  const legendHeight = 34;
  const areaW = w.right - MARGIN;
  const areaH = top - (FOOTER + 12 + legendHeight);
  const scale = Math.min(areaW / floor.widthM, areaH / floor.depthM);
  const left = MARGIN;
  const px = (x: number) => left + x * scale;
  const py = (y: number) => top - y * scale;
  w.rect(left, top - floor.depthM * scale, floor.widthM * scale, floor.depthM * scale, undefined, FLOOR, 1);

  const nodes = new Map(state.mesh.nodes.map((n) => [n.id, n]));
  const here = state.mesh.nodes.filter((n) => n.floorId === floor.id);
  const floorName = new Map(state.floors.map((f) => [f.id, f.name]));
  const lockInfo = new Map(state.locks.map((l) => [l.id, l]));

  for (const hop of state.mesh.hops) {
    const from = nodes.get(hop.from);
    const to = nodes.get(hop.to);
    if (!from || from.floorId !== floor.id) continue;
    const color = qualityColor(hop.linkQuality);
    if (to && to.floorId === floor.id) {
      w.line(px(from.x), py(from.y), px(to.x), py(to.y), from.kind === "lock" ? 0.9 : 1.6, color);
    } else {
      // The parent is on another floor: a dashed stub and where it goes.
      w.line(px(from.x), py(from.y), px(from.x) + 14, py(from.y) + 14, 0.9, color, [2, 2]);
      const where = to ? `${to.name} (${floorName.get(to.floorId) ?? "other floor"})` : "not placed";
      w.textAt(w.fit(`to ${where}`, "regular", 5.5, 120), px(from.x) + 16, py(from.y) + 14, "regular", 5.5, MUTED);
    }
  }

  for (const n of order(here)) {
    const x = px(n.x);
    const y = py(n.y);
    if (n.kind === "iq") {
      w.circle(x, y, 7, IQ_FILL, INK, 0.8);
      w.textAt(w.fit(n.name, "bold", 7, 110), x + 9, y + 6, "bold", 7, IQ_FILL);
    } else if (n.kind === "repeater") {
      w.diamond(x, y, 5.5, REPEATER_FILL, INK);
      w.textAt(w.fit(n.name, "bold", 6, 90), x + 7, y + 4, "bold", 6, INK);
    } else {
      const lock = lockInfo.get(n.id);
      w.rect(x - 3, y - 3, 6, 6, testColor(lock?.test?.outcome ?? null), INK, 0.6);
      const q = lock?.linkQuality ?? null;
      w.textAt(w.fit(n.name, "regular", 5.5, 70), x - 3, y - 10, "regular", 5.5, INK);
      if (q !== null) w.textAt(`LQ ${q}`, x - 3, y - 16, "regular", 5, qualityColor(q));
    }
  }
  if (here.length === 0) w.textAt("Nothing placed on this floor.", left + 12, top - 20, "regular", 9, MUTED);

  // Legend, under the floor.
  const ly = top - floor.depthM * scale - 18;
  let lx = MARGIN;
  const legend = (draw: () => void, label: string) => {
    draw();
    w.textAt(label, lx + 10, ly - 3, "regular", 7.5, INK);
    lx += 22 + w.widthOf(label, "regular", 7.5);
  };
  legend(() => w.circle(lx + 3, ly, 4.5, IQ_FILL, INK), "IQ");
  legend(() => w.diamond(lx + 3, ly, 4, REPEATER_FILL, INK), "Repeater");
  legend(() => w.rect(lx, ly - 3, 6, 6, OK, INK), "Lock: test opened");
  legend(() => w.rect(lx, ly - 3, 6, 6, BAD, INK), "test failed");
  legend(() => w.rect(lx, ly - 3, 6, 6, WHITE, INK), "untested");
  legend(() => w.line(lx - 2, ly, lx + 8, ly, 1.5, OK), "link 70+");
  legend(() => w.line(lx - 2, ly, lx + 8, ly, 1.5, AMBER), "40-69");
  legend(() => w.line(lx - 2, ly, lx + 8, ly, 1.5, BAD), "below 40");
  legend(() => w.line(lx - 2, ly, lx + 8, ly, 1.5, UNKNOWN), "not measured");
}

/** Locks first, then repeaters, then IQs: the hubs are drawn over what hangs on them. */
function order(nodes: readonly MeshNode[]): MeshNode[] {
  const rank = { lock: 0, repeater: 1, iq: 2 } as const;
  return [...nodes].sort((a, b) => rank[a.kind] - rank[b.kind]);
}

function footers(w: PdfWriter, state: ReportState, hash: string): void {
  const n = w.pages.length;
  w.pages.forEach((page, i) => {
    const right = page.getWidth() - MARGIN;
    w.textAt(`Site state SHA-256: ${hash}`, MARGIN, FOOTER - 14, "mono", 7, MUTED, page);
    w.textAt(w.fit(`Lintel handover report, ${state.site.name}`, "regular", 7, right - MARGIN - 80), MARGIN, FOOTER - 4, "regular", 7, MUTED, page);
    w.textRight(`Page ${i + 1} of ${n}`, right, "regular", 7, MUTED, page, FOOTER - 4);
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}
