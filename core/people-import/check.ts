import { HidCodecError } from "../devices/hid/errors.ts";
import { normaliseTagNumber } from "../devices/hid/tag-number.ts";
import { z } from "zod";
import { nameKey, type Role, type Tag, User } from "../domain/index.ts";
import { emailKey, emailTaken, secondOwner } from "../rules/people.ts";
import { tagAssignRefusal } from "../rules/tags.ts";
import { MAX_CELL_CHARS, MAX_GROUPS_PER_PERSON, MAX_TAGS_PER_PERSON } from "./limits.ts";
import { FIELD_LABELS, headerKey, PEOPLE_FIELDS, type PeopleField, type PeopleMapping } from "./mapping.ts";
import type { ProblemList } from "./problems.ts";
import type { SiteView } from "./site-view.ts";
import type { RowCounts, Table } from "./table.ts";

/** One person of the file, checked, as it will be written. */
export interface DraftPerson {
  readonly line: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly role: Role;
  /** Tag numbers in the stored form; new ones are created, unassigned ones of the site assigned. */
  readonly tags: readonly string[];
  readonly groupIds: readonly string[];
}

/** A row as the preview shows it: the values as they will be stored where they are good, as written where not. */
export interface PreviewRow {
  readonly line: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly role: string;
  readonly tags: string[];
  readonly accessGroups: string[];
  /** Problems found on this row. */
  readonly problems: number;
}

/** What the rows come to: counts, and the site's free tags the file gives out. */
export interface PeopleDraft extends RowCounts {
  /** People without a problem. */
  readonly people: number;
  /** Unassigned tags of the site the file gives to someone, by number. */
  readonly existingTags: ReadonlyMap<string, Tag>;
  readonly newTags: number;
  readonly groupMemberships: number;
  readonly preview: PreviewRow[];
}

/** Role names as people write them, compared as header keys ("Site Admin" → "siteadmin"). */
const ROLES: ReadonlyMap<string, Role> = new Map<string, Role>([
  ...["owner", "siteowner", "eigenaar", "proprietaire", "eigentumer", "propietario"].map((k) => [k, "owner"] as const),
  ...["siteadmin", "admin", "administrator", "siteadministrator", "beheerder", "administrateur", "administrador"].map((k) => [k, "site-admin"] as const),
  ...["sitesuperuser", "superuser", "supergebruiker"].map((k) => [k, "site-super-user"] as const),
  ...["user", "siteuser", "standard", "gebruiker", "utilisateur", "benutzer", "usuario"].map((k) => [k, "user"] as const),
]);

const LIST_SEPARATOR = /[;,|\n]/;
const Phone = User.shape.phone;
/**
 * The pattern the domain's `Email` (zod's `z.email()`) checks with, run directly: the
 * schema's own machinery costs as much again per row. A test keeps the two in agreement.
 */
export const EMAIL_PATTERN = z.regexes.email;
const NAME_MAX = 120;
const EMAIL_MAX = 254;
const PROGRESS_EVERY = 1000;

/** Shared by rows with no tags or groups; frozen, so it can never be filled by mistake. */
const NONE = Object.freeze([]) as unknown as string[];

const quoted = (s: string) => `"${s.length > 60 ? `${s.slice(0, 57)}...` : s}"`;

/**
 * Checks every row against the domain's rules and the site (core/rules: one user per
 * e-mail, one Owner, a tag's standing), collecting every problem at once so the file
 * is fixed in one pass. Values are checked with the domain's own schemas and codecs
 * (Email, the phone pattern, normaliseTagNumber), so a row that passes here is a
 * document the store accepts.
 *
 * `onPerson` receives each good person as long as no problem has been found: a commit
 * writes while it checks (inside its transaction, so a later problem still leaves
 * nothing behind), and the rows' objects die young instead of piling up for a second
 * pass. A preview passes none and only counts.
 */
export function checkPeople(
  table: Table,
  mapping: PeopleMapping,
  site: SiteView,
  problems: ProblemList,
  options: {
    readonly previewRows?: number;
    readonly onProgress?: ((fraction: number) => void) | undefined;
    readonly onPerson?: ((person: DraftPerson) => void) | undefined;
  } = {},
): PeopleDraft {
  const previewRows = options.previewRows ?? 0;
  const onPerson = options.onPerson;
  const label = (f: PeopleField): string => {
    const i = mapping[f];
    return (i === null ? undefined : table.header[i]?.trim()) || FIELD_LABELS[f];
  };
  const labels = Object.fromEntries(PEOPLE_FIELDS.map((f) => [f, label(f)])) as Record<PeopleField, string>;
  const fromFullName = mapping.firstName === null && mapping.lastName === null;
  const col = (f: PeopleField): number | null => (fromFullName ? (f === "firstName" || f === "lastName" ? null : mapping[f]) : f === "fullName" ? null : mapping[f]);
  const cFirst = col("firstName");
  const cLast = col("lastName");
  const cFull = col("fullName");
  const cEmail = col("email");
  const cPhone = col("phone");
  const cRole = col("role");
  const cTags = col("tags");
  const cGroups = col("accessGroups");

  /** The trimmed cell of a field ("" when not mapped), or undefined when the cell itself is a problem (reported here). */
  const cell = (row: readonly string[], line: number, issues: ReadonlyMap<number, string> | undefined, i: number | null, f: PeopleField): string | undefined => {
    if (i === null) return "";
    if (issues !== undefined) {
      const issue = issues.get(i);
      if (issue !== undefined) {
        problems.add(line, labels[f], issue);
        return undefined;
      }
    }
    const raw = row[i];
    if (raw === undefined) return "";
    const text = raw.trim();
    if (text.length > MAX_CELL_CHARS) {
      problems.add(line, labels[f], `${text.length} characters: longer than the ${MAX_CELL_CHARS} a cell may hold`);
      return undefined;
    }
    return text;
  };

  const emailLines = new Map<string, number>();
  const tagLines = new Map<string, number>();
  const existingTags = new Map<string, Tag>();
  let ownerLine: number | undefined;
  /** Files say "User" 100,000 times: each spelling is looked up once. */
  const roleCache = new Map<string, Role | undefined>();
  let people = 0;
  const preview: PreviewRow[] = [];
  let newTags = 0;
  let groupMemberships = 0;

  let r = 0;
  const counts = table.forEachRow((row, line, issues) => {
    const before = problems.total;

    // Names.
    let firstName = "";
    let lastName = "";
    const rawFull = cell(row, line, issues, cFull, "fullName");
    if (fromFullName) {
      const full = rawFull?.replace(/\s+/g, " ");
      if (full === "") problems.add(line, labels.fullName, "the person has no name");
      else if (full !== undefined) {
        const space = full.indexOf(" ");
        if (space < 0) problems.add(line, labels.fullName, `${quoted(full)} is one word: a first and a last name are needed`);
        else if (space > NAME_MAX || full.length - space - 1 > NAME_MAX) problems.add(line, labels.fullName, `a name is longer than the ${NAME_MAX} characters a name may have`);
        else [firstName, lastName] = [full.slice(0, space), full.slice(space + 1)];
      }
    } else {
      const first = cell(row, line, issues, cFirst, "firstName");
      if (first === "") problems.add(line, labels.firstName, "the first name is missing");
      else if (first !== undefined && first.length > NAME_MAX) problems.add(line, labels.firstName, `${first.length} characters: longer than the ${NAME_MAX} a name may have`);
      else if (first !== undefined) firstName = first;
      const last = cell(row, line, issues, cLast, "lastName");
      if (last === "") problems.add(line, labels.lastName, "the last name is missing");
      else if (last !== undefined && last.length > NAME_MAX) problems.add(line, labels.lastName, `${last.length} characters: longer than the ${NAME_MAX} a name may have`);
      else if (last !== undefined) lastName = last;
    }

    // E-mail: well-formed, and one person per address in the file and in the site.
    let email: string | null = null;
    const rawEmail = cell(row, line, issues, cEmail, "email");
    if (rawEmail !== undefined && rawEmail !== "") {
      if (rawEmail.length > EMAIL_MAX) problems.add(line, labels.email, `${rawEmail.length} characters: longer than the ${EMAIL_MAX} an e-mail address may have`);
      else if (!EMAIL_PATTERN.test(rawEmail)) problems.add(line, labels.email, `${quoted(rawEmail)} is not an e-mail address`);
      else {
        const key = emailKey(rawEmail);
        const seen = emailLines.get(key);
        const taken = seen === undefined && site.emailKeys.has(key) ? emailTaken(site.people, rawEmail) : null;
        if (seen !== undefined) problems.add(line, labels.email, `${rawEmail} is also on line ${seen}: one person per e-mail address`);
        else if (taken) problems.add(line, labels.email, taken.message);
        else {
          emailLines.set(key, line);
          email = rawEmail;
        }
      }
    }

    let phone: string | null = null;
    const rawPhone = cell(row, line, issues, cPhone, "phone");
    if (rawPhone !== undefined && rawPhone !== "") {
      if (Phone.safeParse(rawPhone).success) phone = rawPhone;
      else problems.add(line, labels.phone, `${quoted(rawPhone)} is not a phone number (6 to 20 digits, spaces, brackets and dashes, an optional leading +)`);
    }

    let role: Role = "user";
    let roleShown: string = role;
    const rawRole = cell(row, line, issues, cRole, "role");
    if (rawRole !== undefined && rawRole !== "") {
      let found = roleCache.get(rawRole);
      if (found === undefined && !roleCache.has(rawRole)) roleCache.set(rawRole, (found = ROLES.get(headerKey(rawRole))));
      roleShown = found ?? rawRole;
      if (found === undefined) problems.add(line, labels.role, `${quoted(rawRole)} is not a role (Owner, Site Admin, Site Super User, User)`);
      else if (found === "owner" && ownerLine !== undefined) problems.add(line, labels.role, `the Owner is already on line ${ownerLine}: a site has one`);
      else {
        const second = secondOwner(site.people, found);
        if (second) problems.add(line, labels.role, second.message);
        else {
          role = found;
          if (found === "owner") ownerLine = line;
        }
      }
    }

    // Tags: each a valid number, once in the file, new to the site or one of its free tags.
    let tags: string[] = NONE;
    let rowNewTags = 0;
    const rawTags = cell(row, line, issues, cTags, "tags");
    if (rawTags !== undefined && rawTags !== "") {
      tags = [];
      const parts = LIST_SEPARATOR.test(rawTags) ? rawTags.split(LIST_SEPARATOR).map((t) => t.trim()).filter((t) => t !== "") : [rawTags];
      if (parts.length > MAX_TAGS_PER_PERSON) problems.add(line, labels.tags, `${parts.length} tags: at most ${MAX_TAGS_PER_PERSON} per person`);
      else {
        for (const raw of parts) {
          let number: string;
          try {
            number = normaliseTagNumber(raw);
          } catch (e) {
            if (!(e instanceof HidCodecError)) throw e;
            problems.add(line, labels.tags, `${quoted(raw)} is not a tag number: ${e.message}`);
            continue;
          }
          const seen = tagLines.get(number);
          if (seen !== undefined) {
            problems.add(line, labels.tags, seen === line ? `tag ${number} is named twice on this line` : `tag ${number} is also on line ${seen}: a tag has one holder`);
            continue;
          }
          tagLines.set(number, line);
          const existing = site.tagsByNumber.get(number);
          if (existing) {
            const refusal = tagAssignRefusal(existing, null);
            if (refusal) {
              problems.add(line, labels.tags, refusal.message);
              continue;
            }
            existingTags.set(number, existing);
          } else rowNewTags++;
          tags.push(number);
        }
      }
    }

    let groupIds: string[] = NONE;
    let groupNames: string[] = NONE;
    const rawGroups = cell(row, line, issues, cGroups, "accessGroups");
    if (rawGroups !== undefined && rawGroups !== "") {
      [groupIds, groupNames] = [[], []];
      const parts = rawGroups.split(LIST_SEPARATOR).map((g) => g.trim()).filter((g) => g !== "");
      if (parts.length > MAX_GROUPS_PER_PERSON) problems.add(line, labels.accessGroups, `${parts.length} access groups: at most ${MAX_GROUPS_PER_PERSON} per person`);
      else {
        for (const name of parts) {
          const group = site.groupsByName.get(nameKey(name));
          if (!group) {
            problems.add(line, labels.accessGroups, site.groupsByName.size === 0 ? `the site has no access groups yet: create ${quoted(name)} first` : `the site has no access group ${quoted(name)}`);
          } else if (!groupIds.includes(group.id)) {
            groupIds.push(group.id);
            groupNames.push(group.name);
          }
        }
      }
    }

    const rowProblems = problems.total - before;
    if (r < previewRows) {
      preview.push({
        line,
        firstName: firstName || (fromFullName ? (rawFull ?? "") : ""),
        lastName,
        email: email ?? (rawEmail || null),
        phone: phone ?? (rawPhone || null),
        role: roleShown,
        tags: [...tags],
        accessGroups: [...groupNames],
        problems: rowProblems,
      });
    }
    if (rowProblems === 0) {
      people++;
      newTags += rowNewTags;
      groupMemberships += groupIds.length;
      if (onPerson !== undefined && problems.total === 0) onPerson({ line, firstName, lastName, email, phone, role, tags, groupIds });
    }
    r++;
    if (options.onProgress && r % PROGRESS_EVERY === 0) options.onProgress(Math.min(1, r / Math.max(1, table.approxRows)));
  });
  return { ...counts, people, existingTags, newTags, groupMemberships, preview };
}
