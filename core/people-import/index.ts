import type { IdSource } from "../ports/ids.ts";
import type { ActionInfo, StoreTx } from "../store/index.ts";
import type { ColumnValue } from "../store/entities.ts";
import { checkPeople, type PreviewRow } from "./check.ts";
import { parseCsv, type CsvDelimiter } from "./csv.ts";
import { decodeCsvBytes, type TextEncoding } from "./encoding.ts";
import { resolveMapping, PEOPLE_FIELDS, type MappingInput, type PeopleField, type PeopleMapping } from "./mapping.ts";
import { importRefused, ProblemList, type ImportProblem } from "./problems.ts";
import { readSiteView, type SiteReader } from "./site-view.ts";
import { formatOf, readSource, refuseOversized, type FileFormat, type PeopleSource } from "./source.ts";
import type { Table } from "./table.ts";
import { PeopleWriter, PersonRows, type PeopleImportCounts } from "./write.ts";
import { importIds } from "./ids.ts";
import { PARALLEL_MIN_ROWS, refusalOf, startCheckJob, type CheckJob, type WorkerMessage, type WorkerSource } from "./parallel.ts";
import { readXlsx } from "./xlsx.ts";

/**
 * Bulk import of people and their tags from CSV or XLSX (issue 5): read the file
 * (refusing a wrong one early, see limits.ts and encoding.ts), map its columns
 * (mapping.ts), check every row against the domain and the site (check.ts), and
 * write all of it in one action or nothing (write.ts, with the store's bulk insert).
 */

export { PEOPLE_FIELDS, PeopleField, MappingInput, FIELD_LABELS, type PeopleMapping } from "./mapping.ts";
export { CSV_DELIMITERS, type CsvDelimiter } from "./csv.ts";
export type { PeopleSource, FileFormat } from "./source.ts";
export type { PreviewRow } from "./check.ts";
export type { PeopleImportCounts } from "./write.ts";
export type { ImportProblem } from "./problems.ts";
export * as LIMITS from "./limits.ts";

export type ImportPhase = "reading" | "checking" | "writing" | "done";
export type ImportProgress = (phase: ImportPhase, fraction: number) => void;

export interface PeopleFileRequest {
  readonly source: PeopleSource;
  readonly format?: FileFormat | "auto";
  /** The worksheet of an XLSX; the first by default. */
  readonly sheet?: string | undefined;
  /** The CSV separator; judged from the header by default. */
  readonly delimiter?: CsvDelimiter | undefined;
}

/** A file read into a table, with how it was read. */
export interface PeopleFile {
  readonly format: FileFormat;
  readonly table: Table;
  readonly bytes: number;
  readonly encoding: TextEncoding | null;
  readonly delimiter: CsvDelimiter | null;
  readonly sheets: readonly string[];
  readonly sheet: string | null;
  /** The file as a check worker reads it again, where one can (parallel.ts). */
  readonly workerSource?: WorkerSource;
}

/** Reads and parses a file; throws an `import.*` AppError for a file that cannot be read at all. */
export async function readPeopleFile(request: PeopleFileRequest): Promise<PeopleFile> {
  const { bytes } = readSource(request.source);
  const format = formatOf(bytes, request.format ?? "auto");
  refuseOversized(bytes, format);
  if (format === "xlsx") {
    const t = await readXlsx(bytes, request.sheet);
    const workerSource = t.fast ? { workerSource: { kind: "xlsx", bytes, sheet: t.sheet } as const } : {};
    return { format, table: t, bytes: bytes.byteLength, encoding: null, delimiter: null, sheets: t.sheets, sheet: t.sheet, ...workerSource };
  }
  const { text, encoding } = decodeCsvBytes(bytes);
  const t = parseCsv(text, request.delimiter);
  return { format, table: t, bytes: bytes.byteLength, encoding, delimiter: t.delimiter, sheets: [], sheet: null, workerSource: { kind: "csv", text, delimiter: t.delimiter } };
}

/** The file's own problems before any row: empty, header only, columns missing or mis-chosen. */
function tableProblems(file: PeopleFile, mapping: MappingInput | undefined): { mapping: PeopleMapping; problems: ProblemList } {
  const problems = new ProblemList();
  const { table } = file;
  const resolved = resolveMapping(table.header, mapping);
  if (table.header.length === 0) problems.add(table.headerLine, "", "the file is empty");
  else {
    for (const p of resolved.problems) problems.add(table.headerLine, p.column, p.reason);
    if (!table.hasRows) problems.add(table.headerLine + 1, "", "the file has a header but no people");
  }
  return { mapping: resolved.mapping, problems };
}

export interface ColumnInfo {
  readonly index: number;
  readonly header: string;
  readonly field: PeopleField | null;
}

export interface PeoplePreview {
  readonly format: FileFormat;
  readonly encoding: TextEncoding | null;
  readonly delimiter: CsvDelimiter | null;
  readonly sheets: string[];
  readonly sheet: string | null;
  /** The line (row) of the header: below blank lines and titles it passed over. */
  readonly headerLine: number;
  readonly columns: ColumnInfo[];
  readonly mapping: PeopleMapping;
  readonly rows: PreviewRow[];
  readonly counts: {
    readonly rows: number;
    readonly blankRows: number;
    /** People whose rows have no problem (0 while the file's columns have problems). */
    readonly people: number;
    readonly newTags: number;
    readonly existingTags: number;
    readonly groupMemberships: number;
  };
  /** The first problems (see limits.ts), and how many there are in all. */
  readonly problems: ImportProblem[];
  readonly problemCount: number;
}

/**
 * What an import of this file would do, without writing: the mapping (guessed, or as
 * chosen), the first rows mapped, counts, and every problem. Columns missing or
 * chosen wrongly are problems here, not refusals, so the screen can let a person
 * choose them.
 */
export function previewPeople(file: PeopleFile, site: SiteReader, options: { readonly mapping?: MappingInput | undefined; readonly previewRows?: number; readonly onProgress?: ImportProgress } = {}): PeoplePreview {
  const { mapping, problems } = tableProblems(file, options.mapping);
  const headerOk = problems.total === 0;
  const draft = checkPeople(file.table, mapping, readSiteView(site), headerOk ? problems : new ProblemList(), {
    previewRows: options.previewRows ?? 20,
    onProgress: (f) => options.onProgress?.("checking", f),
  });
  const fieldOf = new Map(PEOPLE_FIELDS.flatMap((f) => (mapping[f] === null ? [] : [[mapping[f], f] as const])));
  return {
    format: file.format,
    encoding: file.encoding,
    delimiter: file.delimiter,
    sheets: [...file.sheets],
    sheet: file.sheet,
    headerLine: file.table.headerLine,
    columns: file.table.header.map((header, index) => ({ index, header, field: fieldOf.get(index) ?? null })),
    mapping,
    // Until the columns are settled, rows are shown as mapped so far but not judged.
    rows: headerOk ? draft.preview : draft.preview.map((r) => ({ ...r, problems: 0 })),
    counts: {
      rows: draft.rows,
      blankRows: draft.blankRows,
      people: headerOk ? draft.people : 0,
      newTags: draft.newTags,
      existingTags: draft.existingTags.size,
      groupMemberships: draft.groupMemberships,
    },
    problems: problems.listed,
    problemCount: problems.total,
  };
}

/** The store as a commit needs it: one action. */
export interface ActingStore {
  act<T>(action: ActionInfo, fn: (tx: StoreTx) => T): T;
}

/** The journal's name for an import. */
export const IMPORT_ACTION = "people.import";

/**
 * Imports the file in one action: the rows are checked again inside the transaction
 * (against the site as it is now), and any problem at all refuses the whole file with
 * `import.invalid` (line, column, reason of the first problems in its details) and
 * writes nothing.
 */
export function commitPeople(
  store: ActingStore,
  file: PeopleFile,
  options: { readonly mapping?: MappingInput | undefined; readonly ids: IdSource; readonly actor?: string; readonly onProgress?: ImportProgress },
): PeopleImportCounts {
  const { mapping, problems } = tableProblems(file, options.mapping);
  if (problems.total > 0) throw importRefused(problems);
  const { workerSource } = file;
  const parallel = workerSource !== undefined && file.table.approxRows >= PARALLEL_MIN_ROWS;
  let worker: CheckJob | null = null;
  try {
    return store.act({ name: IMPORT_ACTION, ...(options.actor === undefined ? {} : { actor: options.actor }) }, (tx) => {
      const lists = { user: tx.list("user"), tag: tx.list("tag"), accessGroup: tx.list("accessGroup") };
      const site = readSiteView({ list: (entity: keyof typeof lists) => lists[entity] } as unknown as SiteReader);
      const writer = new PeopleWriter(tx);
      // Every id of the import derives from this one, on either thread (ids.ts).
      const firstId = options.ids.next();
      const rows = new PersonRows(tx.at, site, importIds(firstId));
      const scratch: ColumnValue[] = [];
      if (parallel) worker = startCheckJob(workerSource, mapping, { at: tx.at, firstId, users: lists.user, tags: lists.tag, groups: lists.accessGroup });
      // Check and write here until the worker has caught up (its start-up is not time lost), then hand over.
      let live = worker;
      let wrote = 0;
      const ahead: PeopleMessage[] = [];
      try {
        checkPeople(file.table, mapping, site, problems, {
          onPerson: (p) => {
            scratch.length = 0;
            rows.encode(scratch, p);
            writer.addEncoded(scratch);
            if (++wrote % HANDOVER_EVERY !== 0 || live === null || problems.total > 0) return;
            for (let m = live.poll(); m !== undefined; m = live.poll()) {
              if (m.kind === "people") {
                if (m.first + m.count > wrote) ahead.push(m);
                continue;
              }
              // Done (this thread will find the same problems), failed or refused: go on here.
              live = null;
              return;
            }
            if (ahead.length > 0) throw HANDOVER;
          },
          onProgress: (f) => options.onProgress?.("writing", f),
        });
      } catch (e) {
        if (e !== HANDOVER || live === null) throw e;
        return writeFromWorker(writer, live, ahead, wrote, options);
      }
      if (problems.total > 0) throw importRefused(problems);
      return writer.finish();
    });
  } finally {
    (worker as CheckJob | null)?.close();
  }
}

/** Thrown out of the row walk to hand the rest to the worker. */
const HANDOVER = Symbol("handover");
/** Good people written between two looks at the worker. */
const HANDOVER_EVERY = 256;

type PeopleMessage = Extract<WorkerMessage, { kind: "people" }>;

/**
 * Writes the people the worker checks as they come (parallel.ts), after those this
 * thread wrote itself; the worker checks every row, so its problems are the file's.
 */
function writeFromWorker(writer: PeopleWriter, worker: CheckJob, ahead: readonly PeopleMessage[], wrote: number, options: { readonly onProgress?: ImportProgress }): PeopleImportCounts {
  for (let a = 0; ; a++) {
    const m = a < ahead.length ? ahead[a]! : worker.next();
    switch (m.kind) {
      case "people": {
        // Skip those this thread wrote already.
        writer.addEncoded(m.values, Math.max(0, wrote - m.first));
        options.onProgress?.("writing", m.progress);
        break;
      }
      case "done": {
        if (m.problemCount > 0) {
          const problems = new ProblemList();
          problems.listed.push(...m.problems);
          problems.total = m.problemCount;
          throw importRefused(problems);
        }
        return writer.finish();
      }
      case "refused":
        throw refusalOf(m);
      case "failed":
        throw new Error(`people import: the check worker failed: ${m.message}`);
    }
  }
}
