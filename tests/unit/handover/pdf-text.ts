import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream, type PDFObject } from "pdf-lib";

/**
 * The text of each page of a PDF, one string per `Tj` operator, in drawing order.
 * pdf-lib writes no text extraction; its pages carry their text as hex strings of the
 * standard fonts' WinAnsi bytes inside (Flate-compressed) content streams, so reading
 * the streams back with pdf-lib's own decoder and the hex strings as Latin-1 is enough
 * for the reports Lintel writes (standard fonts only).
 */
export async function pdfPageTexts(bytes: Uint8Array): Promise<string[][]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const streams: PDFObject[] = contents instanceof PDFArray ? contents.asArray().map((o) => doc.context.lookup(o)!) : contents ? [contents] : [];
    const out: string[] = [];
    for (const s of streams) {
      if (!(s instanceof PDFRawStream)) continue;
      const ops = Buffer.from(decodePDFRawStream(s).decode()).toString("latin1");
      for (const m of ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) out.push(Buffer.from(m[1]!, "hex").toString("latin1"));
    }
    return out;
  });
}
