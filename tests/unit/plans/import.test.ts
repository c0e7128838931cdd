import { describe, expect, it } from "vitest";
import type { Floor } from "../../../core/domain/index.ts";
import type { AppError } from "../../../core/errors/index.ts";
import { draftFromCsv, draftFromSurveyJson, type ImportProblem } from "../../../core/plans/import.ts";

const GROUND: Floor = { id: "019b76da-a800-74f0-81c7-000000000002", name: "Ground", level: 0, widthM: 20, depthM: 10, plan: null };

function problems(fn: () => unknown): ImportProblem[] {
  try {
    fn();
  } catch (e) {
    expect((e as AppError).code).toBe("import.invalid");
    return (e as AppError & { details: { rows: ImportProblem[] } }).details.rows;
  }
  throw new Error("the import was not refused");
}

describe("CSV import", () => {
  it("reads header synonyms in any case, tabs, decimal commas in semicolon files, and a BOM", () => {
    const tab = draftFromCsv("\uFEFFID\tLEVEL\tx\ty\tType\nD1\t2\t1.5\t2\tLocker\nD2\t2\t3\t4\tREADER\n", []);
    expect(tab.floors).toEqual([{ key: "level 2", id: null, name: "Level 2", level: 2, widthM: 8, depthM: 9 }]);
    expect(tab.doors.map((d) => [d.name, d.x, d.y, d.kind])).toEqual([["D1", 1.5, 2, "locker"], ["D2", 3, 4, "wall-reader"]]);
    const semi = draftFromCsv("door;floor;x;y\nA;Ground;12,5;3\n", [GROUND]);
    expect(semi.doors).toEqual([{ floorKey: "ground", name: "A", x: 12.5, y: 3, kind: "escutcheon" }]);
    expect(semi.floors).toEqual([{ key: "ground", id: GROUND.id, name: "Ground", level: 0, widthM: 20, depthM: 10 }]);
  });

  it("levels new floors above the site's highest, in order of appearance", () => {
    const draft = draftFromCsv("name,floor,x,y\nA,Roof,1,1\nB,Attic,2,2\nC,Roof,3,30\n", [GROUND]);
    expect(draft.floors.map((f) => [f.name, f.level, f.widthM, f.depthM])).toEqual([["Roof", 1, 8, 35], ["Attic", 2, 7, 7]]);
  });

  it("prefers a name column to an id column for the door's name", () => {
    const draft = draftFromCsv("id,name,floor,x,y\nD001,Main entrance,Ground,1,1\n", [GROUND]);
    expect(draft.doors[0]?.name).toBe("Main entrance");
  });

  it("reports every bad row with the line it starts on, even after a quoted multi-line field", () => {
    const csv = ['door,floor,x,y,level', '"Two', 'lines",G,1,1,0', ",G,1,1,0", "X,G,-1,1e6,0", "Y,G,1,1,1.5", "Z,G,1,1,1"].join("\n");
    expect(problems(() => draftFromCsv(csv, []))).toEqual([
      { line: 4, column: "door", reason: "the door has no name" },
      { line: 5, column: "x", reason: "-1 is outside 0 to 100000 m" },
      { line: 5, column: "y", reason: "1000000 is outside 0 to 100000 m" },
      { line: 6, column: "level", reason: '"1.5" is not a whole number' },
      { line: 7, column: "level", reason: "G is at level 0 on line 2, not 1" },
    ]);
  });

  it("refuses a file with no rows, or with no way to place doors", () => {
    expect(problems(() => draftFromCsv("door,floor,x,y\n", []))).toEqual([{ line: 2, column: "", reason: "the file has a header but no doors" }]);
    expect(problems(() => draftFromCsv("door,x,y\nA,1,1\n", []))).toEqual([{ line: 1, column: "floor", reason: "no floor or level column" }]);
    expect(problems(() => draftFromCsv('door,floor,x,y\n"A,G,1,1\n', []))[0]?.reason).toMatch(/not a readable CSV file/);
    expect(problems(() => draftFromCsv("", []))).toEqual([{ line: 1, column: "", reason: "the file is empty" }]);
  });

  it("refuses a level that disagrees with an existing floor", () => {
    expect(problems(() => draftFromCsv("door,floor,level,x,y\nA,ground,3,1,1\n", [GROUND]))).toEqual([
      { line: 2, column: "level", reason: "Ground is at level 0 in this site, not 3" },
    ]);
  });
});

describe("JSON import", () => {
  it("takes a lintel-site/1 survey, keeping its ids as names", () => {
    const draft = draftFromSurveyJson(
      JSON.stringify({
        format: "lintel-site/1",
        floors: [{ id: "F0", level: -1, widthM: 10, depthM: 8 }],
        doors: [{ id: "D1", floor: "F0", x: 1, y: 2, kind: "cylinder" }],
        iqSites: [{ id: "C1", floor: "F0", x: 0, y: 0 }],
      }),
    );
    expect(draft).toEqual({
      floors: [{ key: "F0", id: null, name: "F0", level: -1, widthM: 10, depthM: 8 }],
      doors: [{ floorKey: "F0", name: "D1", x: 1, y: 2, kind: "cylinder" }],
      iqSites: [{ floorKey: "F0", name: "C1", x: 0, y: 0 }],
    });
  });

  it("refuses what the site file cannot hold: points off their floor, levels out of range", () => {
    const text = JSON.stringify({
      format: "lintel-site/1",
      floors: [{ id: "F0", level: 300, widthM: 10, depthM: 8 }],
      doors: [{ id: "D1", floor: "F0", x: 11, y: -1 }],
    });
    expect(problems(() => draftFromSurveyJson(text))).toEqual([
      { line: null, column: "floors[0].level", reason: "300 is outside -20 to 200" },
      { line: null, column: "doors[0].x", reason: "11 m is outside floor F0 (0 to 10 m)" },
      { line: null, column: "doors[0].y", reason: "-1 m is outside floor F0 (0 to 8 m)" },
    ]);
  });
});
