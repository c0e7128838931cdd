import type { Statement } from "better-sqlite3";
import { z } from "zod";
import type { Role } from "../../core/domain/index.ts";
import { KsError } from "../../core/errors/index.ts";
import { canonicalJson } from "../../core/store/canonical-json.ts";
import type { SiteSurvey } from "../../core/topology/format.ts";
import { validatePlan } from "../../core/topology/validator.ts";
import { sha256, type CloudContext } from "./context.ts";
import { appendFeed } from "./feed.ts";
import { badRequest, forbidden, HttpError, invalidValue, issuesOf, wireOf } from "./http-kit.ts";
import { RESOURCES, parseWrite, toApi, toDomain, type DomainDoc, type ResourceName, type ResourceSpec } from "./resources.ts";
import { checkDelete, checkWrite, type SiteReader } from "./rules.ts";

/**
 * Site content: documents per collection, IQ trees, the change feed and the
 * exactly-once record of changes (API.md §4, §5, §7). Every write goes through
 * `apply`, whichever door it came in by (single PUT/DELETE, batch, emulator seeding),
 * so rules, versions and the feed are the same for all.
 */

/** Who makes a change: a signed-in client, or the cloud itself (handover, seeding). */
export type Actor = { readonly origin: "api"; readonly accountId: string; readonly role: Role } | { readonly origin: "cloud"; readonly role: Role };

export type ChangeResource = ResourceName | "iq-trees";

export interface Change {
  readonly op: "upsert" | "delete";
  readonly resource: ChangeResource;
  readonly id: string;
  readonly body?: unknown;
  /** Optimistic concurrency: the version the client saw (0 = must not exist). */
  readonly ifVersion?: number | undefined;
}

export interface Outcome {
  readonly status: 200 | 201 | 204;
  readonly version: number | null;
  readonly existed?: boolean;
  /** The document after the change (for single-resource replies). */
  readonly doc?: Record<string, unknown>;
}

export const ChangeSchema = z.object({
  idempotency_key: z.string().min(1).max(200),
  op: z.enum(["upsert", "delete"]),
  resource: z.string().min(1).max(40),
  id: z.string().min(1).max(200),
  body: z.unknown().optional(),
  if_version: z.number().int().min(0).optional(),
});
export type WireChange = z.output<typeof ChangeSchema>;

const TreeItem = z.object({
  id: z.string().min(1).max(200),
  parent_id: z.string().min(1).max(200),
  hardware_type: z.enum(["lock", "repeater"]),
  customer_reference: z.string().nullable().optional(),
  mac: z.string().nullable().optional(),
});
const TreeBody = z.object({ items: z.array(TreeItem).max(1000) });
type TreeItem = z.output<typeof TreeItem>;

interface EntityRow {
  doc: string;
  version: number;
  updated_at: string;
}

/** A 2204 violation: the validator's, plus the cloud's own "attached-elsewhere". */
interface TreeViolation {
  readonly rule: string;
  readonly message: string;
  readonly ids: readonly string[];
}

export class ContentStore {
  private readonly statements = new Map<string, Statement>();
  /**
   * Counts write sections. Every check of a change runs before its first write, so a
   * refused change has written nothing and needs no savepoint; a change that fails
   * after writing (a bug) aborts its whole request instead (see `batch`).
   */
  private mutations = 0;

  constructor(readonly cx: CloudContext) {}

  private sql(source: string): Statement {
    let s = this.statements.get(source);
    if (!s) {
      s = this.cx.db.prepare(source);
      this.statements.set(source, s);
    }
    return s;
  }

  private row(siteId: string, resource: ResourceName, id: string): EntityRow | undefined {
    return this.sql(`SELECT doc, version, updated_at FROM entities WHERE site_id = ? AND resource = ? AND id = ?`).get(siteId, resource, id) as EntityRow | undefined;
  }

  private static view(r: EntityRow): Record<string, unknown> {
    return { ...(JSON.parse(r.doc) as Record<string, unknown>), version: r.version, updated_at: r.updated_at };
  }

  /** The API document (with version and updated_at), or undefined. */
  get(siteId: string, resource: ResourceName, id: string): Record<string, unknown> | undefined {
    const r = this.row(siteId, resource, id);
    return r ? ContentStore.view(r) : undefined;
  }

  /** Every API document of a collection (lists are filtered and paged in memory). */
  all(siteId: string, resource: ResourceName): Record<string, unknown>[] {
    const rows = this.sql(`SELECT doc, version, updated_at FROM entities WHERE site_id = ? AND resource = ?`).all(siteId, resource) as EntityRow[];
    return rows.map(ContentStore.view);
  }

  counts(siteId: string): Record<string, number> {
    const rows = this.sql(`SELECT resource, COUNT(*) AS n FROM entities WHERE site_id = ? GROUP BY resource`).all(siteId) as { resource: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.resource, r.n]));
  }

  reader(siteId: string): SiteReader {
    const parse = (resource: ResourceName, r: EntityRow) => toDomain(RESOURCES[resource], JSON.parse(r.doc) as Record<string, unknown>);
    return {
      siteId,
      all: (resource) => (this.sql(`SELECT doc, version, updated_at FROM entities WHERE site_id = ? AND resource = ?`).all(siteId, resource) as EntityRow[]).map((r) => parse(resource, r)),
      ids: (resource) => (this.sql(`SELECT id FROM entities WHERE site_id = ? AND resource = ?`).all(siteId, resource) as { id: string }[]).map((r) => r.id),
      has: (resource, id) => this.sql(`SELECT 1 FROM entities WHERE site_id = ? AND resource = ? AND id = ?`).get(siteId, resource, id) !== undefined,
      domain: (resource, id) => {
        const r = this.row(siteId, resource, id);
        return r ? parse(resource, r) : undefined;
      },
      lookup: (kind, value) => (this.sql(`SELECT id FROM lookups WHERE site_id = ? AND kind = ? AND value = ?`).all(siteId, kind, value) as { id: string }[]).map((r) => r.id),
      userEmails: () =>
        this.sql(`SELECT id, json_extract(doc, '$.email') AS email FROM entities WHERE site_id = ? AND resource = 'users'`).all(siteId) as { id: string; email: string | null }[],
    };
  }

  private checkVersion(resource: string, id: string, current: { version: number; view: unknown } | null, ifVersion: number | undefined): void {
    if (ifVersion === undefined) return;
    const version = current?.version ?? 0;
    if (version === ifVersion) return;
    throw new HttpError(409, "cloud.conflict", `The ${resource} ${id} is at version ${version} in the cloud, not ${ifVersion}: it changed meanwhile.`, {
      resource,
      id,
      current_version: version,
      current: current?.view ?? null,
    });
  }

  private feed(siteId: string, actor: Actor, key: string | null, resource: string, id: string, op: "upsert" | "delete", version: number | null, body: unknown): void {
    appendFeed(this.cx.db, {
      siteId,
      resource,
      id,
      op,
      version,
      body,
      at: this.cx.iso(),
      origin: actor.origin,
      accountId: actor.origin === "api" ? actor.accountId : null,
      idempotencyKey: key,
    });
  }

  /** Writes a domain document (version + 1, refs, lookups, feed); no rules. */
  private write(siteId: string, s: ResourceSpec, doc: DomainDoc, before: EntityRow | undefined, actor: Actor, key: string | null): Outcome {
    const api = toApi(s, doc);
    const json = canonicalJson(api);
    if (before && before.doc === json) return { status: 200, version: before.version, doc: ContentStore.view(before) };
    this.mutations++;
    const version = (before?.version ?? 0) + 1;
    const at = this.cx.iso();
    this.sql(
      `INSERT INTO entities (site_id, resource, id, doc, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (site_id, resource, id) DO UPDATE SET doc = excluded.doc, version = excluded.version, updated_at = excluded.updated_at`,
    ).run(siteId, s.name, doc.id, json, version, at);
    if (before) this.sql(`DELETE FROM refs WHERE site_id = ? AND from_resource = ? AND from_id = ?`).run(siteId, s.name, doc.id);
    for (const ref of s.references(doc)) {
      for (const to of new Set(ref.ids)) this.sql(`INSERT OR IGNORE INTO refs (site_id, from_resource, from_id, to_resource, to_id) VALUES (?, ?, ?, ?, ?)`).run(siteId, s.name, doc.id, ref.resource, to);
    }
    if (before) this.sql(`DELETE FROM lookups WHERE site_id = ? AND id = ?`).run(siteId, doc.id);
    for (const l of s.lookups(doc)) this.sql(`INSERT OR IGNORE INTO lookups (site_id, kind, value, id) VALUES (?, ?, ?, ?)`).run(siteId, l.kind, l.value, doc.id);
    const view = { ...(JSON.parse(json) as Record<string, unknown>), version, updated_at: at };
    this.feed(siteId, actor, key, s.name, doc.id, "upsert", version, view);
    return { status: before ? 200 : 201, version, doc: view };
  }

  /** Applies one change with every rule; throws the refusal. */
  apply(siteId: string, change: Change, actor: Actor, key: string | null = null): Outcome {
    if (change.resource === "iq-trees") {
      if (change.op !== "upsert") throw badRequest("An IQ tree is written whole; write it with no items to empty it.", { reason: "op" });
      const tree = this.treeView(siteId, change.id);
      this.checkVersion("iq-trees", change.id, tree.version === 0 ? null : { version: tree.version, view: tree }, change.ifVersion);
      return this.putTree(siteId, change.id, change.body, actor, key);
    }
    const s = RESOURCES[change.resource];
    const before = this.row(siteId, s.name, change.id);
    this.checkVersion(s.name, change.id, before ? { version: before.version, view: ContentStore.view(before) } : null, change.ifVersion);
    const site = this.reader(siteId);
    const stored = before ? toDomain(s, JSON.parse(before.doc) as Record<string, unknown>) : null;

    if (change.op === "delete") {
      if (!stored || !before) return { status: 204, version: null, existed: false };
      return this.remove(siteId, s, stored, before, site, actor, key);
    }

    const next = parseWrite(s, change.id, change.body, stored, this.cx.iso());
    const references = s.references(next);
    const checkRefs = (afterRules: boolean) => {
      for (const ref of references) {
        if ((ref.afterRules ?? false) !== afterRules) continue;
        const missing = ref.ids.find((id) => !site.has(ref.resource, id));
        if (missing !== undefined) throw invalidValue(ref.field, { resource: ref.resource, id: missing });
      }
    };
    checkRefs(false);
    if (s.name === "tags") {
      const holders = site.lookup("tag-number", String(next["number"])).filter((id) => id !== next.id);
      if (holders.length > 0) throw badRequest(`Tag number ${String(next["number"])} is already a tag of this site.`, { reason: "tag_number_taken", tag_id: holders[0] });
    }
    const refused = checkWrite(site, s.name, stored, next, actor.role);
    if (refused) throw refused;
    checkRefs(true);
    return this.write(siteId, s, next, before, actor, key);
  }

  private remove(siteId: string, s: ResourceSpec, stored: DomainDoc, before: EntityRow, site: SiteReader, actor: Actor, key: string | null): Outcome {
    const refused = checkDelete(site, s.name, stored, actor.role);
    if (refused) throw refused;
    if (s.name === "iqs") {
      const tree = this.treeItems(siteId, stored.id);
      if (tree.length > 0) {
        throw new KsError(2209, { message: `The IQ still has ${tree.length} device(s) in its tree: write its tree empty first.`, details: { iq_id: stored.id, ids: tree.map((i) => i.id) } });
      }
    }
    const by = this.sql(`SELECT from_resource, from_id FROM refs WHERE site_id = ? AND to_resource = ? AND to_id = ? LIMIT 20`).all(siteId, s.name, stored.id) as {
      from_resource: string;
      from_id: string;
    }[];
    if (by.length > 0) {
      throw forbidden("referenced", `The ${s.name} ${stored.id} is still named by ${by.length === 20 ? "20 or more" : by.length} other document(s): change or delete them first.`, {
        referenced_by: by.map((b) => ({ resource: b.from_resource, id: b.from_id })),
      });
    }
    if (s.name === "locks" || s.name === "repeaters") this.dropFromTree(siteId, s.name, stored.id, actor, key);
    this.mutations++;
    this.sql(`DELETE FROM entities WHERE site_id = ? AND resource = ? AND id = ?`).run(siteId, s.name, stored.id);
    this.sql(`DELETE FROM refs WHERE site_id = ? AND from_resource = ? AND from_id = ?`).run(siteId, s.name, stored.id);
    this.sql(`DELETE FROM lookups WHERE site_id = ? AND id = ?`).run(siteId, stored.id);
    this.feed(siteId, actor, key, s.name, stored.id, "delete", before.version + 1, null);
    return { status: 204, version: null, existed: true };
  }

  // ---------------------------------------------------------------- IQ trees

  private treeItems(siteId: string, iqId: string): { id: string; parent_id: string; hardware_type: "lock" | "repeater" }[] {
    const r = this.sql(`SELECT items FROM iq_trees WHERE site_id = ? AND iq_id = ?`).get(siteId, iqId) as { items: string } | undefined;
    return r ? (JSON.parse(r.items) as { id: string; parent_id: string; hardware_type: "lock" | "repeater" }[]) : [];
  }

  treeView(siteId: string, iqId: string) {
    const r = this.sql(`SELECT items, version, updated_at FROM iq_trees WHERE site_id = ? AND iq_id = ?`).get(siteId, iqId) as
      | { items: string; version: number; updated_at: string }
      | undefined;
    const items = r ? (JSON.parse(r.items) as { id: string; parent_id: string; hardware_type: "lock" | "repeater" }[]) : [];
    return {
      iq_id: iqId,
      items: items.map((i) => {
        const device = this.get(siteId, i.hardware_type === "lock" ? "locks" : "repeaters", i.id);
        return { ...i, customer_reference: (device?.["customer_reference"] as string | undefined) ?? null, mac: null };
      }),
      version: r?.version ?? 0,
      updated_at: r?.updated_at ?? null,
    };
  }

  /** The violations of a tree for one IQ: the topology validator's structure rules, and devices held by another IQ. */
  private treeViolations(siteId: string, iqId: string, items: readonly TreeItem[]): TreeViolation[] {
    const out: TreeViolation[] = [];
    const elsewhere = items.flatMap((i) => {
      const r = this.sql(`SELECT iq_id FROM tree_members WHERE site_id = ? AND device_id = ?`).get(siteId, i.id) as { iq_id: string } | undefined;
      return r && r.iq_id !== iqId ? [{ id: i.id, iq: r.iq_id }] : [];
    });
    if (elsewhere.length > 0) {
      out.push({
        rule: "attached-elsewhere",
        message: `${elsewhere.length} device(s) already hang in another IQ's tree: ${elsewhere.map((e) => `${e.id} (IQ ${e.iq})`).join(", ")}. Write that tree without them first.`,
        ids: elsewhere.map((e) => e.id),
      });
    }
    // The cloud knows no positions: every node stands on one spot, so only the
    // structure rules of the validator can fail (hop range is the planner's business).
    const locks = items.filter((i) => i.hardware_type === "lock");
    const repeaters = items.filter((i) => i.hardware_type === "repeater");
    const survey: SiteSurvey = {
      format: "lintel-site/1",
      name: "",
      radio: { hopRangeM: 10, floorHeightM: 3.5, floorPenaltyM: 6 },
      cost: { iq: 1, repeater: 0.5 },
      floors: [{ id: "floor", level: 0, widthM: 1, depthM: 1 }],
      doors: locks.map((l) => ({ id: l.id, floor: "floor", x: 0, y: 0, kind: "escutcheon" as const })),
      iqSites: [],
    };
    const plan = {
      format: "lintel-plan/1" as const,
      iqs: [{ id: iqId, floor: "floor", x: 0, y: 0 }],
      repeaters: repeaters.map((r) => ({ id: r.id, floor: "floor", x: 0, y: 0, parent: r.parent_id })),
      locks: locks.map((l) => ({ door: l.id, parent: l.parent_id })),
      cost: 1 + 0.5 * repeaters.length,
    };
    for (const v of validatePlan(survey, plan)) out.push({ rule: v.rule, message: v.message, ids: v.ids });
    return out;
  }

  putTree(siteId: string, iqId: string, body: unknown, actor: Actor, key: string | null): Outcome {
    const iq = this.row(siteId, "iqs", iqId);
    if (!iq) throw invalidValue("iq_id", { id: iqId });
    const parsed = TreeBody.safeParse(body);
    if (!parsed.success) throw badRequest("The request received is invalid", { resource: "iq-trees", issues: issuesOf(parsed.error) });
    const items = parsed.data.items;
    items.forEach((item, i) => {
      const resource = item.hardware_type === "lock" ? "locks" : "repeaters";
      if (!this.row(siteId, resource, item.id)) throw invalidValue(`items[${i}].id`, { resource, id: item.id });
    });
    const violations = this.treeViolations(siteId, iqId, items);
    if (violations.length > 0) throw new KsError(2204, { details: { iq_id: iqId, violations } });

    this.mutations++;
    const stored = items.map((i) => ({ id: i.id, parent_id: i.parent_id, hardware_type: i.hardware_type }));
    const previous = this.treeItems(siteId, iqId);
    const prevRow = this.sql(`SELECT version FROM iq_trees WHERE site_id = ? AND iq_id = ?`).get(siteId, iqId) as { version: number } | undefined;
    if (prevRow && JSON.stringify(previous) === JSON.stringify(stored)) return { status: 200, version: prevRow.version, doc: this.treeView(siteId, iqId) };

    const version = (prevRow?.version ?? 0) + 1;
    this.sql(
      `INSERT INTO iq_trees (site_id, iq_id, items, version, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (site_id, iq_id) DO UPDATE SET items = excluded.items, version = excluded.version, updated_at = excluded.updated_at`,
    ).run(siteId, iqId, JSON.stringify(stored), version, this.cx.iso());
    this.sql(`DELETE FROM tree_members WHERE site_id = ? AND iq_id = ?`).run(siteId, iqId);
    for (const i of stored) this.sql(`INSERT INTO tree_members (site_id, device_id, iq_id) VALUES (?, ?, ?)`).run(siteId, i.id, iqId);

    // Each device's `parent` follows the tree; devices dropped from it hang nowhere.
    const parentOf = new Map(stored.map((i) => [i.id, { kind: i.parent_id === iqId ? "iq" : "repeater", id: i.parent_id }]));
    const touched = new Map<string, "lock" | "repeater">([...previous, ...stored].map((i) => [i.id, i.hardware_type]));
    for (const [id, type] of touched) this.setParent(siteId, type === "lock" ? "locks" : "repeaters", id, parentOf.get(id) ?? null, actor, key);

    const view = this.treeView(siteId, iqId);
    this.feed(siteId, actor, key, "iq-trees", iqId, "upsert", version, view);
    return { status: prevRow ? 200 : 201, version, doc: view };
  }

  private setParent(siteId: string, resource: "locks" | "repeaters", id: string, parent: { kind: string; id: string } | null, actor: Actor, key: string | null): void {
    const before = this.row(siteId, resource, id);
    if (!before) return;
    const s = RESOURCES[resource];
    const doc = { ...toDomain(s, JSON.parse(before.doc) as Record<string, unknown>), parent } as DomainDoc;
    this.write(siteId, s, doc, before, actor, key);
  }

  /** A deleted lock or childless repeater leaves its tree (a repeater with children is refused). */
  private dropFromTree(siteId: string, resource: "locks" | "repeaters", id: string, actor: Actor, key: string | null): void {
    const m = this.sql(`SELECT iq_id FROM tree_members WHERE site_id = ? AND device_id = ?`).get(siteId, id) as { iq_id: string } | undefined;
    if (!m) return;
    const items = this.treeItems(siteId, m.iq_id);
    const children = items.filter((i) => i.parent_id === id);
    if (resource === "repeaters" && children.length > 0) {
      throw forbidden("repeater_has_children", `The repeater still carries ${children.length} device(s) in its IQ tree: rewrite the tree first.`, {
        iq_id: m.iq_id,
        ids: children.map((c) => c.id),
      });
    }
    this.mutations++;
    const rest = items.filter((i) => i.id !== id);
    const prev = this.sql(`SELECT version FROM iq_trees WHERE site_id = ? AND iq_id = ?`).get(siteId, m.iq_id) as { version: number };
    this.sql(`UPDATE iq_trees SET items = ?, version = ?, updated_at = ? WHERE site_id = ? AND iq_id = ?`).run(JSON.stringify(rest), prev.version + 1, this.cx.iso(), siteId, m.iq_id);
    this.sql(`DELETE FROM tree_members WHERE site_id = ? AND device_id = ?`).run(siteId, id);
    this.feed(siteId, actor, key, "iq-trees", m.iq_id, "upsert", prev.version + 1, this.treeView(siteId, m.iq_id));
  }

  /** IQ activation (API.md §5): a serial the factory list knows, and its code. */
  activate(siteId: string, iqId: string, code: string, actor: Actor): Outcome {
    const before = this.row(siteId, "iqs", iqId);
    if (!before) throw invalidValue("iq_id", { id: iqId });
    const s = RESOURCES.iqs;
    const iq = toDomain(s, JSON.parse(before.doc) as Record<string, unknown>);
    const serial = iq["serial"];
    const known = typeof serial === "string" ? (this.sql(`SELECT activation_code FROM hardware WHERE serial = ?`).get(serial) as { activation_code: string } | undefined) : undefined;
    if (!known) throw new KsError(2208, { message: "The cloud does not know this IQ's serial number: it cannot be activated.", details: { iq_id: iqId, serial: serial ?? null } });
    if (known.activation_code !== code.trim()) throw new KsError(1501, { details: { iq_id: iqId } });
    const now = this.cx.iso();
    return this.write(siteId, s, { ...iq, activation: "activated", activatedAt: (iq["activatedAt"] as string | null) ?? now } as DomainDoc, before, actor, null);
  }

  // ---------------------------------------------------------------- batches

  /**
   * Applies changes in order, each on its own savepoint, exactly once per key
   * (API.md §7.2). `dryRun` evaluates everything and rolls it all back.
   */
  batch(siteId: string, changes: readonly WireChange[], actor: Actor, dryRun: boolean): Record<string, unknown>[] {
    const results: Record<string, unknown>[] = [];
    const one = (c: WireChange, fingerprint: string) => {
      const outcome = this.apply(siteId, { op: c.op, resource: c.resource as ChangeResource, id: c.id, body: c.body, ifVersion: c.if_version }, actor, c.idempotency_key);
      const result = {
        idempotency_key: c.idempotency_key,
        resource: c.resource,
        id: c.id,
        op: c.op,
        status: outcome.status,
        version: outcome.version,
        ...(outcome.existed === undefined ? {} : { existed: outcome.existed }),
      };
      this.sql(`INSERT INTO change_keys (site_id, key, fingerprint, result) VALUES (?, ?, ?, ?)`).run(siteId, c.idempotency_key, fingerprint, JSON.stringify(result));
      return result;
    };
    const all = this.cx.db.transaction(() => {
      for (const c of changes) {
        const base = { idempotency_key: c.idempotency_key, resource: c.resource, id: c.id, op: c.op };
        const fingerprint = sha256(canonicalJson([c.op, c.resource, c.id, c.body ?? null, c.if_version ?? null]));
        const seen = this.sql(`SELECT fingerprint, result FROM change_keys WHERE site_id = ? AND key = ?`).get(siteId, c.idempotency_key) as
          | { fingerprint: string; result: string }
          | undefined;
        if (seen) {
          if (seen.fingerprint === fingerprint) results.push({ ...(JSON.parse(seen.result) as Record<string, unknown>), replayed: true });
          else {
            const e = badRequest("This idempotency key was used for a different change.", { reason: "idempotency_key_reused", idempotency_key: c.idempotency_key });
            results.push({ ...base, status: e.status, version: null, replayed: false, error: wireOf(e) });
          }
          continue;
        }
        if (c.resource !== "iq-trees" && !(c.resource in RESOURCES)) {
          const e = invalidValue("resource", { resource: c.resource });
          results.push({ ...base, status: e.status, version: null, replayed: false, error: wireOf(e) });
          continue;
        }
        const before = this.mutations;
        try {
          results.push({ ...one(c, fingerprint), replayed: false });
        } catch (e) {
          if (this.mutations !== before) throw e; // half-written: roll the whole batch back
          const w = wireOf(e);
          results.push({ ...base, status: w.status, version: null, replayed: false, error: w });
        }
      }
      if (dryRun) throw new DryRun();
    });
    try {
      all();
    } catch (e) {
      if (!(e instanceof DryRun)) throw e;
    }
    return results;
  }

  /**
   * The cloud's own edit of a user's role (the handover makes the new Owner): not a
   * client's write, so the people rules' "the Owner changes only by handover" does
   * not apply to it.
   */
  setUserRole(siteId: string, userId: string, role: Role, actor: Actor): void {
    const before = this.row(siteId, "users", userId);
    if (!before) return;
    const s = RESOURCES.users;
    const doc = toDomain(s, JSON.parse(before.doc) as Record<string, unknown>);
    if (doc["role"] === role) return;
    this.write(siteId, s, { ...doc, role } as DomainDoc, before, actor, null);
  }
}

/** Thrown to roll a dry run back after its results were collected. */
class DryRun extends Error {}
