import { Tag, User } from "../domain/index.ts";
import type { IdSource } from "../ports/ids.ts";
import { canonicalJson } from "../store/canonical-json.ts";
import type { ColumnValue } from "../store/entities.ts";
import type { StoreTx } from "../store/index.ts";
import { BLOCK_ROWS } from "../store/bulk-insert.ts";
import { searchKey } from "../store/user-search-keys.ts";
import type { DraftPerson } from "./check.ts";
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

/** People (and tags) written per bulk insert: one of its statements' blocks, and few enough that rows die young. */
const CHUNK = BLOCK_ROWS;

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
 * A checked person as the rows they become, appended to a flat list (the check
 * worker's message, parallel.ts, or this thread's scratch list), in this layout:
 *
 *   user id, user JSON, first-name key, last-name key, e-mail key,   (the user's row)
 *   access group ids joined by "," (or ""),
 *   n, then n × (tag id, tag JSON, tag number),                      (new tags' rows, but user_id)
 *   m, then m × (id of a free tag of the site they are given)
 *
 * Rows are made fast and in canonical form, with no document objects: a document's
 * JSON is a template's (the schema's defaults, parsed once and key-sorted) cut around
 * the values a file gives (`jsonPieces`) and joined with them, without sorting keys
 * 200,000 times; a schema that gains a defaulted field is followed automatically. The
 * store checks a sample of the rows in full (schema, canonical JSON, id, columns), and
 * so do the tests. A person with a tag gets Tag as a way of opening.
 *
 * Strings are joined from arrays, not concatenated: `a + b` (or a template) makes a
 * rope, which better-sqlite3 must flatten before it binds it (measured on 100,000
 * users: 100-250 ms of writing), while a joined string is flat from the start.
 *
 * Ids come from `ids` in the order of the rows (a user, then their new tags), so the
 * same people and the same `importIds` give the same ids on any thread.
 */
export class PersonRows {
  private readonly user: readonly string[];
  private readonly tag: readonly string[];
  private readonly ways: { readonly withTag: string; readonly without: string };

  constructor(
    at: string,
    private readonly site: Pick<SiteView, "tagsByNumber">,
    private readonly ids: IdSource,
  ) {
    const user = userTemplate(at);
    this.user = jsonPieces(user, USER_FIELDS);
    this.ways = { withTag: JSON.stringify(canonical({ ...user.waysOfOpening, tag: true })), without: JSON.stringify(user.waysOfOpening) };
    this.tag = jsonPieces(canonical(Tag.parse({ id: PLACEHOLDER_ID, number: "0000", state: "assigned", userId: PLACEHOLDER_ID, assignedAt: at })), TAG_FIELDS);
  }

  /** Appends `p`'s values to `out` (see the layout above). */
  encode(out: ColumnValue[], p: DraftPerson): void {
    const id = this.ids.next();
    const j = this.user;
    const ways = p.tags.length > 0 ? this.ways.withTag : this.ways.without;
    // The pieces around USER_FIELDS, in order; ids and roles need no escaping.
    const json = [j[0], jsonOrNull(p.email), j[1], jsonString(p.firstName), j[2], '"', id, '"', j[3], jsonString(p.lastName), j[4], jsonOrNull(p.phone), j[5], '"', p.role, '"', j[6], ways, j[7]].join("");
    out.push(id, json, searchKey(p.firstName), searchKey(p.lastName), p.email === null ? null : searchKey(p.email), p.groupIds.join(","));
    const { tagsByNumber } = this.site;
    const t = this.tag;
    const newAt = out.push(0) - 1;
    for (const number of p.tags) {
      if (tagsByNumber.has(number)) continue;
      const tagId = this.ids.next();
      out.push(tagId, [t[0], '"', tagId, '"', t[1], '"', number, '"', t[2], '"', id, '"', t[3]].join(""), number);
      (out[newAt] as number)++;
    }
    const freeAt = out.push(0) - 1;
    for (const number of p.tags) {
      const free = tagsByNumber.get(number);
      if (free === undefined) continue;
      out.push(free.id);
      (out[freeAt] as number)++;
    }
  }
}

/** Values of a user's row in a person's layout, and of a new tag's (but its user id). */
const USER_WIDTH = 5;
const TAG_VALUES = 3;

/** Where the person starting at `at` ends (see PersonRows' layout). */
function personEnd(values: readonly ColumnValue[], at: number): number {
  const tagsAt = at + USER_WIDTH + 1;
  const freeAt = tagsAt + 1 + (values[tagsAt] as number) * TAG_VALUES;
  return freeAt + 1 + (values[freeAt] as number);
}

/**
 * Writes checked people inside the caller's action as they come: users and their new
 * tags in bulk (bulk-insert.ts: blocks of rows per statement, compact journal), then
 * the site's free tags the file gives out and the access groups it fills, as ordinary
 * journaled updates. People arrive as PersonRows made them, on this thread or the
 * check worker's; the writer only copies values into the store's flat rows.
 *
 * A chunk's new tags are written right after its users (a tag's user_id is a foreign
 * key) and dropped: holding 100,000 tags' rows to the end made every young-generation
 * collection copy them, which measured on 100,000 people cost the writing thread
 * 50-60 ms and the collector's helper threads about 150 ms of CPU, which on two cores
 * is taken from the writer.
 */
export class PeopleWriter {
  private users: ColumnValue[] = [];
  /** The new tags of `users`: id, JSON, number, user id. */
  private tags: ColumnValue[] = [];
  private readonly assign: { readonly tagId: string; readonly userId: string }[] = [];
  private readonly members = new Map<string, string[]>();
  private written = { users: 0, newTags: 0, groupMemberships: 0 };

  constructor(private readonly tx: StoreTx) {}

  /** Writes the people encoded in `values` (PersonRows' layout), but the first `skip`; gives how many it wrote. */
  addEncoded(values: readonly ColumnValue[], skip = 0): number {
    let added = 0;
    for (let at = 0, n = 0; at < values.length; n++) {
      const end = personEnd(values, at);
      if (n >= skip) {
        this.addPerson(values, at);
        added++;
      }
      at = end;
    }
    return added;
  }

  private addPerson(v: readonly ColumnValue[], at: number): void {
    const id = v[at] as string;
    for (let c = 0; c < USER_WIDTH; c++) this.users.push(v[at + c]!);
    const groups = v[at + USER_WIDTH] as string;
    if (groups !== "") {
      const ids = groups.split(",");
      for (const g of ids) {
        let list = this.members.get(g);
        if (!list) this.members.set(g, (list = []));
        list.push(id);
      }
      this.written.groupMemberships += ids.length;
    }
    let i = at + USER_WIDTH + 1;
    for (let n = v[i++] as number; n > 0; n--, i += TAG_VALUES) this.tags.push(v[i]!, v[i + 1]!, v[i + 2]!, id);
    for (let m = v[i++] as number; m > 0; m--) this.assign.push({ tagId: v[i++] as string, userId: id });
    if (this.users.length >= CHUNK * USER_WIDTH) this.flush();
  }

  /** Writes the users held and then their new tags, by chunks. */
  private flush(): void {
    this.tx.insertBulk("user", { width: USER_WIDTH, values: this.users });
    this.written.users += this.users.length / USER_WIDTH;
    this.users = [];
    for (let from = 0; from < this.tags.length; from += CHUNK * TAG_WIDTH) {
      this.tx.insertBulk("tag", { width: TAG_WIDTH, values: this.tags.slice(from, from + CHUNK * TAG_WIDTH) });
    }
    this.written.newTags += this.tags.length / TAG_WIDTH;
    this.tags = [];
  }

  /** Writes what is left, the tag assignments and the group memberships; returns what was written. */
  finish(): PeopleImportCounts {
    this.flush();
    const { tx } = this;
    for (const a of this.assign) tx.update("tag", a.tagId, (t) => ({ ...t, state: "assigned", userId: a.userId, assignedAt: tx.at }));
    for (const [groupId, userIds] of this.members) tx.update("accessGroup", groupId, (g) => ({ ...g, userIds: [...g.userIds, ...userIds] }));
    return { ...this.written, existingTags: this.assign.length };
  }
}

/** Values of a tag's row: id, JSON, number, user id. */
const TAG_WIDTH = 4;
