import { Tag, User } from "../domain/index.ts";
import type { IdSource } from "../ports/ids.ts";
import type { BulkRow } from "../store/bulk-insert.ts";
import { canonicalJson } from "../store/canonical-json.ts";
import type { StoreTx } from "../store/index.ts";
import { searchKey } from "../store/user-search-keys.ts";
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
 * Rows are made fast and in canonical form, with no document objects: a user's JSON
 * is a template's (the schema's defaults, parsed once and key-sorted) cut around the
 * values a file gives (`jsonPieces`) and joined with them, without sorting keys
 * 200,000 times; a schema that gains a defaulted field is followed automatically.
 * The row's columns (search keys, tag number and user) come with it. The store checks
 * a sample of the rows in full (schema, canonical JSON, id, columns), and so do the
 * tests.
 *
 * A document's JSON is joined from an array, not concatenated: `a + b` (or a template)
 * makes a rope that better-sqlite3 must flatten before it binds it, while a joined
 * string is flat from the start. Measured on 100,000 users: 100-250 ms less writing.
 */
export class PeopleWriter {
  private readonly json: UserJson;
  private readonly tagJson: readonly string[];
  private users: BulkRow[] = [];
  /**
   * New tags, written once their users are (a tag's user_id is a foreign key): while
   * the writer waits for the check worker ({@link writeSomeTags}) and at the end. Each
   * tag's id is drawn with its user's, so the ids do not depend on when that happens.
   */
  private readonly pendingTags: { ids: string[]; numbers: string[]; userIds: string[] } = { ids: [], numbers: [], userIds: [] };
  /** Pending tags written so far, and those whose users are written (may be written now). */
  private tagsWritten = 0;
  private tagsReady = 0;
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
    this.json = userJson(tx.at);
    const tag = canonical(Tag.parse({ id: PLACEHOLDER_ID, number: "0000", state: "assigned", userId: PLACEHOLDER_ID, assignedAt: tx.at }));
    this.tagJson = jsonPieces(tag, TAG_FIELDS);
  }

  /** A checked person: their user row, then their tags and groups. */
  add(p: DraftPerson): void {
    const [before, after] = this.json.around(p);
    this.addChecked(before, after, searchKey(p.firstName), searchKey(p.lastName), p.email === null ? null : searchKey(p.email), p.tags, p.groupIds);
  }

  /**
   * As {@link add}, for a person checked elsewhere (the check worker, parallel.ts): the
   * user's JSON around its id (see {@link userJson}) and search keys, their tag numbers
   * and access group ids. The store checks a sample of the rows in full.
   */
  addChecked(before: string, after: string, firstKey: string, lastKey: string, emailKey: string | null, tags: readonly string[], groupIds: readonly string[]): void {
    const id = this.ids.next();
    this.users.push([id, [before, id, after].join(""), firstKey, lastKey, emailKey]);
    for (const number of tags) {
      const existing = this.site.tagsByNumber.get(number);
      if (existing) {
        this.assign.push({ tagId: existing.id, userId: id });
        continue;
      }
      this.pendingTags.ids.push(this.ids.next());
      this.pendingTags.numbers.push(number);
      this.pendingTags.userIds.push(id);
    }
    for (const g of groupIds) {
      let list = this.members.get(g);
      if (!list) this.members.set(g, (list = []));
      list.push(id);
    }
    this.written.groupMemberships += groupIds.length;
    if (this.users.length >= CHUNK) this.flush();
  }

  private flush(): void {
    this.tx.insertBulk("user", this.users);
    this.written.users += this.users.length;
    this.users = [];
    this.tagsReady = this.pendingTags.ids.length;
  }

  /**
   * Writes one chunk of the new tags whose users are written, if there is one; says
   * whether it wrote. For a writer that would otherwise wait (parallel.ts): the tags
   * then cost no time of their own.
   */
  writeSomeTags(): boolean {
    const to = Math.min(this.tagsReady, this.tagsWritten + CHUNK);
    if (to === this.tagsWritten) return false;
    const { ids, numbers, userIds } = this.pendingTags;
    const j = this.tagJson;
    const rows: BulkRow[] = [];
    for (let i = this.tagsWritten; i < to; i++) {
      const [id, number, userId] = [ids[i]!, numbers[i]!, userIds[i]!];
      rows.push([id, [j[0], '"', id, '"', j[1], '"', number, '"', j[2], '"', userId, '"', j[3]].join(""), number, userId]);
    }
    this.tx.insertBulk("tag", rows);
    this.written.newTags += rows.length;
    this.tagsWritten = to;
    return true;
  }

  /** Writes what is left, the tag assignments and the group memberships; returns what was written. */
  finish(): PeopleImportCounts {
    this.flush();
    while (this.writeSomeTags());
    const { tx } = this;
    for (const a of this.assign) tx.update("tag", a.tagId, (t) => ({ ...t, state: "assigned", userId: a.userId, assignedAt: tx.at }));
    for (const [groupId, userIds] of this.members) tx.update("accessGroup", groupId, (g) => ({ ...g, userIds: [...g.userIds, ...userIds] }));
    return { ...this.written, existingTags: this.assign.length };
  }
}

/** How an imported person's user JSON is made, stamped `at`. */
export interface UserJson {
  /**
   * The user's JSON but the id, which the writing thread draws: the text up to the
   * id's opening quote and from its closing quote, so the JSON is `before + id + after`.
   */
  around(p: DraftPerson): readonly [before: string, after: string];
}

/**
 * The user JSON of imported people: the template's JSON cut around the values a file
 * gives (USER_FIELDS), the pieces joined with each person's values. A person with a
 * tag gets Tag as a way of opening. Ids and roles need no escaping.
 */
export function userJson(at: string): UserJson {
  const user = userTemplate(at);
  const j = jsonPieces(user, USER_FIELDS);
  const withTag = JSON.stringify(canonical({ ...user.waysOfOpening, tag: true }));
  const without = JSON.stringify(user.waysOfOpening);
  return {
    around: (p) => [
      [j[0], jsonOrNull(p.email), j[1], jsonString(p.firstName), j[2], '"'].join(""),
      ['"', j[3], jsonString(p.lastName), j[4], jsonOrNull(p.phone), j[5], '"', p.role, '"', j[6], p.tags.length > 0 ? withTag : without, j[7]].join(""),
    ],
  };
}
