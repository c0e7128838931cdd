import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { AppError } from "../errors/index.ts";
import { MAX_CSV_BYTES, MAX_INLINE_BYTES, MAX_XLSX_BYTES } from "./limits.ts";
import { fileRefused } from "./problems.ts";

/** Where the file comes from: a path (Electron, CLI) or its bytes (the browser UI uploads them). */
export type PeopleSource = { readonly kind: "path"; readonly path: string } | { readonly kind: "bytes"; readonly bytes: Uint8Array; readonly name?: string | undefined };

export type FileFormat = "csv" | "xlsx";

const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;

/**
 * The file's bytes, refusing one that is too big for any import before reading it:
 * for a path its size is asked of the file system first, so a 1 GB file picked by
 * mistake costs one `fstat`, not a gigabyte of memory.
 */
export function readSource(source: PeopleSource): { readonly bytes: Uint8Array; readonly name: string | null } {
  if (source.kind === "bytes") {
    if (source.bytes.byteLength > MAX_INLINE_BYTES) {
      throw fileRefused("import.too_large", `${mb(source.bytes.byteLength)} is more than the ${mb(MAX_INLINE_BYTES)} a file may have when sent inline; open it by path`);
    }
    return { bytes: source.bytes, name: source.name ?? null };
  }
  let fd: number;
  try {
    fd = openSync(source.path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "there is no such file" : code === "EACCES" || code === "EPERM" ? "it may not be read" : (e as Error).message;
    throw new AppError("import.file", `Cannot open ${source.path}: ${why}.`, { path: source.path, code });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new AppError("import.file", `${source.path} is not a file.`, { path: source.path });
    const cap = Math.max(MAX_CSV_BYTES, MAX_XLSX_BYTES);
    if (stat.size > cap) {
      throw fileRefused("import.too_large", `the file is ${mb(stat.size)}: more than the ${mb(cap)} an import may read; split it into several files`);
    }
    const bytes = Buffer.allocUnsafe(stat.size);
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return { bytes: bytes.subarray(0, off), name: source.path };
  } finally {
    closeSync(fd);
  }
}

const startsWith = (b: Uint8Array, prefix: readonly number[]) => prefix.every((v, i) => b[i] === v);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
/** OLE compound file: Excel 97-2003 .xls, and any password-protected .xlsx. */
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * Which reader the bytes need, by what they are rather than what they are called. A
 * claimed format the bytes contradict is refused with what the file really is.
 */
export function formatOf(bytes: Uint8Array, claimed: FileFormat | "auto"): FileFormat {
  if (startsWith(bytes, OLE)) {
    throw fileRefused("import.format", "the file is an Excel 97-2003 workbook (.xls) or a password-protected workbook; save it as .xlsx without a password, or as CSV UTF-8");
  }
  const zip = startsWith(bytes, ZIP) || startsWith(bytes, EMPTY_ZIP);
  if (claimed === "xlsx" && !zip) {
    const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 16)).replace(/[^\x20-\x7e]/g, "·");
    throw fileRefused("import.format", `the file is not an XLSX workbook: an .xlsx is a zip archive, and this one starts with "${head}"${bytes.length === 0 ? " (it is empty)" : ""}. Is it a CSV?`);
  }
  if (claimed === "csv" && zip) throw fileRefused("import.format", "the file is a zip archive (an XLSX workbook?), not a CSV text file; import it as XLSX");
  if (claimed !== "auto") return claimed;
  if (zip) return "xlsx";
  return "csv";
}

/** The size cap of a format, checked once the format is known. */
export function refuseOversized(bytes: Uint8Array, format: FileFormat): void {
  const cap = format === "xlsx" ? MAX_XLSX_BYTES : MAX_CSV_BYTES;
  if (bytes.byteLength > cap) {
    throw fileRefused("import.too_large", `the ${format.toUpperCase()} file is ${mb(bytes.byteLength)}: more than the ${mb(cap)} an import may read; split it into several files`);
  }
}
