import { parse } from "csv-parse/sync";
import { defaultHardware } from "../api/handlers/site-content.ts";
import { LOCK_KINDS, type Floor, type LockHardware, type LockKind } from "../domain/index.ts";
import { AppError } from "../errors/index.ts";
import type { IdSource } from "../ports/ids.ts";
import type { StoreTx } from "../store/index.ts";
import { SiteSurvey } from "../topology/format.ts";

/**
 * Importing doors (and floors, IQ sites) into a site: a CSV with floor/x/y columns as
 * dealers keep them in spreadsheets, or a `lintel-site/1` survey. Parsing produces a
 * draft and every problem in the file at once, so the installer fixes the file in one
 * pass; only a clean draft is written, in one action (all or nothing).
 */

/** One problem in the file. `line` is 1-based (the CSV header is line 1); null for JSON. */
export interface ImportProblem {
  readonly line: number | null;
  readonly column: string;
  readonly reason: string;
}

/** A floor the import uses: an existing one (`id`) or one it creates. */
export interface DraftFloor {
  readonly key: string;
  readonly id: string | null;
  readonly name: string;
  readonly level: number;
  widthM: number;
  depthM: number;
}

export interface DraftPoint {
  readonly floorKey: string;
  readonly name: string;
  readonly x: number;
  readonly y: number;
}

export interface ImportDraft {
  readonly floors: readonly DraftFloor[];
  readonly doors: readonly (DraftPoint & { readonly kind: LockKind })[];
  readonly iqSites: readonly DraftPoint[];
}

export interface ImportCounts {
  readonly floors: number;
  readonly doors: number;
  readonly iqSites: number;
}

/** Domain limits the file must respect (core/domain: Metres, Name, Floor.level). */
const MAX_METRES = 100_000;
const MAX_NAME = 120;
const MIN_LEVEL = -20;
const MAX_LEVEL = 200;
/** Locker numbers run 1..9999 within a bank (core/domain/hardware.ts). */
const MAX_LOCKERS_PER_BANK = 9999;
/** Room around the farthest door when the import makes a floor up. */
const NEW_FLOOR_MARGIN_M = 5;

/** How many problems the error message itself names; `details.rows` has them all. */
const PROBLEMS_IN_MESSAGE = 5;

export function importRefused(problems: readonly ImportProblem[]): AppError {
  const shown = problems
    .slice(0, PROBLEMS_IN_MESSAGE)
    .map((p) => `${p.line === null ? "" : `line ${p.line}, `}${p.column || "file"}: ${p.reason}`)
    .join("; ");
  const more = problems.length > PROBLEMS_IN_MESSAGE ? `; and ${problems.length - PROBLEMS_IN_MESSAGE} more` : "";
  const what = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return new AppError("import.invalid", `Nothing was imported: the file has ${what} (${shown}${more}).`, { rows: problems });
}

// ---------------------------------------------------------------------------------
// CSV

type Field = "name" | "floor" | "level" | "x" | "y" | "kind";

/** Header spellings per field, compared lower-case without spaces or punctuation; earlier wins. */
const HEADER_SYNONYMS: Readonly<Record<Field, readonly string[]>> = {
  name: ["name", "doorname", "door", "label", "room", "id", "doorid"],
  floor: ["floor", "floorname", "storey", "story"],
  level: ["level", "floorlevel"],
  x: ["x", "xm", "xmetres", "xmeters"],
  y: ["y", "ym", "ymetres", "ymeters"],
  kind: ["kind", "lockkind", "type", "locktype", "hardware", "lock"],
};

const KIND_SYNONYMS: Readonly<Record<string, LockKind>> = {
  cylinder: "cylinder",
  escutcheon: "escutcheon",
  wallreader: "wall-reader",
  reader: "wall-reader",
  locker: "locker",
};

const headerKey = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, "");

interface Columns {
  readonly index: Partial<Record<Field, number>>;
  /** The header as written in the file, for problems. */
  readonly label: Partial<Record<Field, string>>;
}

function findColumns(header: readonly string[]): Columns {
  const keys = header.map(headerKey);
  const index: Partial<Record<Field, number>> = {};
  const label: Partial<Record<Field, string>> = {};
  for (const field of Object.keys(HEADER_SYNONYMS) as Field[]) {
    for (const synonym of HEADER_SYNONYMS[field]) {
      const i = keys.indexOf(synonym);
      if (i >= 0 && !Object.values(index).includes(i)) {
        index[field] = i;
        label[field] = header[i] ?? field;
        break;
      }
    }
  }
  return { index, label };
}

/** A number as spreadsheets write it: `12.5`, or `12,5` with a decimal comma. */
function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(/^(-?\d+),(\d+)$/, "$1.$2");
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The separator, judged by the header line: spreadsheets in decimal-comma locales
 * write `;`, others `,`; tab for pasted tables. Only one may be used, or `12,5` would
 * split in a semicolon file.
 */
function detectDelimiter(text: string): string {
  const header = text.slice(0, Math.max(0, text.search(/\r?\n|$/)));
  const count = (d: string) => header.split(d).length - 1;
  const best = [",", ";", "\t"].map((d) => [d, count(d)] as const).reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ",";
}

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** The line a record starts on (csv-parse reports where it ends; quoted fields may span lines). */
function startLine(r: CsvRecord): number {
  const inner = r.record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0);
  return r.info.lines - inner;
}

/**
 * A CSV of doors, one per row, with a header row. Comma, semicolon or tab separated
 * (as the header shows).
 * Columns (any case, common synonyms): door name, floor (a name) and/or level, x, y
 * in metres, optional lock kind. Floors not in the site are created: at the level the
 * file gives, else one above the site's highest in order of appearance, sized to
 * their doors plus a margin.
 */
export function draftFromCsv(text: string, existingFloors: readonly Floor[]): ImportDraft {
  let records: CsvRecord[];
  try {
    records = parse(text, {
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      delimiter: detectDelimiter(text),
    }) as unknown as CsvRecord[];
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    throw importRefused([{ line: err.lines ?? null, column: "", reason: `not a readable CSV file (${err.message ?? String(e)})` }]);
  }
  const [head, ...rows] = records;
  if (!head) throw importRefused([{ line: 1, column: "", reason: "the file is empty" }]);
  const cols = findColumns(head.record);
  const headerProblems: ImportProblem[] = [];
  const headerLine = startLine(head);
  if (cols.index.name === undefined) headerProblems.push({ line: headerLine, column: "door", reason: "no door name column (door, name or id)" });
  if (cols.index.floor === undefined && cols.index.level === undefined) headerProblems.push({ line: headerLine, column: "floor", reason: "no floor or level column" });
  if (cols.index.x === undefined) headerProblems.push({ line: headerLine, column: "x", reason: "no x column (metres)" });
  if (cols.index.y === undefined) headerProblems.push({ line: headerLine, column: "y", reason: "no y column (metres)" });
  if (headerProblems.length > 0) throw importRefused(headerProblems);
  if (rows.length === 0) throw importRefused([{ line: headerLine + 1, column: "", reason: "the file has a header but no doors" }]);

  const problems: ImportProblem[] = [];
  const floors = new Map<string, DraftFloor>();
  /** Where a new floor's level was decided, to name the line that disagrees. */
  const levelSetOn = new Map<string, number>();
  let nextLevel = existingFloors.length === 0 ? 0 : Math.max(...existingFloors.map((f) => f.level)) + 1;
  const doors: (DraftPoint & { kind: LockKind })[] = [];
  const cell = (r: CsvRecord, f: Field): string => {
    const i = cols.index[f];
    return i === undefined ? "" : (r.record[i] ?? "").trim();
  };
  const col = (f: Field): string => cols.label[f] ?? f;

  for (const r of rows) {
    const line = startLine(r);
    const bad = (f: Field, reason: string) => problems.push({ line, column: col(f), reason });
    const before = problems.length;

    const name = cell(r, "name");
    if (name === "") bad("name", "the door has no name");
    else if (name.length > MAX_NAME) bad("name", `the name is longer than ${MAX_NAME} characters`);

    const coordinate = (f: "x" | "y"): number | undefined => {
      const raw = cell(r, f);
      const n = parseNumber(raw);
      if (raw === "") bad(f, "missing");
      else if (n === undefined) bad(f, `"${raw}" is not a number`);
      else if (n < 0 || n > MAX_METRES) bad(f, `${n} is outside 0 to ${MAX_METRES} m`);
      else return n;
      return undefined;
    };
    const x = coordinate("x");
    const y = coordinate("y");

    let kind: LockKind = "escutcheon";
    const rawKind = cell(r, "kind");
    if (rawKind !== "") {
      const k = KIND_SYNONYMS[headerKey(rawKind)];
      if (k) kind = k;
      else bad("kind", `"${rawKind}" is not a lock kind (${LOCK_KINDS.join(", ")})`);
    }

    let level: number | undefined;
    const rawLevel = cell(r, "level");
    if (cols.index.level !== undefined) {
      const n = parseNumber(rawLevel);
      if (rawLevel === "") {
        if (cols.index.floor === undefined) bad("level", "missing");
      } else if (n === undefined || !Number.isInteger(n)) bad("level", `"${rawLevel}" is not a whole number`);
      else if (n < MIN_LEVEL || n > MAX_LEVEL) bad("level", `${n} is outside ${MIN_LEVEL} to ${MAX_LEVEL}`);
      else level = n;
    }

    let floorName = cell(r, "floor");
    if (cols.index.floor !== undefined && floorName === "") {
      if (cols.index.level === undefined) bad("floor", "the door has no floor");
      else if (rawLevel === "") bad("floor", "the door has neither a floor nor a level");
    }
    if (floorName.length > MAX_NAME) bad("floor", `the floor name is longer than ${MAX_NAME} characters`);
    if (problems.length > before) continue;

    // Which floor: by name when the file names floors, else by level.
    if (floorName === "" && level !== undefined) floorName = existingFloors.find((f) => f.level === level)?.name ?? `Level ${level}`;
    const key = floorName.toLowerCase();
    let floor = floors.get(key);
    if (!floor) {
      const existing = existingFloors.find((f) => f.name.trim().toLowerCase() === key);
      if (existing) {
        floor = { key, id: existing.id, name: existing.name, level: existing.level, widthM: existing.widthM, depthM: existing.depthM };
      } else {
        const newLevel = level ?? nextLevel++;
        if (newLevel > MAX_LEVEL) {
          bad("floor", `no level left for a new floor (the highest is ${MAX_LEVEL}); add a level column`);
          continue;
        }
        floor = { key, id: null, name: floorName, level: newLevel, widthM: 0, depthM: 0 };
        levelSetOn.set(key, line);
      }
      floors.set(key, floor);
    }
    if (level !== undefined && level !== floor.level) {
      const where = floor.id ? "in this site" : `on line ${levelSetOn.get(key) ?? "?"}`;
      bad("level", `${floor.name} is at level ${floor.level} ${where}, not ${level}`);
      continue;
    }
    if (x === undefined || y === undefined) continue;
    if (floor.id) {
      if (x > floor.widthM) bad("x", `${x} m is outside ${floor.name} (${floor.widthM} m wide)`);
      if (y > floor.depthM) bad("y", `${y} m is outside ${floor.name} (${floor.depthM} m deep)`);
      if (problems.length > before) continue;
    } else {
      floor.widthM = Math.max(floor.widthM, x + NEW_FLOOR_MARGIN_M);
      floor.depthM = Math.max(floor.depthM, y + NEW_FLOOR_MARGIN_M);
    }
    doors.push({ floorKey: key, name, x, y, kind });
  }
  if (problems.length > 0) throw importRefused(problems);
  return { floors: [...floors.values()], doors, iqSites: [] };
}

// ---------------------------------------------------------------------------------
// JSON

const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s === "" ? String(p) : `${s}.${String(p)}`), "");

/**
 * A `lintel-site/1` survey: its floors, doors and IQ sites are created anew (new ids;
 * the file's ids become names). Radio and cost parameters are the planner's defaults
 * in the app, so the file's own are not kept.
 */
export function draftFromSurveyJson(text: string): ImportDraft {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw importRefused([{ line: null, column: "", reason: `not JSON (${e instanceof Error ? e.message : String(e)})` }]);
  }
  const parsed = SiteSurvey.safeParse(raw);
  if (!parsed.success) {
    throw importRefused(parsed.error.issues.map((i) => ({ line: null, column: pathText(i.path), reason: i.message })));
  }
  const survey = parsed.data;
  const problems: ImportProblem[] = [];
  const bad = (column: string, reason: string) => problems.push({ line: null, column, reason });
  const name = (column: string, id: string) => {
    if (id.trim().length > MAX_NAME) bad(column, `the id is longer than ${MAX_NAME} characters`);
    if (id.trim() === "") bad(column, "the id is blank");
  };

  const floors = new Map<string, DraftFloor>();
  survey.floors.forEach((f, i) => {
    name(`floors[${i}].id`, f.id);
    if (f.level < MIN_LEVEL || f.level > MAX_LEVEL) bad(`floors[${i}].level`, `${f.level} is outside ${MIN_LEVEL} to ${MAX_LEVEL}`);
    if (f.widthM > MAX_METRES) bad(`floors[${i}].widthM`, `more than ${MAX_METRES} m`);
    if (f.depthM > MAX_METRES) bad(`floors[${i}].depthM`, `more than ${MAX_METRES} m`);
    floors.set(f.id, { key: f.id, id: null, name: f.id.trim(), level: f.level, widthM: f.widthM, depthM: f.depthM });
  });
  const place = (list: "doors" | "iqSites", i: number, p: { id: string; floor: string; x: number; y: number }): DraftPoint => {
    name(`${list}[${i}].id`, p.id);
    const floor = floors.get(p.floor);
    if (floor) {
      if (p.x < 0 || p.x > floor.widthM) bad(`${list}[${i}].x`, `${p.x} m is outside floor ${floor.name} (0 to ${floor.widthM} m)`);
      if (p.y < 0 || p.y > floor.depthM) bad(`${list}[${i}].y`, `${p.y} m is outside floor ${floor.name} (0 to ${floor.depthM} m)`);
    }
    return { floorKey: p.floor, name: p.id.trim(), x: p.x, y: p.y };
  };
  const doors = survey.doors.map((d, i) => ({ ...place("doors", i, d), kind: d.kind }));
  const iqSites = survey.iqSites.map((s, i) => place("iqSites", i, s));
  if (problems.length > 0) throw importRefused(problems);
  return { floors: [...floors.values()], doors, iqSites };
}

// ---------------------------------------------------------------------------------

/**
 * Writes a draft inside the caller's action. Locker doors get a locker bank id minted
 * for this import (numbered 1..n), since a locker lock always belongs to a bank; the
 * lockers screen can rename or regroup them later.
 */
export function applyImport(tx: StoreTx, draft: ImportDraft, ids: IdSource): ImportCounts {
  const floorIds = new Map<string, string>();
  let created = 0;
  for (const f of draft.floors) {
    if (f.id) {
      floorIds.set(f.key, f.id);
      continue;
    }
    const floor = tx.insert("floor", { id: ids.next(), name: f.name, level: f.level, widthM: f.widthM, depthM: f.depthM });
    floorIds.set(f.key, floor.id);
    created++;
  }
  const floorOf = (key: string): string => {
    const id = floorIds.get(key);
    if (!id) throw new Error(`import draft names an unknown floor ${key}`);
    return id;
  };
  let lockerBank: string | undefined;
  let lockerNumber = 0;
  for (const d of draft.doors) {
    const door = tx.insert("door", { id: ids.next(), floorId: floorOf(d.floorKey), name: d.name, x: d.x, y: d.y });
    let hardware: LockHardware;
    if (d.kind === "locker") {
      if (lockerNumber === MAX_LOCKERS_PER_BANK) [lockerBank, lockerNumber] = [undefined, 0];
      lockerBank ??= ids.next();
      hardware = { kind: "locker", bankId: lockerBank, number: ++lockerNumber };
    } else hardware = defaultHardware(d.kind);
    tx.insert("lock", { id: ids.next(), doorId: door.id, name: d.name, hardware });
  }
  for (const s of draft.iqSites) tx.insert("iqSite", { id: ids.next(), floorId: floorOf(s.floorKey), name: s.name, x: s.x, y: s.y });
  return { floors: created, doors: draft.doors.length, iqSites: draft.iqSites.length };
}
