import type { z } from "zod";
import { AccessGroup, Door, Floor, Iq, Lock, Pod, PodGuest, Repeater, Schedule, Tag, User } from "../../core/domain/index.ts";
import { emailKey } from "../../core/rules/people.ts";
import { issuesOf, badRequest, snakeKey, toCamel, toSnake } from "./http-kit.ts";

/**
 * The site content the cloud keeps (API.md §4): per collection, the Lintel domain
 * schema that checks every write, the vendor's names for two keys, the references
 * that must exist (mirroring the site file's foreign keys, so that what Lintel can
 * store the cloud accepts in journal order), and the values unique in a site.
 */

export const RESOURCE_NAMES = ["floors", "doors", "locks", "iqs", "repeaters", "users", "tags", "schedules", "access-groups", "pods", "pod-guests"] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

export const isResource = (s: string): s is ResourceName => (RESOURCE_NAMES as readonly string[]).includes(s);

/** A domain document: what the zod schemas of core/domain produce. */
export type DomainDoc = { readonly id: string } & Record<string, unknown>;

export interface Reference {
  /** The API field, for the 1101 message ("Value of 'door_id' is invalid."). */
  readonly field: string;
  readonly resource: ResourceName;
  readonly ids: readonly string[];
  /**
   * Checked after the rules, which answer a more precise refusal for it (2214 for a
   * pod's locks, `access-group.unknown_*` for a group's members).
   */
  readonly afterRules?: boolean;
}

export type LookupKind = "tag-number" | "user-email" | "user-owner";

export interface ResourceSpec {
  readonly name: ResourceName;
  readonly schema: z.ZodType;
  /** Top-level domain key → API key, where the vendor's name differs. */
  readonly renames: Readonly<Record<string, string>>;
  readonly references: (doc: DomainDoc) => readonly Reference[];
  /** Values the rules look up without scanning (tag numbers, e-mails, the Owner). */
  readonly lookups: (doc: DomainDoc) => readonly { readonly kind: LookupKind; readonly value: string }[];
  /** Domain keys the client cannot write (kept from the stored document). */
  readonly readOnly: readonly string[];
  /** The writer fills `createdAt` with the time of the write when the client leaves it out. */
  readonly stampsCreatedAt: boolean;
}

/** The wire name of a resource's singular id parameter, for 1101 messages. */
export const ID_PARAM: Readonly<Record<ResourceName, string>> = {
  floors: "floor_id",
  doors: "door_id",
  locks: "lock_id",
  iqs: "iq_id",
  repeaters: "repeater_id",
  users: "user_id",
  tags: "tag_id",
  schedules: "schedule_id",
  "access-groups": "access_group_id",
  pods: "pod_id",
  "pod-guests": "pod_guest_id",
};

const DEVICE_NAMES = { name: "customer_reference" } as const;
const LINKED_DEVICE_NAMES = { name: "customer_reference", linkState: "iq_link_state" } as const;

const str = (v: unknown): string[] => (typeof v === "string" ? [v] : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const floorOfPosition = (d: DomainDoc): string[] => str((d["position"] as { floorId?: unknown } | null)?.floorId);

function spec(s: Pick<ResourceSpec, "name" | "schema"> & Partial<ResourceSpec>): ResourceSpec {
  return Object.freeze({ renames: {}, references: () => [], lookups: () => [], readOnly: [], stampsCreatedAt: false, ...s });
}

export const RESOURCES: Readonly<Record<ResourceName, ResourceSpec>> = {
  floors: spec({ name: "floors", schema: Floor }),
  doors: spec({ name: "doors", schema: Door, references: (d) => [{ field: "floor_id", resource: "floors", ids: str(d["floorId"]) }] }),
  locks: spec({
    name: "locks",
    schema: Lock,
    renames: LINKED_DEVICE_NAMES,
    readOnly: ["parent"],
    references: (d) => [{ field: "door_id", resource: "doors", ids: str(d["doorId"]) }],
  }),
  iqs: spec({ name: "iqs", schema: Iq, renames: DEVICE_NAMES, references: (d) => [{ field: "position.floor_id", resource: "floors", ids: floorOfPosition(d) }] }),
  repeaters: spec({
    name: "repeaters",
    schema: Repeater,
    renames: LINKED_DEVICE_NAMES,
    readOnly: ["parent"],
    references: (d) => [{ field: "position.floor_id", resource: "floors", ids: floorOfPosition(d) }],
  }),
  users: spec({
    name: "users",
    schema: User,
    stampsCreatedAt: true,
    lookups: (d) => [
      ...(typeof d["email"] === "string" ? [{ kind: "user-email" as const, value: emailKey(d["email"]) }] : []),
      ...(d["role"] === "owner" ? [{ kind: "user-owner" as const, value: "owner" }] : []),
    ],
  }),
  tags: spec({
    name: "tags",
    schema: Tag,
    references: (d) => [{ field: "user_id", resource: "users", ids: str(d["userId"]) }],
    lookups: (d) => [{ kind: "tag-number", value: String(d["number"]) }],
  }),
  schedules: spec({ name: "schedules", schema: Schedule }),
  "access-groups": spec({
    name: "access-groups",
    schema: AccessGroup,
    references: (d) => [
      { field: "lock_ids", resource: "locks", ids: strs(d["lockIds"]), afterRules: true },
      { field: "schedule_ids", resource: "schedules", ids: strs(d["scheduleIds"]), afterRules: true },
      { field: "user_ids", resource: "users", ids: strs(d["userIds"]), afterRules: true },
    ],
  }),
  pods: spec({
    name: "pods",
    schema: Pod,
    references: (d) => [
      { field: "members.user_id", resource: "users", ids: (d["members"] as { userId: string }[]).map((m) => m.userId) },
      { field: "lock_ids", resource: "locks", ids: strs(d["lockIds"]), afterRules: true },
    ],
  }),
  "pod-guests": spec({
    name: "pod-guests",
    schema: PodGuest,
    references: (d) => [
      { field: "pod_id", resource: "pods", ids: str(d["podId"]) },
      { field: "tag_id", resource: "tags", ids: str(d["tagId"]) },
    ],
  }),
};

/** Fields the API shows beside the document itself. */
export const META_FIELDS = ["version", "updated_at"] as const;

/** The top-level API field names of a resource (for `$filter` and `$orderby`). */
export function apiFieldsOf(s: ResourceSpec): ReadonlySet<string> {
  const shape = (s.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  return new Set([...Object.keys(shape).map((k) => s.renames[k] ?? snakeKey(k)), ...META_FIELDS]);
}

/** A stored API document → the domain document (no parsing: it was checked on the way in). */
export function toDomain(s: ResourceSpec, apiDoc: Record<string, unknown>): DomainDoc {
  const renamed: Record<string, unknown> = {};
  const back = new Map(Object.entries(s.renames).map(([domain, api]) => [api, snakeKey(domain)]));
  for (const [k, v] of Object.entries(apiDoc)) {
    if ((META_FIELDS as readonly string[]).includes(k)) continue;
    renamed[back.get(k) ?? k] = v;
  }
  return toCamel(renamed) as DomainDoc;
}

/** A domain document → its API document (snake_case keys, vendor names). */
export function toApi(s: ResourceSpec, doc: DomainDoc): Record<string, unknown> {
  const snake = toSnake(doc) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const renames = new Map(Object.entries(s.renames).map(([domain, api]) => [snakeKey(domain), api]));
  for (const [k, v] of Object.entries(snake)) out[renames.get(k) ?? k] = v;
  return out;
}

/**
 * Checks a written API document against the domain schema: the id comes from the
 * path, read-only keys from the stored document. 1100 with snake_case issue paths.
 */
export function parseWrite(s: ResourceSpec, id: string, body: unknown, stored: DomainDoc | null, now: string): DomainDoc {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("The document must be a JSON object.");
  const domain = { ...toDomain(s, body as Record<string, unknown>) } as Record<string, unknown>;
  domain["id"] = id;
  for (const key of s.readOnly) {
    if (stored && key in stored) domain[key] = stored[key];
    else delete domain[key];
  }
  if (s.stampsCreatedAt && domain["createdAt"] === undefined) domain["createdAt"] = (stored?.["createdAt"] as string | undefined) ?? now;
  const parsed = s.schema.safeParse(domain);
  if (!parsed.success) {
    const renames = new Map(Object.entries(s.renames).map(([domainKey, api]) => [snakeKey(domainKey), api]));
    const issues = issuesOf(parsed.error).map((i) => {
      const [head, ...rest] = i.path.split(".");
      return { ...i, path: [renames.get(head ?? "") ?? head, ...rest].join(".") };
    });
    throw badRequest("The request received is invalid", { resource: s.name, issues });
  }
  return parsed.data as DomainDoc;
}
