import type { z } from "zod";
import { Site } from "../domain/index.ts";
import { ENTITIES, type EntityName, type EntityOf } from "../store/index.ts";

/**
 * How Lintel's entities travel to and from the KS cloud (tests/cloud/API.md §4): the
 * entity's document with every key in snake_case at every depth, the vendor's names
 * for two keys, and no id in the body (it travels in the path or the change).
 */

/** The cloud collection of each entity that the cloud keeps; the others stay on the laptop. */
export const RESOURCE_OF: Readonly<Partial<Record<EntityName, string>>> = Object.freeze({
  floor: "floors",
  door: "doors",
  lock: "locks",
  iq: "iqs",
  repeater: "repeaters",
  user: "users",
  tag: "tags",
  schedule: "schedules",
  accessGroup: "access-groups",
  pod: "pods",
  podGuest: "pod-guests",
});

const ENTITY_OF_RESOURCE: ReadonlyMap<string, EntityName> = new Map(Object.entries(RESOURCE_OF).map(([e, r]) => [r, e as EntityName]));

/** The IQ tree document's collection in the batch and the feed. */
export const IQ_TREES = "iq-trees";

export function entityOfResource(resource: string): EntityName | undefined {
  return resource === "site" ? "site" : ENTITY_OF_RESOURCE.get(resource);
}

/** Whether an entity is synced at all (the site itself travels as the site document). */
export function isSynced(entity: EntityName): boolean {
  return entity === "site" || RESOURCE_OF[entity] !== undefined;
}

/** Vendor names that replace Lintel's key, per entity (top level only). */
const RENAMES: Readonly<Partial<Record<EntityName, Readonly<Record<string, string>>>>> = {
  lock: { name: "customer_reference", link_state: "iq_link_state" },
  iq: { name: "customer_reference" },
  repeater: { name: "customer_reference", link_state: "iq_link_state" },
};

/** Keys the cloud adds on reads and ignores on writes. */
const READ_ONLY = new Set(["id", "version", "updated_at"]);

/** Key spellings seen so far: documents repeat the same few dozen keys thousands of times. */
const snakeOf = new Map<string, string>();
const camelOf = new Map<string, string>();
const MEMO_LIMIT = 4096;

export function snakeKey(k: string): string {
  let v = snakeOf.get(k);
  if (v === undefined) {
    v = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snakeOf.size < MEMO_LIMIT) snakeOf.set(k, v);
  }
  return v;
}

export function camelKey(k: string): string {
  let v = camelOf.get(k);
  if (v === undefined) {
    v = k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (camelOf.size < MEMO_LIMIT) camelOf.set(k, v);
  }
  return v;
}

function mapKeys(value: unknown, key: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, key));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[key(k)] = mapKeys((value as Record<string, unknown>)[k], key);
  return out;
}

/** A Lintel document as the cloud's body: snake_case, vendor names, no id. */
export function toCloudBody(entity: EntityName, doc: unknown): Record<string, unknown> {
  const snake = mapKeys(doc, snakeKey) as Record<string, unknown>;
  const renames = RENAMES[entity] ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(snake)) {
    if (k === "id") continue;
    out[renames[k] ?? k] = v;
  }
  return out;
}

/**
 * A cloud body back into a Lintel document, checked with the entity's schema; a body
 * Lintel cannot read gives `{ ok: false }` with the issues.
 */
export function fromCloudBody<N extends EntityName>(
  entity: N,
  id: string,
  body: unknown,
): { ok: true; doc: EntityOf<N> } | { ok: false; issues: z.core.$ZodIssue[]; raw: Record<string, unknown> } {
  const reverse = Object.fromEntries(Object.entries(RENAMES[entity] ?? {}).map(([lintel, cloud]) => [cloud, lintel]));
  const top: Record<string, unknown> = {};
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) {
      if (READ_ONLY.has(k)) continue;
      top[reverse[k] ?? k] = v;
    }
  }
  const camel = mapKeys(top, camelKey) as Record<string, unknown>;
  const parsed = (ENTITIES[entity].schema as z.ZodType).safeParse({ ...camel, id });
  return parsed.success ? { ok: true, doc: parsed.data as EntityOf<N> } : { ok: false, issues: parsed.error.issues, raw: { ...camel, id } };
}

/** The site document as `PUT /v1/sites/{id}` takes it. */
export function toCloudSite(doc: unknown): Record<string, unknown> {
  const s = Site.parse(doc);
  return { name: s.name, address: s.address, timezone: s.timezone, stage: s.stage, created_at: s.createdAt };
}

/**
 * The cloud's site document as Lintel's `Site`: the fields the cloud keeps for the
 * site, the subscription it holds, and `createdAt` as sent.
 */
export function fromCloudSite(id: string, body: unknown): { ok: true; doc: Site } | { ok: false; issues: z.core.$ZodIssue[] } {
  const b = (body !== null && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const sub = b["subscription"] as { plan?: unknown; valid_until?: unknown } | null | undefined;
  const parsed = Site.safeParse({
    id,
    name: b["name"],
    address: b["address"] ?? "",
    timezone: b["timezone"] ?? "UTC",
    stage: b["stage"] ?? "planning",
    subscription: sub && typeof sub === "object" ? { plan: sub.plan, validUntil: sub.valid_until } : null,
    createdAt: b["created_at"],
  });
  return parsed.success ? { ok: true, doc: parsed.data } : { ok: false, issues: parsed.error.issues };
}
