import { z } from "zod";
import { searchKey } from "../store/user-search-keys.ts";

/** What a column can be imported as. */
export const PEOPLE_FIELDS = ["firstName", "lastName", "fullName", "email", "phone", "role", "tags", "accessGroups"] as const;
export const PeopleField = z.enum(PEOPLE_FIELDS);
export type PeopleField = z.infer<typeof PeopleField>;

/** How a field is named in problems and on screen. */
export const FIELD_LABELS: Readonly<Record<PeopleField, string>> = {
  firstName: "first name",
  lastName: "last name",
  fullName: "full name",
  email: "e-mail",
  phone: "phone",
  role: "role",
  tags: "tags",
  accessGroups: "access groups",
};

/**
 * Header spellings per field, compared as `headerKey` gives them (accents folded,
 * lower-case, letters and digits only), in English and the languages of the dealers'
 * customers (Dutch, French, German, Spanish). Earlier fields claim a column first.
 */
const SYNONYMS: Readonly<Record<PeopleField, readonly string[]>> = {
  firstName: ["firstname", "first", "givenname", "given", "forename", "fname", "christianname", "voornaam", "prenom", "vorname", "nombre"],
  lastName: ["lastname", "last", "surname", "familyname", "lname", "achternaam", "familienaam", "nom", "nomdefamille", "nachname", "familienname", "apellido", "apellidos"],
  fullName: ["name", "fullname", "displayname", "personname", "employee", "employeename", "person", "naam", "volledigenaam", "nomcomplet", "vollstandigername", "nombrecompleto"],
  email: ["email", "emailaddress", "mail", "mailaddress", "emailadres", "courriel", "adressemail", "correo", "correoelectronico"],
  phone: ["phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cellphone", "cell", "telephone", "tel", "gsm", "telefoon", "telefon", "telefono", "handy", "portable"],
  role: ["role", "siterole", "userrole", "rol", "rolle", "fonction"],
  tags: ["tag", "tags", "tagnumber", "tagnumbers", "tagno", "tagid", "badge", "badgenumber", "badges", "card", "cardnumber", "cards", "fob", "keyfob", "rfid", "uid", "credential", "credentials", "pas", "pasnummer", "badgenummer"],
  accessGroups: ["accessgroups", "accessgroup", "groups", "group", "accesslevels", "accesslevel", "accessrights", "toegangsgroepen", "toegangsgroep", "groupes", "groupesdacces", "gruppen", "zutrittsgruppen", "grupos"],
};

/** Spellings long enough to be recognised inside a longer header ("Work e-mail", "Tag number (hex)"). */
const CONTAINED: readonly (readonly [PeopleField, string])[] = (["email", "phone", "tags", "accessGroups", "firstName", "lastName", "role"] as const).flatMap((f) =>
  SYNONYMS[f].filter((s) => s.length >= 4).map((s) => [f, s] as const),
);

export const headerKey = (header: string): string => searchKey(header).replace(/[^a-z0-9]/g, "");

/**
 * A column chosen for each field, by index; null: not imported. Names come from the
 * first- and last-name columns, or, when neither is chosen, from the full name.
 */
export type PeopleMapping = Readonly<Record<PeopleField, number | null>>;

const noMapping = (): Record<PeopleField, number | null> =>
  Object.fromEntries(PEOPLE_FIELDS.map((f) => [f, null])) as Record<PeopleField, number | null>;

/**
 * The mapping a header suggests: first every exact spelling, then the spellings found
 * inside longer headers. A column is used once; the first of two matching columns wins.
 */
export function guessMapping(header: readonly string[]): PeopleMapping {
  const keys = header.map(headerKey);
  const out = noMapping();
  const used = new Set<number>();
  const claim = (field: PeopleField, i: number) => {
    out[field] = i;
    used.add(i);
  };
  for (const field of PEOPLE_FIELDS) {
    const i = keys.findIndex((k, j) => !used.has(j) && SYNONYMS[field].includes(k));
    if (i >= 0) claim(field, i);
  }
  for (const [field, synonym] of CONTAINED) {
    if (out[field] !== null) continue;
    const i = keys.findIndex((k, j) => !used.has(j) && k.includes(synonym));
    if (i >= 0) claim(field, i);
  }
  // A full name is only needed when the first and last names are not there.
  if (out.firstName !== null && out.lastName !== null && out.fullName !== null) {
    used.delete(out.fullName);
    out.fullName = null;
  }
  return out;
}

/** A column named by its index (0-based) or its header text; null leaves the field out. */
export const ColumnRef = z.union([z.number().int().min(0).max(16_383), z.string().trim().min(1).max(200)]).nullable();
export type ColumnRef = z.infer<typeof ColumnRef>;

/** What a person chose on the preview screen; fields left out keep the guess. */
export const MappingInput = z.partialRecord(PeopleField, ColumnRef);
export type MappingInput = z.infer<typeof MappingInput>;

export interface MappingProblem {
  readonly column: string;
  readonly reason: string;
}

/**
 * The mapping to import with: the guess, overridden field by field by an explicit
 * choice. A choice naming no column, an ambiguous header, one column given to two
 * fields, and missing names are problems of the header line.
 */
export function resolveMapping(header: readonly string[], explicit: MappingInput | undefined): { mapping: PeopleMapping; problems: MappingProblem[] } {
  const out: Record<PeopleField, number | null> = { ...guessMapping(header) };
  const problems: MappingProblem[] = [];
  for (const field of PEOPLE_FIELDS) {
    const ref = explicit?.[field];
    if (ref === undefined) continue;
    if (ref === null) {
      out[field] = null;
      continue;
    }
    if (typeof ref === "number") {
      if (ref >= header.length) {
        problems.push({ column: FIELD_LABELS[field], reason: `column ${ref + 1} was chosen for the ${FIELD_LABELS[field]}, but the file has ${header.length} column(s)` });
      } else out[field] = ref;
      continue;
    }
    const wanted = ref.trim().toLowerCase();
    const matches = header.flatMap((h, i) => (h.trim().toLowerCase() === wanted ? [i] : []));
    if (matches.length === 1) out[field] = matches[0]!;
    else {
      problems.push({
        column: FIELD_LABELS[field],
        reason: matches.length === 0 ? `there is no column "${ref}" for the ${FIELD_LABELS[field]}` : `${matches.length} columns are called "${ref}"; choose one by its number`,
      });
    }
  }
  // Fields the person chose win a column over guesses.
  const chosen = new Set(PEOPLE_FIELDS.filter((f) => explicit?.[f] !== undefined && explicit[f] !== null));
  for (const field of PEOPLE_FIELDS) {
    const i = out[field];
    if (i === null || chosen.has(field)) continue;
    if (PEOPLE_FIELDS.some((g) => g !== field && chosen.has(g) && out[g] === i)) out[field] = null;
  }
  for (const [a, b] of pairs(PEOPLE_FIELDS)) {
    if (out[a] !== null && out[a] === out[b]) {
      problems.push({ column: header[out[a]] ?? FIELD_LABELS[a], reason: `the column is chosen for both the ${FIELD_LABELS[a]} and the ${FIELD_LABELS[b]}` });
    }
  }
  // Names come from a first- and a last-name column, or from a full name alone.
  const fromFullName = out.firstName === null && out.lastName === null && out.fullName !== null;
  if (!fromFullName) {
    for (const f of ["firstName", "lastName"] as const) {
      if (out[f] === null) {
        const or = out.fullName === null ? ", or a full-name column instead of both" : "";
        problems.push({ column: FIELD_LABELS[f], reason: `no ${FIELD_LABELS[f]} column (looked for ${examples(f)}); choose one${or}` });
      }
    }
  }
  return { mapping: out, problems };
}

function examples(field: PeopleField): string {
  const shown: Record<PeopleField, string> = {
    firstName: '"First name", "Given name", "Forename"',
    lastName: '"Last name", "Surname", "Family name"',
    fullName: '"Name", "Full name"',
    email: '"E-mail", "Email address"',
    phone: '"Phone", "Mobile"',
    role: '"Role"',
    tags: '"Tag", "Tag number", "Badge"',
    accessGroups: '"Access groups", "Groups"',
  };
  return shown[field];
}

function* pairs<T>(items: readonly T[]): Generator<readonly [T, T]> {
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) yield [items[i]!, items[j]!];
}
