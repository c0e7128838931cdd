import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LIMITS, readPeopleFile } from "../../../core/people-import/index.ts";
import { onlyProblem, refusal, rowsOf, utf8 } from "./support.ts";

describe("reading the file: too big, missing, not a file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-import-source-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a 1 GB file from its size alone, without reading it", async () => {
    const path = join(dir, "huge.csv");
    const fd = openSync(path, "w");
    ftruncateSync(fd, 1024 * 1024 * 1024); // sparse: no disk used, and nothing to read but zeros
    closeSync(fd);
    const before = process.memoryUsage().arrayBuffers;
    const e = await refusal(() => readPeopleFile({ source: { kind: "path", path } }));
    expect(e.code).toBe("import.too_large");
    expect(onlyProblem(e).reason).toBe("the file is 1024 MB: more than the 200 MB an import may read; split it into several files");
    // Had it been read, a gigabyte of buffers would have been allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it("refuses a CSV of more lines than an import takes before parsing it", async () => {
    const path = join(dir, "many.csv");
    writeFileSync(path, `First,Last\n${"a,b\n".repeat(LIMITS.MAX_ROWS + 1)}`);
    const e = await refusal(() => readPeopleFile({ source: { kind: "path", path } }));
    expect(e.code).toBe("import.too_large");
    expect(onlyProblem(e).reason).toBe("the file has more than 500,001 lines (500,000 people and a header); split it into several imports");
    // Exactly a header and the maximum is fine.
    writeFileSync(path, `First,Last\n${"a,b\n".repeat(LIMITS.MAX_ROWS)}`);
    expect(rowsOf((await readPeopleFile({ source: { kind: "path", path } })).table).rows).toHaveLength(LIMITS.MAX_ROWS);
  });

  it("refuses an XLSX over its own cap, and inline bytes over theirs", async () => {
    const bigZip = new Uint8Array(LIMITS.MAX_XLSX_BYTES + 1);
    bigZip.set([0x50, 0x4b, 0x03, 0x04]);
    expect(onlyProblem(await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: bigZip } }))).reason).toBe(
      "the XLSX file is 50 MB: more than the 50 MB an import may read; split it into several files",
    );
    const inline = new Uint8Array(LIMITS.MAX_INLINE_BYTES + 1);
    const e = await refusal(() => readPeopleFile({ source: { kind: "bytes", bytes: inline } }));
    expect(e.code).toBe("import.too_large");
    expect(onlyProblem(e).reason).toContain("open it by path");
  });

  it("says when the path is missing or not a file", async () => {
    const missing = await refusal(() => readPeopleFile({ source: { kind: "path", path: join(dir, "nope.csv") } }));
    expect([missing.code, missing.message]).toEqual(["import.file", `Cannot open ${join(dir, "nope.csv")}: there is no such file.`]);
    mkdirSync(join(dir, "folder.csv"));
    const folder = await refusal(() => readPeopleFile({ source: { kind: "path", path: join(dir, "folder.csv") } }));
    expect(folder.code).toBe("import.file");
  });

  it("reads a path and bytes alike", async () => {
    const path = join(dir, "p.csv");
    writeFileSync(path, "First name;Last name\nAnna;Maes\n");
    const fromPath = await readPeopleFile({ source: { kind: "path", path } });
    const fromBytes = await readPeopleFile({ source: { kind: "bytes", bytes: utf8("First name;Last name\nAnna;Maes\n") } });
    expect({ ...fromPath, table: rowsOf(fromPath.table) }).toEqual({ ...fromBytes, table: rowsOf(fromBytes.table) });
    expect(fromPath).toMatchObject({ format: "csv", encoding: "utf-8", delimiter: ";", bytes: 31 });
  });
});
