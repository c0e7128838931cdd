import { Locker, LockerBank, lockerBankNameKey, TagHistory, TagReader } from "../domain/index.ts";

/**
 * The reception desk's entities (tables of migration 0006), spread into ENTITIES in
 * entities.ts so that every write goes through the journaled action writer. Plain
 * objects here (entities.ts wraps them) to keep the import one-way.
 */
export const RECEPTION_ENTITY_SPECS = {
  /** The site's default Tag reader: one row at most (`one` UNIQUE). */
  tagReader: {
    table: "tag_readers",
    schema: TagReader,
    columns: (r: TagReader) => ({ lock_id: r.reader.kind === "lock" ? r.reader.lockId : null }),
  },
  /** One document per tag, under the tag's own id. */
  tagHistory: { table: "tag_histories", schema: TagHistory },
  lockerBank: {
    table: "locker_banks",
    schema: LockerBank,
    columns: (b: LockerBank) => ({ name_key: lockerBankNameKey(b.name) }),
  },
  locker: {
    table: "lockers",
    schema: Locker,
    columns: (l: Locker) => ({ bank_id: l.bankId, number: l.number, lock_id: l.lockId, occupant_id: l.occupant?.userId ?? null }),
    links: [{ table: "locker_assignees", ownerColumn: "locker_id", targetColumn: "user_id", ids: (l: Locker) => l.assigneeIds }],
  },
} as const;
