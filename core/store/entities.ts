import type { z } from "zod";
import { AccessGroup, Door, Floor, Iq, IqSite, Lock, Pod, PodGuest, podNameKey, Repeater, Schedule, Site, StoredPlan, Tag, User, type Parent } from "../domain/index.ts";
import { searchKey } from "./user-search-keys.ts";
import { RECEPTION_ENTITY_SPECS } from "./reception-entities.ts";
import { COMMISSIONING_ENTITY_SPECS } from "./commissioning-entities.ts";

/** A value of a column extracted from a document. */
export type ColumnValue = string | number | null;

/** A join table mirroring an id array of the document, so each id is a real foreign key. */
export interface LinkSpec<T> {
  readonly table: string;
  readonly ownerColumn: string;
  readonly targetColumn: string;
  readonly ids: (doc: T) => readonly string[];
}

/**
 * How one entity lives in the file: its table, the zod schema every write is checked
 * against, and the columns (and join rows) derived from the document. `columns` is the
 * one place where a document and its columns are kept in step: only the store's
 * generic writer calls it, on every insert and update.
 */
export interface EntitySpec<S extends z.ZodType<{ readonly id: string }>> {
  readonly table: string;
  readonly schema: S;
  readonly columns: (doc: z.output<S>) => Readonly<Record<string, ColumnValue>>;
  readonly links: readonly LinkSpec<z.output<S>>[];
  /** The writer fills `createdAt` with the action's time when the caller leaves it out. */
  readonly stampsCreatedAt: boolean;
}

function entity<S extends z.ZodType<{ readonly id: string }>>(
  spec: Pick<EntitySpec<S>, "table" | "schema"> & Partial<EntitySpec<S>>,
): EntitySpec<S> {
  return Object.freeze({ columns: () => ({}), links: [], stampsCreatedAt: false, ...spec });
}

/** A parent in an IQ tree, as two foreign-key columns (see migration 0002). */
function parentColumns(parent: Parent | null): { parent_iq_id: string | null; parent_repeater_id: string | null } {
  return {
    parent_iq_id: parent?.kind === "iq" ? parent.id : null,
    parent_repeater_id: parent?.kind === "repeater" ? parent.id : null,
  };
}

/** Every entity the site file stores, by the name used in actions and the journal. */
export const ENTITIES = {
  site: entity({ table: "site", schema: Site, stampsCreatedAt: true }),
  floor: entity({ table: "floors", schema: Floor, columns: (f) => ({ level: f.level }) }),
  door: entity({ table: "doors", schema: Door, columns: (d) => ({ floor_id: d.floorId }) }),
  lock: entity({
    table: "locks",
    schema: Lock,
    columns: (l) => ({ door_id: l.doorId, device_id: l.deviceId, ...parentColumns(l.parent) }),
  }),
  iq: entity({
    table: "iqs",
    schema: Iq,
    columns: (q) => ({ serial: q.serial, floor_id: q.position?.floorId ?? null }),
  }),
  repeater: entity({
    table: "repeaters",
    schema: Repeater,
    columns: (r) => ({ device_id: r.deviceId, ...parentColumns(r.parent), floor_id: r.position?.floorId ?? null }),
  }),
  user: entity({
    table: "users",
    schema: User,
    stampsCreatedAt: true,
    columns: (u) => ({
      first_key: searchKey(u.firstName),
      last_key: searchKey(u.lastName),
      email_key: u.email === null ? null : searchKey(u.email),
    }),
  }),
  tag: entity({ table: "tags", schema: Tag, columns: (t) => ({ number: t.number, user_id: t.userId }) }),
  schedule: entity({ table: "schedules", schema: Schedule }),
  accessGroup: entity({
    table: "access_groups",
    schema: AccessGroup,
    links: [
      { table: "access_group_users", ownerColumn: "group_id", targetColumn: "user_id", ids: (g) => g.userIds },
      { table: "access_group_locks", ownerColumn: "group_id", targetColumn: "lock_id", ids: (g) => g.lockIds },
      { table: "access_group_schedules", ownerColumn: "group_id", targetColumn: "schedule_id", ids: (g) => g.scheduleIds },
    ],
  }),
  iqSite: entity({ table: "iq_sites", schema: IqSite, columns: (s) => ({ floor_id: s.floorId }) }),
  plan: entity({
    table: "plans",
    schema: StoredPlan,
    stampsCreatedAt: true,
    columns: (p) => ({ created_at: p.createdAt, previous_id: p.previousId }),
  }),
  pod: entity({
    table: "pods",
    schema: Pod,
    columns: (p) => ({ name_key: podNameKey(p.name) }),
    links: [
      { table: "pod_members", ownerColumn: "pod_id", targetColumn: "user_id", ids: (p) => p.members.map((m) => m.userId) },
      { table: "pod_locks", ownerColumn: "pod_id", targetColumn: "lock_id", ids: (p) => p.lockIds },
    ],
  }),
  podGuest: entity({
    table: "pod_guests",
    schema: PodGuest,
    columns: (g) => ({ pod_id: g.podId, tag_id: g.tagId, token_hash: g.invitation.tokenHash }),
  }),
  tagReader: entity(RECEPTION_ENTITY_SPECS.tagReader),
  tagHistory: entity(RECEPTION_ENTITY_SPECS.tagHistory),
  lockerBank: entity(RECEPTION_ENTITY_SPECS.lockerBank),
  locker: entity(RECEPTION_ENTITY_SPECS.locker),
  commissioningJob: entity(COMMISSIONING_ENTITY_SPECS.commissioningJob),
  iqDevice: entity(COMMISSIONING_ENTITY_SPECS.iqDevice),
  doorTest: entity(COMMISSIONING_ENTITY_SPECS.doorTest),
} as const;

export type EntityName = keyof typeof ENTITIES;
export const ENTITY_NAMES = Object.keys(ENTITIES) as readonly EntityName[];

type SchemaOf<N extends EntityName> = (typeof ENTITIES)[N]["schema"];

/** An entity as stored and read back (defaults filled in). */
export type EntityOf<N extends EntityName> = z.output<SchemaOf<N>>;

/** A whole document as a caller may write it (defaults may be left out). */
export type EntityInput<N extends EntityName> = z.input<SchemaOf<N>>;

/** A new entity: the store assigns `id` (and `createdAt` where the entity has one) unless given. */
export type NewEntity<N extends EntityName> = DistributiveOmit<EntityInput<N>, "id" | "createdAt"> & {
  readonly id?: string;
} & ("createdAt" extends keyof EntityInput<N> ? { readonly createdAt?: string } : unknown);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The spec of one entity, loosely typed for the generic writer and readers. */
export function specOf(name: EntityName): EntitySpec<z.ZodType<{ readonly id: string }>> {
  return ENTITIES[name] as unknown as EntitySpec<z.ZodType<{ readonly id: string }>>;
}
