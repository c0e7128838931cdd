import { z } from "zod";
import { Id } from "../../domain/index.ts";
// The browser-safe parts only: index.ts pulls in csv-parse and exceljs, which need Node.
import * as LIMITS from "../../people-import/limits.ts";
import { MappingInput, PEOPLE_FIELDS, PeopleField } from "../../people-import/mapping.ts";
import { mutation, query, type ProcedureDef } from "../define.ts";
import type { IMPORT_EVENT_NAMES, IMPORT_PROCEDURE_NAMES } from "./import.names.ts";

/**
 * Bulk import of people and tags from CSV or XLSX (issue 5): preview what a file would
 * import, then commit it all or nothing. The file comes as a path (Electron, CLI) or as
 * its bytes in base64 (the browser UI, which cannot read files; capped), never both.
 */

/** Base64 of {@link LIMITS.MAX_INLINE_BYTES} bytes. */
const MAX_BASE64 = Math.ceil(LIMITS.MAX_INLINE_BYTES / 3) * 4;

export const ImportSourceInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("path"), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal("bytes"), name: z.string().max(255).optional(), dataBase64: z.string().min(1).max(MAX_BASE64).regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64") }),
]);
export type ImportSourceInput = z.infer<typeof ImportSourceInput>;

const FileInput = {
  siteId: Id,
  source: ImportSourceInput,
  /** `auto` tells a workbook from a CSV by its bytes. */
  format: z.enum(["auto", "csv", "xlsx"]).default("auto"),
  /** An XLSX's worksheet; the first by default. */
  sheet: z.string().max(100).optional(),
  /** A CSV's separator; judged from its header by default. */
  delimiter: z.enum(LIMITS.CSV_DELIMITERS).optional(),
};

export const ImportProblemOut = z.object({ line: z.number().int().nullable(), column: z.string(), reason: z.string() });

/** A column for each field (0-based index), or null: not imported. */
export const MappingOut = z.object(Object.fromEntries(PEOPLE_FIELDS.map((f) => [f, z.number().int().nullable()])) as Record<PeopleField, z.ZodNullable<z.ZodNumber>>);

export const ImportPreview = z.object({
  format: z.enum(["csv", "xlsx"]),
  encoding: z.enum(["utf-8", "utf-8-bom"]).nullable(),
  delimiter: z.enum(LIMITS.CSV_DELIMITERS).nullable(),
  sheets: z.array(z.string()),
  sheet: z.string().nullable(),
  /** The line (row) of the header: below blank lines and titles it passed over. */
  headerLine: z.number().int(),
  columns: z.array(z.object({ index: z.number().int(), header: z.string(), field: PeopleField.nullable() })),
  mapping: MappingOut,
  rows: z.array(
    z.object({
      line: z.number().int(),
      firstName: z.string(),
      lastName: z.string(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      role: z.string(),
      tags: z.array(z.string()),
      accessGroups: z.array(z.string()),
      problems: z.number().int(),
    }),
  ),
  counts: z.object({
    rows: z.number().int(),
    blankRows: z.number().int(),
    people: z.number().int(),
    newTags: z.number().int(),
    existingTags: z.number().int(),
    groupMemberships: z.number().int(),
  }),
  /** The first problems (at most 1,000); `problemCount` has them all. */
  problems: z.array(ImportProblemOut),
  problemCount: z.number().int(),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const ImportCounts = z.object({
  users: z.number().int(),
  newTags: z.number().int(),
  existingTags: z.number().int(),
  groupMemberships: z.number().int(),
});

/** The import feature's part of the one API contract (combined in ../contract.ts). */
export const importProcedures = {
  "import.preview": query(
    "What importing people and tags from a CSV or XLSX would do: the mapping (guessed or chosen), columns, the first rows mapped, counts, and every problem by line, column and reason. Writes nothing.",
    z.object({ ...FileInput, mapping: MappingInput.optional(), previewRows: z.number().int().min(0).max(200).default(20) }),
    ImportPreview,
  ),
  "import.commit": mutation(
    "Import people and tags with a confirmed mapping, in one action: any problem refuses the whole file (import.invalid, with line, column and reason) and writes nothing. Progress as import.progress events.",
    z.object({ ...FileInput, mapping: MappingInput }),
    ImportCounts,
  ),
} as const satisfies Record<(typeof IMPORT_PROCEDURE_NAMES)[number], ProcedureDef>;

export const importEvents = {
  "import.progress": z.object({
    siteId: Id,
    phase: z.enum(["reading", "checking", "writing", "done"]),
    fraction: z.number().min(0).max(1),
  }),
} as const satisfies Record<(typeof IMPORT_EVENT_NAMES)[number], z.ZodType>;
