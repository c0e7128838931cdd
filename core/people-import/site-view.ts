import { nameKey, type Tag } from "../domain/index.ts";
import { emailKey, type PeopleView } from "../rules/people.ts";
import type { StoreTx } from "../store/index.ts";

/** What an import reads of the site: a StoreTx inside the commit, the store for a preview. */
export type SiteReader = Pick<StoreTx, "list">;

/** The site as the row checks need it, read once (not once per row). */
export interface SiteView {
  /** For the user rules (core/rules/people.ts): e-mails in use, the Owner. */
  readonly people: PeopleView;
  /** `emailKey`s in use: most imported addresses are new, and a set answers that fastest. */
  readonly emailKeys: ReadonlySet<string>;
  readonly tagsByNumber: ReadonlyMap<string, Tag>;
  /** Access groups by their unique name key. */
  readonly groupsByName: ReadonlyMap<string, { readonly id: string; readonly name: string }>;
}

/**
 * Reads the users, tags and access groups once. Sites hold thousands of people, not
 * millions; a site that already has 100,000 users takes about a fifth of a second.
 */
export function readSiteView(r: SiteReader): SiteView {
  const byEmail = new Map<string, { id: string; firstName: string; lastName: string }>();
  const owners: string[] = [];
  for (const u of r.list("user")) {
    if (u.email !== null) byEmail.set(emailKey(u.email), u);
    if (u.role === "owner") owners.push(u.id);
  }
  return {
    people: { ownerIds: () => owners, userWithEmail: (email) => byEmail.get(emailKey(email)) },
    emailKeys: new Set(byEmail.keys()),
    tagsByNumber: new Map(r.list("tag").map((t) => [t.number, t])),
    groupsByName: new Map(r.list("accessGroup").map((g) => [nameKey(g.name), { id: g.id, name: g.name }])),
  };
}
