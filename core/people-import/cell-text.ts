/**
 * What a spreadsheet cell comes to in a people file, whichever reader read it (xlsx.ts
 * with exceljs, xlsx-fast.ts): its text as a person sees it, or why it has none.
 */

/** A cell's text, or why it has none a person would recognise. */
export type CellText = { readonly text: string } | { readonly problem: string };

const EXACT_DIGITS = 15;

/**
 * A number as a person sees it in the cell. Tag numbers and phone numbers are often
 * typed into number cells: a "00000000" format gives back the leading zeros the cell
 * shows; digits beyond what a spreadsheet keeps exactly are refused rather than
 * imported as a different number.
 */
export function numberText(n: number, numFmt: string | undefined): CellText {
  if (!Number.isFinite(n)) return { problem: `the number ${n} is not usable` };
  if (Number.isInteger(n)) {
    if (!Number.isSafeInteger(n) || String(Math.abs(n)).length > EXACT_DIGITS) {
      return { problem: `the number ${n} has more digits than a spreadsheet keeps exactly (${EXACT_DIGITS}); format the column as Text and type it again` };
    }
    const text = String(n);
    const zeros = numFmt !== undefined && /^0+$/.test(numFmt) ? numFmt.length : 0;
    return { text: text.padStart(zeros, "0") };
  }
  return { text: String(n) };
}

export const NO_RESULT = "the cell is a formula with no saved result; open the file in a spreadsheet, let it calculate, and save it";

/** ISO date of a date cell, for the problem that names it. */
const isoDate = (d: Date) => (Number.isNaN(d.getTime()) ? "an invalid date" : d.toISOString().slice(0, 10));

/** A date cell's problem: a date is not a name, a tag or a phone number. */
export const dateProblem = (d: Date) => `the cell is a date (${isoDate(d)}), not text; format the column as Text`;

/** A row's texts, with the cells that hold none a person would recognise. */
export function rowTexts<C>(values: readonly C[], text: (c: C) => CellText): { cells: string[]; problems: Map<number, string> | undefined } {
  const cells: string[] = [];
  let problems: Map<number, string> | undefined;
  for (let c = 0; c < values.length; c++) {
    const got = text(values[c]!);
    if ("text" in got) cells.push(got.text);
    else {
      cells.push("");
      (problems ??= new Map()).set(c, got.problem);
    }
  }
  return { cells, problems };
}

