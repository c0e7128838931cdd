import { degrees, drawEllipse, drawLine, drawRectangle, drawText, PDFName, type Color, type PDFDocument, type PDFFont, type PDFPage } from "pdf-lib";

/**
 * Writes a many-page PDF top-down through pdf-lib's operators, so that the same input
 * gives the same bytes: fonts get fixed resource names on every page (pdf-lib's
 * `drawText` names them with Math.random), and no shape uses a graphics state (opacity
 * would name one at random too). Text is kept to what the standard fonts can show
 * (WinAnsi); anything else becomes "?".
 */

export type FontRole = "regular" | "bold" | "mono";

export interface PageSize {
  readonly width: number;
  readonly height: number;
}

export class PdfWriter {
  readonly pages: PDFPage[] = [];
  page!: PDFPage;
  /** The baseline of the next line, from the bottom of the page. */
  y = 0;
  private readonly keys = new Map<FontRole, PDFName>();
  private readonly charSets = new Map<FontRole, Set<number>>();

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: Readonly<Record<FontRole, PDFFont>>,
    readonly margin: number,
    /** Space kept free at the bottom of each page (the footer). */
    readonly bottom: number,
  ) {
    (Object.keys(fonts) as FontRole[]).forEach((role, i) => {
      this.keys.set(role, PDFName.of(`F${i + 1}`));
      this.charSets.set(role, new Set(fonts[role].getCharacterSet()));
    });
  }

  get width(): number {
    return this.page.getWidth();
  }

  get right(): number {
    return this.width - this.margin;
  }

  newPage(size: PageSize): PDFPage {
    const page = this.doc.addPage([size.width, size.height]);
    for (const role of this.keys.keys()) page.node.setFontDictionary(this.keys.get(role)!, this.fonts[role].ref);
    this.pages.push(page);
    this.page = page;
    this.y = size.height - this.margin;
    return page;
  }

  /** Starts a new page of the same size when fewer than `points` are left above the footer. */
  ensure(points: number): boolean {
    if (this.y - points >= this.bottom) return false;
    this.newPage({ width: this.page.getWidth(), height: this.page.getHeight() });
    return true;
  }

  down(points: number): void {
    this.y -= points;
  }

  safe(text: string, role: FontRole): string {
    const known = this.charSets.get(role);
    let out = "";
    for (const ch of text.replace(/\s+/g, " ")) out += known?.has(ch.codePointAt(0) ?? 0) ? ch : "?";
    return out;
  }

  widthOf(text: string, role: FontRole, size: number): number {
    return this.fonts[role].widthOfTextAtSize(this.safe(text, role), size);
  }

  /** Text cut with "..." to `maxWidth`. */
  fit(text: string, role: FontRole, size: number, maxWidth: number): string {
    let t = this.safe(text, role);
    const font = this.fonts[role];
    if (font.widthOfTextAtSize(t, size) <= maxWidth) return t;
    while (t.length > 1 && font.widthOfTextAtSize(`${t}...`, size) > maxWidth) t = t.slice(0, -1);
    return `${t}...`;
  }

  /** Text at (x, y), on the current page unless another is given. */
  textAt(text: string, x: number, y: number, role: FontRole, size: number, color: Color, page: PDFPage = this.page): void {
    const t = this.safe(text, role);
    if (t === "") return;
    page.pushOperators(...drawText(this.fonts[role].encodeText(t), { color, font: this.keys.get(role)!, size, x, y, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }));
  }

  /** Text on the current line from `x`, cut at the right margin (or `maxWidth`). */
  text(text: string, x: number, role: FontRole, size: number, color: Color, maxWidth = this.right - x): void {
    this.textAt(this.fit(text, role, size, maxWidth), x, this.y, role, size, color);
  }

  textRight(text: string, right: number, role: FontRole, size: number, color: Color, page: PDFPage = this.page, y = this.y): void {
    const t = this.safe(text, role);
    this.textAt(t, right - this.fonts[role].widthOfTextAtSize(t, size), y, role, size, color, page);
  }

  /** Words wrapped between `left` and `right`, one line after another. */
  paragraph(text: string, left: number, right: number, role: FontRole, size: number, color: Color): void {
    let line = "";
    const flush = () => {
      if (line === "") return;
      this.ensure(size * 1.4);
      this.textAt(line, left, this.y, role, size, color);
      this.down(size * 1.4);
      line = "";
    };
    for (const w of this.safe(text, role).split(" ")) {
      const next = line === "" ? w : `${line} ${w}`;
      if (this.fonts[role].widthOfTextAtSize(next, size) > right - left && line !== "") {
        flush();
        line = w;
      } else line = next;
    }
    flush();
  }

  rule(from: number, to: number, color: Color, y = this.y): void {
    this.line(from, y, to, y, 0.6, color);
  }

  line(x1: number, y1: number, x2: number, y2: number, thickness: number, color: Color, dash?: readonly number[]): void {
    this.page.pushOperators(...drawLine({ start: { x: x1, y: y1 }, end: { x: x2, y: y2 }, thickness, color, ...(dash ? { dashArray: [...dash] } : {}) }));
  }

  rect(x: number, y: number, width: number, height: number, fill: Color | undefined, border: Color | undefined, borderWidth = 0.6, rotate = 0): void {
    this.page.pushOperators(...drawRectangle({ x, y, width, height, color: fill, borderColor: border, borderWidth, rotate: degrees(rotate), xSkew: degrees(0), ySkew: degrees(0) }));
  }

  circle(x: number, y: number, r: number, fill: Color | undefined, border: Color | undefined, borderWidth = 0.6): void {
    this.page.pushOperators(...drawEllipse({ x, y, xScale: r, yScale: r, color: fill, borderColor: border, borderWidth }));
  }

  /** A square standing on its corner, centred on (x, y). */
  diamond(x: number, y: number, half: number, fill: Color | undefined, border: Color | undefined): void {
    const side = half * Math.SQRT2;
    this.rect(x, y - half, side, side, fill, border, 0.6, 45);
  }
}
