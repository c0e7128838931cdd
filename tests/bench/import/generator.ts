import ExcelJS from "exceljs";

/**
 * People files for the import bench and tests: deterministic (a seeded generator),
 * with what real exports have — accented names, e-mails, a few roles, one tag each
 * in the forms readers print (hex UIDs, Wiegand "FFF:NNNNN").
 */

const FIRST = ["Anna", "Émile", "Jonas", "Zoë", "Marta", "Pieter", "Lotte", "Ahmed", "Sofie", "Lukas", "Inès", "Bram", "Chloé", "Noah", "Fatima", "Jürgen"];
const LAST = ["Peeters", "Janssens", "Maes", "Özdemir", "De Smet", "Claes", "Willems", "Goossens", "Wouters", "Mertens", "Dubois", "Van den Broeck", "Lefèvre", "Müller"];
const ROLES = ["User", "User", "User", "User", "User", "User", "Site Super User", "Site Admin"];

export interface GeneratedPerson {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly role: string;
  readonly tag: string;
}

/** Person i of a generated file: unique e-mail and tag number. */
export function person(i: number): GeneratedPerson {
  const firstName = `${FIRST[i % FIRST.length]!}${i % 7 === 0 ? "-Marie" : ""}`;
  const lastName = `${LAST[(i * 7 + 3) % LAST.length]!}${Math.floor(i / 1000) || ""}`;
  const email = `${firstName.toLowerCase().normalize("NFKD").replace(/[^a-z]/g, "")}.${i}@example.com`;
  // Tag numbers: 8-hex UIDs, a Wiegand one in every 10 (facility and card kept unique by i).
  const tag = i % 10 === 3 && i < 2_560_000 ? `${String(i % 256).padStart(3, "0")}:${String(Math.floor(i / 256) % 65536).padStart(5, "0")}` : (0x04000000 + i).toString(16).toUpperCase().padStart(8, "0");
  return { firstName, lastName, email, role: ROLES[i % ROLES.length]!, tag };
}

export const HEADER = ["First name", "Last name", "E-mail", "Role", "Tag number"] as const;

const csvField = (s: string) => (/[",;\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A CSV of `n` people as Excel writes it: CRLF line ends, UTF-8 with a byte-order mark. */
export function peopleCsv(n: number, options: { readonly bom?: boolean; readonly delimiter?: string } = {}): string {
  const d = options.delimiter ?? ",";
  const lines: string[] = [HEADER.join(d)];
  for (let i = 0; i < n; i++) {
    const p = person(i);
    lines.push([p.firstName, p.lastName, p.email, p.role, p.tag].map(csvField).join(d));
  }
  return `${options.bom === false ? "" : "\uFEFF"}${lines.join("\r\n")}\r\n`;
}

/** An XLSX with one sheet "People" of `n` people (exceljs). */
export async function peopleXlsx(n: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("People");
  ws.addRow([...HEADER]);
  for (let i = 0; i < n; i++) {
    const p = person(i);
    ws.addRow([p.firstName, p.lastName, p.email, p.role, p.tag]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
