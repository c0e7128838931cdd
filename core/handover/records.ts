import { z } from "zod";
import { isSynced } from "../cloud/documents.ts";
import { openReadWrite, StatementCache, type Db } from "../store/database.ts";
import { ENTITY_NAMES, type EntityName } from "../store/index.ts";
import { SYNC_ACTIONS } from "../sync/engine.ts";
import { SyncState } from "../sync/sync-state.ts";
import { OwnerPresets } from "./presets.ts";

/**
 * The handover's bookkeeping in the site file (tables of migration 0009), on a
 * connection of its own like the sync's: a step and its log line land in one
 * transaction. Also reads where the sync stands (tables of 0008) for "sync clean".
 */

export const HANDOVER_STAGES = ["preparing", "invited", "transferred", "released"] as const;
export type HandoverStage = (typeof HANDOVER_STAGES)[number];

export const Invitation = z.object({
  id: z.string(),
  email: z.string(),
  status: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type Invitation = z.infer<typeof Invitation>;

export interface HandoverRow {
  readonly stage: HandoverStage;
  readonly ownerEmail: string | null;
  readonly invitation: Invitation | null;
  readonly installerEmail: string | null;
  readonly ownerAccountId: string | null;
  readonly transferredAt: string | null;
  readonly installerAccessExpiresAt: string | null;
  readonly releasedAt: string | null;
  readonly reportHash: string | null;
  readonly reportAt: string | null;
  readonly updatedAt: string | null;
}

export type HandoverEvent = "presets-saved" | "invited" | "transferred" | "released" | "report" | "installer-access-ended";

/** Where the sync stands, as the checklist's "sync clean" reads it. */
export interface SyncView {
  readonly checkpointSeq: number;
  readonly lastSyncedAt: string | null;
  readonly inflight: boolean;
  /** Local changes of synced kinds not yet pushed, per entity (a bulk import counts each entity). */
  readonly pending: readonly { readonly entity: EntityName; readonly count: number }[];
  readonly setAside: readonly { readonly entity: string; readonly entityId: string; readonly code: string; readonly ksCode: number | null; readonly message: string; readonly advice: string }[];
  readonly conflicts: readonly { readonly entity: string; readonly entityId: string }[];
}

const StateRaw = z.object({
  stage: z.enum(HANDOVER_STAGES),
  owner_email: z.string().nullable(),
  invitation: z.string().nullable(),
  installer_email: z.string().nullable(),
  owner_account_id: z.string().nullable(),
  transferred_at: z.string().nullable(),
  installer_access_expires_at: z.string().nullable(),
  released_at: z.string().nullable(),
  report_hash: z.string().nullable(),
  report_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});

const COLUMN_OF: Readonly<Record<keyof Omit<HandoverRow, "updatedAt">, string>> = {
  stage: "stage",
  ownerEmail: "owner_email",
  invitation: "invitation",
  installerEmail: "installer_email",
  ownerAccountId: "owner_account_id",
  transferredAt: "transferred_at",
  installerAccessExpiresAt: "installer_access_expires_at",
  releasedAt: "released_at",
  reportHash: "report_hash",
  reportAt: "report_at",
};

const OWN_ACTIONS: readonly string[] = [SYNC_ACTIONS.pull, SYNC_ACTIONS.takeTheirs];
const ENTITY_SET: ReadonlySet<string> = new Set(ENTITY_NAMES);

export class HandoverRecords {
  private readonly sql: StatementCache;

  constructor(private readonly db: Db) {
    this.sql = new StatementCache(db);
  }

  presets(): { readonly doc: OwnerPresets; readonly savedAt: string } | null {
    const row = this.sql.get(`SELECT data, saved_at FROM handover_presets WHERE one = 1`).get() as { data: string; saved_at: string } | undefined;
    if (!row) return null;
    return { doc: OwnerPresets.parse(JSON.parse(row.data)), savedAt: row.saved_at };
  }

  savePresets(doc: OwnerPresets, at: string): void {
    this.db
      .transaction(() => {
        this.sql.get(`INSERT OR REPLACE INTO handover_presets (one, data, saved_at) VALUES (1, ?, ?)`).run(JSON.stringify(OwnerPresets.parse(doc)), at);
        this.appendLog(at, "presets-saved", { rules: doc.rules.length, notClosedOn: doc.notClosed.filter((a) => a.enabled).length });
      })
      .immediate();
  }

  state(): HandoverRow {
    const r = StateRaw.parse(this.sql.get(`SELECT * FROM handover_state WHERE one = 1`).get());
    return {
      stage: r.stage,
      ownerEmail: r.owner_email,
      invitation: r.invitation === null ? null : Invitation.parse(JSON.parse(r.invitation)),
      installerEmail: r.installer_email,
      ownerAccountId: r.owner_account_id,
      transferredAt: r.transferred_at,
      installerAccessExpiresAt: r.installer_access_expires_at,
      releasedAt: r.released_at,
      reportHash: r.report_hash,
      reportAt: r.report_at,
      updatedAt: r.updated_at,
    };
  }

  /** Changes the state row and logs the step, in one transaction; a patch equal to the row writes nothing. */
  update(patch: Partial<Omit<HandoverRow, "updatedAt">>, at: string, event?: { readonly name: HandoverEvent; readonly details: unknown }): HandoverRow {
    return this.db
      .transaction(() => {
        const current = this.state();
        const changed = (Object.keys(patch) as (keyof typeof COLUMN_OF)[]).filter((k) => JSON.stringify(patch[k]) !== JSON.stringify(current[k]));
        if (changed.length > 0) {
          const sets = changed.map((k) => `${COLUMN_OF[k]} = @${k}`).join(", ");
          const values: Record<string, unknown> = { at };
          for (const k of changed) values[k] = k === "invitation" ? (patch.invitation === null ? null : JSON.stringify(patch.invitation)) : patch[k];
          this.db.prepare(`UPDATE handover_state SET ${sets}, updated_at = @at WHERE one = 1`).run(values);
        }
        if (event && (changed.length > 0 || event.name === "report")) this.appendLog(at, event.name, event.details);
        return this.state();
      })
      .immediate();
  }

  /** Logs a step unless it was logged before (a state the cloud reports again and again). */
  logOnce(event: HandoverEvent, details: unknown, at: string): void {
    this.db
      .transaction(() => {
        if (this.sql.get(`SELECT 1 FROM handover_log WHERE event = ? LIMIT 1`).get(event) === undefined) this.appendLog(at, event, details);
      })
      .immediate();
  }

  log(limit = 50): { readonly at: string; readonly event: HandoverEvent; readonly details: unknown }[] {
    const rows = this.sql.get(`SELECT at, event, details FROM handover_log ORDER BY id DESC LIMIT ?`).all(limit) as { at: string; event: HandoverEvent; details: string }[];
    return rows.map((r) => ({ at: r.at, event: r.event, details: JSON.parse(r.details) as unknown }));
  }

  /**
   * The sync's standing: the checkpoint, a batch on its way, changes the cloud refused
   * (set aside), open conflicts, and local changes of synced kinds after the checkpoint
   * (the sync's own writes and laptop-only kinds such as door tests do not count).
   */
  syncView(): SyncView {
    const state = new SyncState(this.db);
    const st = state.read();
    const marks = OWN_ACTIONS.map(() => "?").join(", ");
    const rows = this.sql
      .get(
        // A bulk row stands for the seqs up to its own; with the checkpoint inside it,
        // only the entries after the checkpoint are pending.
        `SELECT entity, sum(CASE WHEN entity_id = '*' AND json_valid(after) AND json_type(after) = 'array' THEN min(json_array_length(after), seq - ?) ELSE 1 END) AS n
         FROM journal WHERE seq > ? AND action NOT IN (${marks}) GROUP BY entity ORDER BY entity`,
      )
      .all(st.checkpointSeq, st.checkpointSeq, ...OWN_ACTIONS) as { entity: string; n: number }[];
    const pending = rows.filter((r) => ENTITY_SET.has(r.entity) && isSynced(r.entity as EntityName)).map((r) => ({ entity: r.entity as EntityName, count: r.n }));
    return {
      checkpointSeq: st.checkpointSeq,
      lastSyncedAt: st.lastSyncedAt,
      inflight: st.inflight !== null,
      pending,
      setAside: state.setAsideList().map((s) => ({ entity: s.entity, entityId: s.entityId, code: s.code, ksCode: s.ksCode, message: s.message, advice: s.advice })),
      conflicts: state.conflicts("open").map((c) => ({ entity: c.entity, entityId: c.entityId })),
    };
  }

  private appendLog(at: string, event: HandoverEvent, details: unknown): void {
    this.sql.get(`INSERT INTO handover_log (at, event, details) VALUES (?, ?, ?)`).run(at, event, JSON.stringify(details ?? {}));
  }
}

/** The handover's own connection to an open site's file; close it when done. */
export function openHandoverRecords(path: string, options: { readonly nativeBinding?: string | undefined } = {}): { readonly records: HandoverRecords; close(): void } {
  const db = openReadWrite(path, { mustExist: true, nativeBinding: options.nativeBinding });
  try {
    const records = new HandoverRecords(db);
    records.state();
    return { records, close: () => db.close() };
  } catch (e) {
    db.close();
    throw e;
  }
}
