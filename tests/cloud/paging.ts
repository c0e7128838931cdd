import { createHmac, timingSafeEqual } from "node:crypto";
import { invalidValue, type Req } from "./http-kit.ts";
import { compareKeys, matches, parseFilter, parseOrderBy, sortKeyOf, type FilterNode, type OrderKey } from "./odata.ts";

/**
 * Lists with `$filter`, `$orderby`, `$top` and continuation tokens (API.md §6). Paging
 * is keyset-based: the token carries the sort key of the last row looked at, signed
 * and bound to the query, so a client cannot forge one or reuse it on another list.
 * Each request scans at most `scanBudget` rows, so a selective filter can answer an
 * empty page that still carries a token, as the vendor's API may.
 */

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export interface ListQuery {
  readonly filter: FilterNode | null;
  readonly order: readonly OrderKey[];
  readonly top: number;
  readonly after: readonly unknown[] | null;
  readonly binding: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly token: string | null;
}

/** Reads the list parameters; `scope` names the list (site + resource) the token is bound to. */
export function readListQuery(req: Req, scope: string, isField: (name: string) => boolean, secret: string): ListQuery {
  const filterSrc = req.query.get("$filter");
  const orderSrc = req.query.get("$orderby");
  const filter = filterSrc === null ? null : parseFilter(filterSrc, isField);
  const order = orderSrc === null ? [] : parseOrderBy(orderSrc, isField);
  const topSrc = req.query.get("$top");
  let top = DEFAULT_PAGE;
  if (topSrc !== null) {
    if (!/^\d{1,4}$/.test(topSrc) || Number(topSrc) < 1 || Number(topSrc) > MAX_PAGE) throw invalidValue("$top", { min: 1, max: MAX_PAGE });
    top = Number(topSrc);
  }
  const binding = JSON.stringify([scope, filterSrc, orderSrc]);
  const headerToken = req.headers["x-continuation-token"];
  const tokenSrc = req.query.get("continuation_token") ?? (typeof headerToken === "string" ? headerToken : null);
  const after = tokenSrc === null ? null : readToken(tokenSrc, binding, secret);
  return { filter, order, top, after, binding };
}

function sign(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url").slice(0, 22);
}

function writeToken(key: readonly unknown[], binding: string, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ b: binding, k: key })).toString("base64url");
  return `${payload}.${sign(payload, secret)}`;
}

function readToken(token: string, binding: string, secret: string): unknown[] {
  const bad = () => invalidValue("continuation_token");
  const [payload, mac, ...rest] = token.split(".");
  if (!payload || !mac || rest.length > 0) throw bad();
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const p = parsed as { b?: unknown; k?: unknown };
  if (p.b !== binding || !Array.isArray(p.k)) throw bad();
  return p.k;
}

/** One page of `docs` (each a JSON document with an `id`) for the query. */
export function pageOf<T>(docs: readonly T[], q: ListQuery, secret: string, scanBudget: number): Page<T> {
  const keyed = docs.map((d) => ({ d, k: sortKeyOf(d, q.order) }));
  keyed.sort((a, b) => compareKeys(a.k, b.k, q.order));
  let i = 0;
  if (q.after !== null) {
    const after = q.after;
    // First row strictly after the token's key (binary search over the sorted rows).
    let lo = 0;
    let hi = keyed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(keyed[mid]!.k, after, q.order) <= 0) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
  }
  const items: T[] = [];
  let scanned = 0;
  let lastKey: unknown[] | null = null;
  while (i < keyed.length && items.length < q.top && scanned < scanBudget) {
    const row = keyed[i]!;
    if (q.filter === null || matches(q.filter, row.d)) items.push(row.d);
    lastKey = row.k;
    scanned++;
    i++;
  }
  const more = i < keyed.length && lastKey !== null;
  return { items, token: more ? writeToken(lastKey!, q.binding, secret) : null };
}
