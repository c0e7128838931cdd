import { MAX_XLSX_UNPACKED_BYTES } from "./limits.ts";
import { fileRefused } from "./problems.ts";

/** One entry of a zip's central directory: where its data is and how it is packed. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  /** Declared unpacked size. */
  readonly size: number;
  /** Offset of its local header. */
  readonly localOffset: number;
}

/** What a zip's central directory says, read without unpacking anything. */
export interface ZipDirectory {
  readonly names: readonly string[];
  readonly entries: readonly ZipEntry[];
  /** The sum of the entries' declared unpacked sizes. */
  readonly unpackedBytes: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/**
 * The zip's directory (APPNOTE 4.3.12, 4.3.16): entry names and declared sizes, so a
 * file is known to be an XLSX (and not an ODS, a DOCX or a damaged download) and its
 * unpacked size is bounded before exceljs unpacks it. ZIP64 archives, which an XLSX
 * under the size limit never needs, are refused.
 */
export function readZipDirectory(bytes: Uint8Array): ZipDirectory {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (why: string) => fileRefused("import.format", `the file starts like a zip (XLSX) archive but is damaged: ${why}; download or save it again`);
  let eocd = -1;
  for (let i = bytes.length - EOCD_SIZE; i >= Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged("it has no zip directory (is it cut short?)");
  const count = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  const offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw fileRefused("import.format", "the file is a ZIP64 archive, which no spreadsheet of this size needs; save it again as .xlsx");
  }
  if (offset + size > eocd) throw damaged("its directory points outside the file");
  const entries: ZipEntry[] = [];
  let unpacked = 0;
  let p = offset;
  const decoder = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== CENTRAL) throw damaged("its directory is broken");
    const entrySize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    if (entrySize === 0xffffffff) throw fileRefused("import.format", "the file has a ZIP64 entry, which no spreadsheet of this size needs; save it again as .xlsx");
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength));
    entries.push({ name, method: view.getUint16(p + 10, true), compressedSize: view.getUint32(p + 20, true), size: entrySize, localOffset: view.getUint32(p + 42, true) });
    unpacked += entrySize;
    p += 46 + nameLength + extraLength + commentLength;
  }
  return { names: entries.map((e) => e.name), entries, unpackedBytes: unpacked };
}

/**
 * Refuses a zip that is not an Excel workbook, naming what it is instead, and one that
 * would unpack to more than {@link MAX_XLSX_UNPACKED_BYTES}.
 */
export function checkXlsxZip(bytes: Uint8Array): void {
  const dir = readZipDirectory(bytes);
  const has = (name: string) => dir.names.includes(name);
  if (!has("xl/workbook.xml")) {
    if (has("content.xml") && has("mimetype")) {
      throw fileRefused("import.format", "the file is an OpenDocument spreadsheet (.ods), not an Excel workbook; save it as .xlsx or CSV UTF-8");
    }
    if (has("word/document.xml")) throw fileRefused("import.format", "the file is a Word document (.docx), not an Excel workbook");
    throw fileRefused("import.format", "the file is a zip archive but not an Excel workbook (.xlsx): it has no xl/workbook.xml");
  }
  if (dir.unpackedBytes > MAX_XLSX_UNPACKED_BYTES) {
    const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
    throw fileRefused("import.too_large", `the workbook would unpack to ${mb(dir.unpackedBytes)}, more than the ${mb(MAX_XLSX_UNPACKED_BYTES)} an import may; split it`);
  }
}
