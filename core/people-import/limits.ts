/**
 * How big an import may be. Checked before the file is read (its size) or parsed (its
 * line count), so a wrong file picked by mistake — a 1 GB video, a database dump — is
 * refused at once instead of filling memory.
 */

/** A CSV of 500,000 people with long names and several tags stays well under this. */
export const MAX_CSV_BYTES = 200 * 1024 * 1024;

/** An XLSX is a zip: 50 MB compressed is already millions of cells. */
export const MAX_XLSX_BYTES = 50 * 1024 * 1024;

/**
 * What the XLSX's parts may unpack to, read from the zip's directory before anything
 * is unpacked: a small file that unpacks to gigabytes (a zip bomb) is refused too.
 */
export const MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024;

/** People in one import (rows of a sheet; lines of a CSV, besides its header). */
export const MAX_ROWS = 500_000;

/** Bytes sent inline (base64) by a client that cannot pass a path, e.g. the browser UI. */
export const MAX_INLINE_BYTES = 64 * 1024 * 1024;

/** A cell longer than this is refused before any other check of it. */
export const MAX_CELL_CHARS = 2000;

/** Tags and access groups one person may be given in one cell. */
export const MAX_TAGS_PER_PERSON = 20;
export const MAX_GROUPS_PER_PERSON = 100;

/** Problems listed in full (in a preview, in a refusal's details); the rest are counted. */
export const MAX_LISTED_PROBLEMS = 1000;

/** The separators a CSV may use (detected, or chosen in the preview). */
export const CSV_DELIMITERS = [",", ";", "\t"] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];
