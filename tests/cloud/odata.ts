import { KsError } from "../../core/errors/index.ts";

/**
 * The OData subset the emulator understands (API.md §6): `$filter` with eq ne gt lt
 * ge le, and or not, parentheses, contains/startswith/endswith; `$orderby` with asc
 * and desc. Parsed once into a small AST and evaluated over the API's JSON documents;
 * anything outside the subset is KS 1102.
 */

type Literal = string | number | boolean | null;

export type FilterNode =
  | { readonly kind: "and" | "or"; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: "not"; readonly operand: FilterNode }
  | { readonly kind: "cmp"; readonly op: CmpOp; readonly left: Operand; readonly right: Operand }
  | { readonly kind: "call"; readonly fn: StringFn; readonly field: readonly string[]; readonly arg: string };

type Operand = { readonly kind: "field"; readonly path: readonly string[] } | { readonly kind: "literal"; readonly value: Literal };

const CMP_OPS = ["eq", "ne", "gt", "lt", "ge", "le"] as const;
type CmpOp = (typeof CMP_OPS)[number];
const STRING_FNS = ["contains", "startswith", "endswith"] as const;
type StringFn = (typeof STRING_FNS)[number];

type Token =
  | { readonly t: "word"; readonly v: string; readonly at: number }
  | { readonly t: "string"; readonly v: string; readonly at: number }
  | { readonly t: "number"; readonly v: number; readonly at: number }
  | { readonly t: "punct"; readonly v: "(" | ")" | ","; readonly at: number };

export function badFilter(reason: string, position?: number, parameter = "$filter"): KsError {
  return new KsError(1102, { details: { parameter, reason, ...(position === undefined ? {} : { position }) } });
}

function tokenize(src: string, parameter: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      out.push({ t: "punct", v: c, at: i });
      i++;
    } else if (c === "'") {
      let v = "";
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw badFilter("unterminated string", i, parameter);
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += src[j];
        j++;
      }
      out.push({ t: "string", v, at: i });
      i = j + 1;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(src.slice(i));
      if (!m) throw badFilter(`unexpected '${c}'`, i, parameter);
      out.push({ t: "number", v: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i))!;
      out.push({ t: "word", v: m[0], at: i });
      i += m[0].length;
    } else {
      throw badFilter(`unexpected '${c}'`, i, parameter);
    }
  }
  return out;
}

/** Parses `$filter`; `isField(first segment)` says which names the resource has. */
export function parseFilter(src: string, isField: (name: string) => boolean): FilterNode {
  if (src.length > 4000) throw badFilter("the filter is longer than 4000 characters");
  const tokens = tokenize(src, "$filter");
  let pos = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[pos];
  const atEnd = (): number => (tokens[pos]?.at ?? src.length);
  const isWord = (v: string): boolean => {
    const t = peek();
    return t?.t === "word" && t.v === v;
  };
  const expectPunct = (v: "(" | ")" | ","): void => {
    const t = peek();
    if (t?.t !== "punct" || t.v !== v) throw badFilter(`expected '${v}'`, atEnd());
    pos++;
  };

  const field = (t: Token & { t: "word" }): readonly string[] => {
    const path = t.v.split("/");
    if (!isField(path[0]!)) throw badFilter(`unknown field '${path[0]}'`, t.at);
    return path;
  };

  const operand = (): Operand => {
    const t = peek();
    if (!t) throw badFilter("expected a value", src.length);
    pos++;
    if (t.t === "string" || t.t === "number") return { kind: "literal", value: t.v };
    if (t.t === "word") {
      if (t.v === "true" || t.v === "false") return { kind: "literal", value: t.v === "true" };
      if (t.v === "null") return { kind: "literal", value: null };
      if ((CMP_OPS as readonly string[]).includes(t.v) || ["and", "or", "not"].includes(t.v)) throw badFilter(`expected a value, found '${t.v}'`, t.at);
      return { kind: "field", path: field(t) };
    }
    throw badFilter(`expected a value, found '${t.v}'`, t.at);
  };

  const primary = (): FilterNode => {
    const t = peek();
    if (!t) throw badFilter("expected an expression", src.length);
    if (t.t === "punct" && t.v === "(") {
      pos++;
      if (++depth > 32) throw badFilter("parentheses nest too deep", t.at);
      const inner = or();
      depth--;
      expectPunct(")");
      return inner;
    }
    if (t.t === "word" && (STRING_FNS as readonly string[]).includes(t.v) && tokens[pos + 1]?.t === "punct" && tokens[pos + 1]?.v === "(") {
      pos += 2;
      const f = peek();
      if (f?.t !== "word") throw badFilter("expected a field", atEnd());
      pos++;
      const path = field(f);
      expectPunct(",");
      const a = peek();
      if (a?.t !== "string") throw badFilter(`${t.v} takes a string`, atEnd());
      pos++;
      expectPunct(")");
      return { kind: "call", fn: t.v as StringFn, field: path, arg: a.v };
    }
    const left = operand();
    const op = peek();
    if (op?.t !== "word" || !(CMP_OPS as readonly string[]).includes(op.v)) throw badFilter("expected eq, ne, gt, lt, ge or le", atEnd());
    pos++;
    const right = operand();
    const cmp = op.v as CmpOp;
    const hasNull = (o: Operand) => o.kind === "literal" && o.value === null;
    if (cmp !== "eq" && cmp !== "ne" && (hasNull(left) || hasNull(right))) throw badFilter(`null only compares with eq or ne`, op.at);
    if (left.kind === "literal" && right.kind === "literal") throw badFilter("a comparison needs a field", op.at);
    return { kind: "cmp", op: cmp, left, right };
  };

  const not = (): FilterNode => {
    if (isWord("not")) {
      pos++;
      return { kind: "not", operand: not() };
    }
    return primary();
  };
  const and = (): FilterNode => {
    let left = not();
    while (isWord("and")) {
      pos++;
      left = { kind: "and", left, right: not() };
    }
    return left;
  };
  const or = (): FilterNode => {
    let left = and();
    while (isWord("or")) {
      pos++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };

  if (tokens.length === 0) throw badFilter("the filter is empty", 0);
  const tree = or();
  if (pos < tokens.length) throw badFilter(`unexpected '${String(tokens[pos]!.v)}'`, tokens[pos]!.at);
  return tree;
}

/** The value at a field path of a document; a missing value reads as null. */
export function valueAt(doc: unknown, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
    v = (v as Record<string, unknown>)[key];
    if (v === undefined) return null;
  }
  return v;
}

function operandValue(o: Operand, doc: unknown): unknown {
  return o.kind === "literal" ? o.value : valueAt(doc, o.path);
}

function compare(op: CmpOp, a: unknown, b: unknown): boolean {
  if (op === "eq" || op === "ne") {
    const scalar = (v: unknown) => v === null || typeof v !== "object";
    const equal = scalar(a) && scalar(b) && a === b;
    return op === "eq" ? equal : !equal;
  }
  const ordered = (typeof a === "string" && typeof b === "string") || (typeof a === "number" && typeof b === "number");
  if (!ordered) return false;
  const x = a as string | number;
  const y = b as string | number;
  switch (op) {
    case "gt":
      return x > y;
    case "lt":
      return x < y;
    case "ge":
      return x >= y;
    case "le":
      return x <= y;
  }
}

export function matches(node: FilterNode, doc: unknown): boolean {
  switch (node.kind) {
    case "and":
      return matches(node.left, doc) && matches(node.right, doc);
    case "or":
      return matches(node.left, doc) || matches(node.right, doc);
    case "not":
      return !matches(node.operand, doc);
    case "cmp":
      return compare(node.op, operandValue(node.left, doc), operandValue(node.right, doc));
    case "call": {
      const v = valueAt(doc, node.field);
      if (typeof v !== "string") return false;
      if (node.fn === "contains") return v.includes(node.arg);
      if (node.fn === "startswith") return v.startsWith(node.arg);
      return v.endsWith(node.arg);
    }
  }
}

export interface OrderKey {
  readonly path: readonly string[];
  readonly desc: boolean;
}

/** Parses `$orderby` ("a desc, b/c asc"); 1102 on anything else. */
export function parseOrderBy(src: string, isField: (name: string) => boolean): OrderKey[] {
  const keys = src.split(",").map((part, i) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw badFilter(`cannot read order key ${i + 1}`, undefined, "$orderby");
    const path = m[1]!.split("/");
    if (!isField(path[0]!)) throw badFilter(`unknown field '${path[0]}'`, undefined, "$orderby");
    return { path, desc: m[2] === "desc" };
  });
  if (keys.length > 8) throw badFilter("at most 8 order keys", undefined, "$orderby");
  return keys;
}

/** A total order over sort values: null < booleans < numbers < strings < the rest. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number => (v === null || v === undefined ? 0 : typeof v === "boolean" ? 1 : typeof v === "number" ? 2 : typeof v === "string" ? 3 : 4);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 || ra === 2) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (ra === 3) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 4) return compareValues(JSON.stringify(a), JSON.stringify(b));
  return 0;
}

/** The sort key of a document: the order values, then its id (ties are ordered by id). */
export function sortKeyOf(doc: unknown, order: readonly OrderKey[]): unknown[] {
  const v = order.map((k) => {
    const x = valueAt(doc, k.path);
    return x !== null && typeof x === "object" ? JSON.stringify(x) : x;
  });
  v.push(valueAt(doc, ["id"]));
  return v;
}

export function compareKeys(a: readonly unknown[], b: readonly unknown[], order: readonly OrderKey[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return i < order.length && order[i]!.desc ? -c : c;
  }
  return 0;
}
