import { degrees, drawLine, drawText, PageSizes, PDFDocument, PDFName, rgb, StandardFonts, type Color, type PDFFont, type PDFPage } from "pdf-lib";
import type { BomRow } from "./bom.ts";

/**
 * The bill of materials as a one-page A4 PDF a dealer can send on. Only the standard
 * Helvetica fonts (nothing to embed, small files); characters they cannot show are
 * replaced. Every date in the file, metadata included, comes from the injected clock,
 * and fonts get fixed resource names (pdf-lib's `drawText` names them with
 * Math.random), so the same plan at the same time gives the same bytes.
 */

export interface BomPdfInput {
  readonly siteName: string;
  readonly address: string;
  /** IANA zone of the site: the date printed is the site's date. */
  readonly timezone: string;
  /** Milliseconds since the epoch, from the app's clock. */
  readonly at: number;
  readonly planLabel: string;
  readonly planCreatedAt: string;
  readonly cost: number;
  readonly rows: readonly BomRow[];
  /** Broken rules of the plan against the site now: a warning replaces the note on the rules. */
  readonly violations: number;
}

const MARGIN = 56;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.4, 0.4, 0.45);
const RULE = rgb(0.75, 0.75, 0.78);
const WARN = rgb(0.7, 0.1, 0.05);

const RULES_NOTE =
  "Every IQ tree of this plan keeps the KS limits: at most 16 locks per IQ, at most 6 repeaters per IQ, " +
  "chains of at most 3 repeaters (IQ > R > R > R), at most 2 child repeaters per repeater, no lock on an IQ " +
  "that has repeaters, and every radio hop within 10 m (floors between two devices count against the range).";

/** `2026-11-25` in the site's time zone (UTC if the zone is unknown). */
export function siteDate(at: number, timezone: string): string {
  const format = (timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
  try {
    return format(timezone);
  } catch {
    return format("UTC");
  }
}

/** Plain cost figures: `3.5`, never `3.5000000001`. */
const costText = (c: number): string => String(Number(c.toFixed(2)));

export async function bomPdf(input: BomPdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const date = new Date(input.at);
  doc.setTitle(`Bill of materials: ${input.siteName}`);
  doc.setSubject(input.planLabel);
  doc.setCreator("Lintel");
  doc.setProducer("Lintel");
  doc.setCreationDate(date);
  doc.setModificationDate(date);

  const page = doc.addPage(PageSizes.A4);
  const [width, height] = PageSizes.A4;
  const right = width - MARGIN;
  const pen = new Pen(page, height - MARGIN, [regular, bold]);

  pen.text("Bill of materials", MARGIN, bold, 22, INK);
  pen.down(30);
  pen.text(input.siteName, MARGIN, bold, 13, INK);
  pen.down(17);
  if (input.address.trim() !== "") {
    pen.text(input.address, MARGIN, regular, 11, MUTED);
    pen.down(15);
  }
  pen.text(`Date: ${siteDate(input.at, input.timezone)}`, MARGIN, regular, 11, MUTED);
  pen.down(26);
  pen.text(`Plan: ${input.planLabel} (${input.planCreatedAt.slice(0, 10)})`, MARGIN, regular, 11, INK);
  pen.down(15);
  pen.text(`Hardware cost: ${costText(input.cost)} (1 per IQ, 0.5 per repeater)`, MARGIN, regular, 11, INK);
  pen.down(30);

  // The table: item, kind, quantity (right-aligned).
  const kindX = MARGIN + 220;
  pen.text("Item", MARGIN, bold, 11, INK);
  pen.text("Kind", kindX, bold, 11, INK);
  pen.textRight("Quantity", right, bold, 11, INK);
  pen.down(6);
  pen.line(MARGIN, right, RULE);
  pen.down(16);
  for (const r of input.rows) {
    pen.text(r.item, MARGIN, regular, 11, INK);
    pen.text(r.kind, kindX, regular, 11, MUTED);
    pen.textRight(String(r.quantity), right, regular, 11, INK);
    pen.down(18);
  }
  pen.down(-10);
  pen.line(MARGIN, right, RULE);
  pen.down(18);
  const devices = input.rows.filter((r) => r.kind === "iq" || r.kind === "repeater").reduce((n, r) => n + r.quantity, 0);
  const total = input.rows.reduce((n, r) => n + r.quantity, 0);
  pen.text("Radio devices (IQs and repeaters)", MARGIN, regular, 11, INK);
  pen.textRight(String(devices), right, regular, 11, INK);
  pen.down(16);
  pen.text("Items in total", MARGIN, bold, 11, INK);
  pen.textRight(String(total), right, bold, 11, INK);
  pen.down(34);

  if (input.violations > 0) {
    const warning = `Warning: this plan breaks ${input.violations} ${input.violations === 1 ? "rule" : "rules"} of the KS IQ tree (error 2204) for the site as it is now. Check and fix it in Lintel before ordering.`;
    pen.paragraph(warning, MARGIN, right, bold, 10, WARN);
  } else {
    pen.paragraph(RULES_NOTE, MARGIN, right, regular, 10, MUTED);
  }
  pen.down(pen.y - (MARGIN - 20));
  pen.text(`Lintel, bill of materials for ${input.siteName}`, MARGIN, regular, 8, MUTED);

  return doc.save({ useObjectStreams: false });
}

/** Writes top-down on one page, through pdf-lib's operators with fixed font names; keeps text to what Helvetica can show. */
class Pen {
  private readonly fontKeys = new Map<PDFFont, PDFName>();
  private readonly charSets = new Map<PDFFont, Set<number>>();

  constructor(
    private readonly page: PDFPage,
    public y: number,
    fonts: readonly PDFFont[],
  ) {
    fonts.forEach((font, i) => {
      const key = PDFName.of(`F${i + 1}`);
      page.node.setFontDictionary(key, font.ref);
      this.fontKeys.set(font, key);
      this.charSets.set(font, new Set(font.getCharacterSet()));
    });
  }

  down(points: number): void {
    this.y -= points;
  }

  /** Characters outside the font's set (WinAnsi for the standard fonts) become "?". */
  private safe(text: string, font: PDFFont): string {
    const known = this.charSets.get(font);
    let out = "";
    for (const ch of text.replace(/\s+/g, " ")) out += known?.has(ch.codePointAt(0) ?? 0) ? ch : "?";
    return out;
  }

  private draw(text: string, x: number, font: PDFFont, size: number, color: Color): void {
    const key = this.fontKeys.get(font);
    if (!key) throw new Error("font not registered with the pen");
    this.page.pushOperators(...drawText(font.encodeText(text), { color, font: key, size, x, y: this.y, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }));
  }

  /** Text from `x`, cut with "..." where it would run past the right margin. */
  text(text: string, x: number, font: PDFFont, size: number, color: Color): void {
    const maxWidth = this.page.getWidth() - MARGIN - x;
    let t = this.safe(text, font);
    if (font.widthOfTextAtSize(t, size) > maxWidth) {
      while (t.length > 1 && font.widthOfTextAtSize(`${t}...`, size) > maxWidth) t = t.slice(0, -1);
      t = `${t}...`;
    }
    this.draw(t, x, font, size, color);
  }

  textRight(text: string, right: number, font: PDFFont, size: number, color: Color): void {
    const t = this.safe(text, font);
    this.draw(t, right - font.widthOfTextAtSize(t, size), font, size, color);
  }

  line(from: number, to: number, color: Color): void {
    this.page.pushOperators(...drawLine({ start: { x: from, y: this.y }, end: { x: to, y: this.y }, thickness: 0.7, color }));
  }

  /** Words wrapped to the width, one line after another. */
  paragraph(text: string, left: number, right: number, font: PDFFont, size: number, color: Color): void {
    let line = "";
    const flush = () => {
      if (line === "") return;
      this.draw(line, left, font, size, color);
      this.down(size * 1.4);
      line = "";
    };
    for (const w of this.safe(text, font).split(" ")) {
      const next = line === "" ? w : `${line} ${w}`;
      if (font.widthOfTextAtSize(next, size) > right - left && line !== "") {
        flush();
        line = w;
      } else line = next;
    }
    flush();
  }
}
