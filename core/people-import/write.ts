import { Tag, User } from "../domain/index.ts";
import type { IdSource } from "../ports/ids.ts";
import type { BulkRow } from "../store/bulk-insert.ts";
import { canonicalJson } from "../store/canonical-json.ts";
import type { StoreTx } from "../store/index.ts";
import type { DraftPerson } from "./check.ts";
import { blockIds } from "./ids.ts";
import type { SiteView } from "./site-view.ts";

/** What a commit wrote. */
export interface PeopleImportCounts {
  readonly users: number;
  /** Tags created by the import. */
  readonly newTags: number;
  /** Unassigned tags of the site the import gave to someone. */
  readonly existingTags: number;
  readonly groupMemberships: number;
}

const PLACEHOLDER_ID = "00000000-0000-7000-8000-000000000000";

/** The user document every imported person starts from (the schema's defaults, key-sorted), stamped `at`. */
export const userTemplate = (at: string): User => canonical(User.parse({ id: PLACEHOLDER_ID, firstName: "-", lastName: "-", createdAt: at }));

/** People written per bulk insert: big enough for few statements' setup, small enough that rows die young. */
const CHUNK = 512;

/** A canonical copy of a value: objects with their keys sorted, as canonicalJson writes them. */
const canonical = <T>(value: T): T => JSON.parse(canonicalJson(value)) as T;

/**
 * The JSON of documents that differ from a canonical template only in some top-level
 * values: the template's JSON cut around those values (given in key order, as the
 * canonical JSON has them), so a document's JSON is the pieces joined with its values'
 * JSON. Three times faster than `JSON.stringify` of each document, and the same text.
 */
export function jsonPieces<T extends object>(template: T, fields: readonly (keyof T & string)[]): readonly string[] {
  const probe: Record<string, unknown> = { ...(template as Record<string, unknown>) };
  const marks = fields.map((f, i) => {
    probe[f] = `\u0001${i}\u0001`;
    return JSON.stringify(probe[f]);
  });
  const json = JSON.stringify(probe);
  const pieces: string[] = [];
  let from = 0;
  for (const m of marks) {
    const at = json.indexOf(m, from);
    if (at < 0) throw new Error(`jsonPieces: the fields are not in the template's key order (${fields.join(", ")})`);
    pieces.push(json.slice(from, at));
    from = at + m.length;
  }
  pieces.push(json.slice(from));
  return pieces;
}

/** The values a user's and a tag's documents get from the file, in their JSON's (sorted) key order. */
export const USER_FIELDS = ["email", "firstName", "id", "lastName", "phone", "role", "waysOfOpening"] as const;
const TAG_FIELDS = ["id", "number", "userId"] as const;

/**
 * `JSON.stringify` of a string, without its cost for the usual name or address that
 * needs no escaping (no quote, backslash, control character or lone surrogate): the
 * text between quotes, which is then the same JSON. Saves a fifth of building a document.
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}
const jsonOrNull = (s: string | null) => (s === null ? "null" : jsonString(s));

/**
 * Writes checked people inside the caller's action as they come: users and their new
 * tags in bulk (bulk-insert.ts: one prepared statement each, compact journal), then
 * the site's free tags the file gives out and the access groups it fills, as ordinary
 * journaled updates. A person with a tag gets Tag as a way of opening.
 *
 * Documents are built fast and in canonical form: a template (the schema's defaults,
 * parsed once and key-sorted) is copied with some values replaced, and its JSON made
 * from pieces (`jsonPieces`), without sorting keys 200,000 times; a schema that gains
 * a defaulted field is followed automatically. The store checks a sample of the
 * documents in full (schema and canonical JSON), and so do the tests.
 */
export class PeopleWriter {
  private readonly user: User;
  private readonly tag: Tag;
  private readonly waysWithTag: User["waysOfOpening"];
  private readonly userJson: readonly string[];
  private readonly tagJson: readonly string[];
  private readonly waysJson: { readonly withTag: string; readonly without: string };
  private users: BulkRow<User>[] = [];
  /**
   * New tags wait until every user is written, so SQLite works through one table and
   * its indexes at a time (its page cache is 2 MB) rather than both in turns.
   */
  private readonly pendingTags: { numbers: string[]; userIds: string[] } = { numbers: [], userIds: [] };
  private readonly assign: { readonly tagId: string; readonly userId: string }[] = [];
  private readonly members = new Map<string, string[]>();
  private written = { users: 0, newTags: 0, groupMemberships: 0 };
  private readonly ids: IdSource;

  constructor(
    private readonly tx: StoreTx,
    private readonly site: SiteView,
    ids: IdSource,
  ) {
    this.ids = blockIds(ids);
    this.user = userTemplate(tx.at);
    this.tag = canonical(Tag.parse({ id: PLACEHOLDER_ID, number: "0000", state: "assigned", userId: PLACEHOLDER_ID, assignedAt: tx.at }));
    this.waysWithTag = canonical({ ...this.user.waysOfOpening, tag: true });
    this.userJson = jsonPieces(this.user, USER_FIELDS);
    this.tagJson = jsonPieces(this.tag, TAG_FIELDS);
    this.waysJson = { withTag: JSON.stringify(this.waysWithTag), without: JSON.stringify(this.user.waysOfOpening) };
  }

  add(p: DraftPerson): void {
    const id = this.ids.next();
    const user: User = { ...this.user };
    user.id = id;
    user.firstName = p.firstName;
    user.lastName = p.lastName;
    user.email = p.email;
    user.phone = p.phone;
    user.role = p.role;
    if (p.tags.length > 0) user.waysOfOpening = this.waysWithTag;
    // The pieces around USER_FIELDS, in order; ids and roles need no escaping.
    const j = this.userJson;
    const ways = p.tags.length > 0 ? this.waysJson.withTag : this.waysJson.without;
    const json = `${j[0]}${jsonOrNull(p.email)}${j[1]}${jsonString(p.firstName)}${j[2]}"${id}"${j[3]}${jsonString(p.lastName)}${j[4]}${jsonOrNull(p.phone)}${j[5]}"${p.role}"${j[6]}${ways}${j[7]}`;
    this.users.push({ doc: user, json });
    this.afterUser(p, id);
  }

  /**
   * As {@link add}, for a person whose user JSON was built elsewhere (the check worker,
   * parallel.ts) around the id: `before` + the id's JSON + `after`. The store checks a
   * sample of these documents in full, as it does the others.
   */
  addBuilt(p: DraftPerson, before: string, after: string): void {
    const id = this.ids.next();
    const user: User = { ...this.user };
    user.id = id;
    user.firstName = p.firstName;
    user.lastName = p.lastName;
    user.email = p.email;
    user.phone = p.phone;
    user.role = p.role;
    if (p.tags.length > 0) user.waysOfOpening = this.waysWithTag;
    this.users.push({ doc: user, json: `${before}"${id}"${after}` });
    this.afterUser(p, id);
  }

  /** A person's tags and access groups, once their user is queued. */
  private afterUser(p: DraftPerson, id: string): void {
    for (const number of p.tags) {
      const existing = this.site.tagsByNumber.get(number);
      if (existing) {
        this.assign.push({ tagId: existing.id, userId: id });
        continue;
      }
      this.pendingTags.numbers.push(number);
      this.pendingTags.userIds.push(id);
    }
    for (const g of p.groupIds) {
      let list = this.members.get(g);
      if (!list) this.members.set(g, (list = []));
      list.push(id);
    }
    this.written.groupMemberships += p.groupIds.length;
    if (this.users.length >= CHUNK) this.flush();
  }

  private flush(): void {
    this.tx.insertBulk("user", this.users);
    this.written.users += this.users.length;
    this.users = [];
  }

  /** The new tags, once their users are written (a tag's user_id is a foreign key). */
  private writeTags(): void {
    const { numbers, userIds } = this.pendingTags;
    for (let from = 0; from < numbers.length; from += CHUNK) {
      const rows: BulkRow<Tag>[] = [];
      for (let i = from; i < Math.min(numbers.length, from + CHUNK); i++) {
        const tag: Tag = { ...this.tag };
        tag.id = this.ids.next();
        tag.number = numbers[i]!;
        tag.userId = userIds[i]!;
        const j = this.tagJson;
        rows.push({ doc: tag, json: `${j[0]}"${tag.id}"${j[1]}"${tag.number}"${j[2]}"${tag.userId}"${j[3]}` });
      }
      this.tx.insertBulk("tag", rows);
    }
    this.written.newTags += numbers.length;
  }

  /** Writes what is left, the tag assignments and the group memberships; returns what was written. */
  finish(): PeopleImportCounts {
    this.flush();
    this.writeTags();
    const { tx } = this;
    for (const a of this.assign) tx.update("tag", a.tagId, (t) => ({ ...t, state: "assigned", userId: a.userId, assignedAt: tx.at }));
    for (const [groupId, userIds] of this.members) tx.update("accessGroup", groupId, (g) => ({ ...g, userIds: [...g.userIds, ...userIds] }));
    return { ...this.written, existingTags: this.assign.length };
  }
}

/**
 * A user's JSON for the check worker (parallel.ts), built as {@link PeopleWriter.add}
 * builds it but without the id, which the writing thread draws: the text before the
 * id's JSON and the text after it.
 */
export function userJsonAround(at: string): (p: DraftPerson) => readonly [string, string] {
  const user = userTemplate(at);
  const j = jsonPieces(user, USER_FIELDS);
  const withTag = JSON.stringify(canonical({ ...user.waysOfOpening, tag: true }));
  const without = JSON.stringify(user.waysOfOpening);
  return (p) => [
    `${j[0]}${jsonOrNull(p.email)}${j[1]}${jsonString(p.firstName)}${j[2]}`,
    `${j[3]}${jsonString(p.lastName)}${j[4]}${jsonOrNull(p.phone)}${j[5]}"${p.role}"${j[6]}${p.tags.length > 0 ? withTag : without}${j[7]}`,
  ];
}
