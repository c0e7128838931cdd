import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CSV_PARSE_OPTIONS, detectDelimiter, parseCsv, splitPlainCsv, type CsvDelimiter } from "../../../core/people-import/csv.ts";
import { onlyProblem, refusal, rowsOf } from "./support.ts";

const seed = Number(process.env.FC_SEED ?? 20261125);

describe("CSV tables", () => {
  it("judges the separator by the header, outside quotes", () => {
    expect(detectDelimiter("First name,Last name,E-mail\n")).toBe(",");
    expect(detectDelimiter("\n\nVoornaam;Achternaam;E-mail\nA,B;C;D\n")).toBe(";");
    expect(detectDelimiter("First\tLast\tTag\n")).toBe("\t");
    expect(detectDelimiter('"Name, full";Role;Tag\n')).toBe(";");
    expect(detectDelimiter("Name\nAnna\n")).toBe(",");
  });

  it("gives each row the line it starts on, across quoted line breaks, CRLF and blank lines", () => {
    const t = parseCsv('First,Last,Note\r\nAnna,Maes,"two\r\nlines"\r\n\r\n,,\r\nBram,"De ""Bo"" Smet",\r\n');
    expect(t.header).toEqual(["First", "Last", "Note"]);
    expect(t.headerLine).toBe(1);
    expect(rowsOf(t)).toEqual({
      rows: [
        ["Anna", "Maes", "two\r\nlines"],
        ["Bram", 'De "Bo" Smet', ""],
      ],
      lines: [2, 6],
      issues: 0,
      blankRows: 2,
    });
    expect(t.delimiter).toBe(",");
  });

  it("finds the header below leading blank lines, and keeps a stray quote as text", () => {
    const t = parseCsv('\n\nFirst;Last\nMary;O"Brien\n');
    expect([t.headerLine, rowsOf(t).rows, rowsOf(t).lines]).toEqual([3, [["Mary", 'O"Brien']], [4]]);
  });

  it("refuses an unclosed quoted field with the line where it opens", async () => {
    const e = await refusal(() => rowsOf(parseCsv('First,Last\nAnna,Maes\nBram,"De Smet\nCor,Vos\n')));
    expect(e.code).toBe("import.format");
    expect(onlyProblem(e).reason).toContain("a quoted field is never closed");
  });

  it("an empty file and a file of blank lines have no header", () => {
    expect(parseCsv("")).toMatchObject({ header: [], hasRows: false });
    expect(parseCsv("\n , \n")).toMatchObject({ header: [], hasRows: false });
    expect(rowsOf(parseCsv("\n , \n"))).toEqual({ rows: [], lines: [], issues: 0, blankRows: 0 });
    const headerOnly = parseCsv("First,Last\n\n");
    expect([headerOnly.hasRows, rowsOf(headerOnly).blankRows]).toEqual([false, 1]);
  });

  it("splits a quote-free file exactly as csv-parse parses it", () => {
    const cell = fc.stringMatching(/^[A-Za-zéÖ0-9 @.:;,\t-]{0,6}$/);
    const file = fc.record({
      delimiter: fc.constantFrom<CsvDelimiter>(",", ";", "\t"),
      eol: fc.constantFrom("\n", "\r\n"),
      rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 8 }),
      trailing: fc.boolean(),
    });
    fc.assert(
      fc.property(file, ({ delimiter, eol, rows, trailing }) => {
        const text = rows.map((r) => r.join(delimiter)).join(eol) + (trailing && rows.length > 0 ? eol : "");
        expect(splitPlainCsv(text, delimiter)).toEqual(parse(text, CSV_PARSE_OPTIONS(delimiter)));
      }),
      { seed, numRuns: 1000 },
    );
  });

  it("leaves quoted files and mixed or bare-CR line ends to csv-parse", () => {
    expect(splitPlainCsv('a,"b"\n', ",")).toBeUndefined();
    expect(splitPlainCsv("a,b\r\nc,d\ne,f\n", ",")).toBeUndefined();
    expect(splitPlainCsv("a,b\rc,d\r", ",")).toBeUndefined();
    expect(rowsOf(parseCsv("a,b\rc,d\r")).rows).toEqual([["c", "d"]]);
  });
});
