import type { Workspace } from "../../app/workspace.ts";
import { AppError } from "../../errors/index.ts";
import type { Clock } from "../../ports/clock.ts";
import type { SecretVault } from "../../ports/secret-vault.ts";
import { KsHttp, type FetchLike } from "../../cloud/http.ts";
import { CloudSession, type SessionStatus } from "../../cloud/session.ts";
import { KsSyncRemote } from "../../cloud/sync-remote.ts";
import type { SiteStore } from "../../store/index.ts";
import { openSync, type OpenSync, type Random01, type Sleep, type SyncReport, SYNC_ACTIONS } from "../../sync/index.ts";
import { labelOf } from "../../sync/engine.ts";
import type { ConflictRow, SetAsideRow } from "../../sync/sync-state.ts";
import type { CloudStatus, ConflictOut, SetAsideOut } from "../features/cloud.contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

export interface CloudHandlerDeps {
  /** The KS cloud's origin (the emulator's in development and tests). */
  readonly cloudUrl: string;
  readonly clock: Clock;
  /** Where the tokens go; without one (no OS keychain), they live in memory until the app closes. */
  readonly vault: SecretVault | undefined;
  readonly fetch?: FetchLike | undefined;
  readonly sleep: Sleep;
  readonly random: Random01;
  /** Electron's build of better-sqlite3, for the sync's own connection to the site file. */
  readonly nativeBinding?: string | undefined;
  /** Shown in the cloud's list of sessions and trusted devices. */
  readonly deviceName?: string | undefined;
}

/** Secrets kept only in this process: the fallback when the shell gives no vault. */
class ProcessVault implements SecretVault {
  private readonly m = new Map<string, string>();
  async get(key: string) {
    return this.m.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.m.set(key, value);
  }
  async delete(key: string) {
    this.m.delete(key);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function statusOut(s: SessionStatus): CloudStatus {
  return { cloudUrl: s.cloudUrl, signedIn: s.signedIn, email: s.email, accessExpiresAt: iso(s.accessExpiresAt) };
}

function conflictOut(c: ConflictRow): ConflictOut {
  return {
    id: c.id,
    entity: c.entity,
    entityId: c.entityId,
    label: labelOf(c.entity, c.localDoc ?? c.remoteDoc) ?? c.entityId,
    localDoc: c.localDoc,
    remoteDoc: c.remoteDoc,
    remoteVersion: c.remoteVersion,
    detectedAt: c.detectedAt,
    state: c.state,
  };
}

function setAsideOut(r: SetAsideRow): SetAsideOut {
  return {
    id: r.id,
    entity: r.entity,
    entityId: r.entityId,
    label: labelOf(r.entity, r.doc) ?? r.entityId,
    op: r.op,
    code: r.code,
    ksCode: r.ksCode,
    status: r.status,
    message: r.message,
    advice: r.advice,
    attempts: r.attempts,
    at: r.at,
  };
}

/**
 * The KS cloud over the API: one session per app (tokens in the vault), and per open
 * site a sync engine on a connection of its own, opened for each call and kept only
 * while a run goes on (so `sync.cancel` and `sync.status` reach the running one and a
 * closed site leaves no connection behind).
 */
export function cloudHandlers(ws: Workspace, hub: EventHub, deps: CloudHandlerDeps): HandlerModule {
  const http = new KsHttp({ baseUrl: deps.cloudUrl, clock: deps.clock, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const session = new CloudSession({
    http,
    vault: deps.vault ?? new ProcessVault(),
    clock: deps.clock,
    ...(deps.deviceName ? { deviceName: deps.deviceName } : {}),
    onChange: (s) => hub.emit("cloud.session", statusOut(s)),
  });
  const running = new Map<string, OpenSync>();
  const last = new Map<string, SyncReport>();

  const open = (store: SiteStore): OpenSync =>
    openSync(store, {
      remote: new KsSyncRemote(session, store.siteId),
      clock: deps.clock,
      sleep: deps.sleep,
      random: deps.random,
      nativeBinding: deps.nativeBinding,
      onProgress: (p) => {
        hub.emit("sync.progress", { siteId: store.siteId, ...p });
      },
    });

  /** Runs `fn` with the site's engine: the running one if a sync is going on, else one opened for the call. */
  const withEngine = async <T>(siteId: string, fn: (s: OpenSync, store: SiteStore) => T | Promise<T>): Promise<T> => {
    const store = ws.get(siteId);
    const live = running.get(siteId);
    if (live) return fn(live, store);
    const s = open(store);
    try {
      return await fn(s, store);
    } finally {
      s.close();
    }
  };

  const changed = (siteId: string, action: string) => hub.emit("site.changed", { siteId, action });

  return {
    "cloud.status": async () => statusOut(await session.status()),

    "cloud.signIn": async ({ email, password }) => {
      const r = await session.signIn(email, password);
      return r.kind === "signed-in" ? r : { kind: r.kind, challengeId: r.challengeId, methods: [...r.methods], expiresAt: new Date(r.expiresAt).toISOString() };
    },

    "cloud.verify2fa": ({ challengeId, method, code, trustDevice }) => session.verify(challengeId, method, code, trustDevice),

    "cloud.resend": async ({ challengeId, method }) => {
      const r = await session.sendCode(challengeId, method);
      return { sentTo: r.sentTo, expiresAt: new Date(r.expiresAt).toISOString() };
    },

    "cloud.useRecoveryCode": ({ challengeId, code }) => session.useRecoveryCode(challengeId, code),

    "cloud.signOut": async () => {
      await session.signOut();
      return { signedOut: true };
    },

    "cloud.subscriptions": async () => {
      // Any site id will do: the list is the account's, not a site's.
      const subs = await new KsSyncRemote(session, "").subscriptions();
      return subs.map((x) => ({ id: x.id, plan: x.plan, validUntil: x.validUntil, siteId: x.siteId }));
    },

    "sync.dryRun": ({ siteId, sample }) =>
      withEngine(siteId, (s) => {
        const d = s.engine.dryRun(sample);
        const byEntity: Record<string, { insert: number; update: number; delete: number }> = {};
        for (const [k, v] of Object.entries(d.byEntity)) if (v) byEntity[k] = { ...v };
        return { ...d, byEntity, first: [...d.first] };
      }),

    "sync.start": async ({ siteId, subscriptionId }) => {
      const store = ws.get(siteId);
      if (running.has(siteId)) throw new AppError("sync.busy", "A sync is already running for this site. Wait for it or cancel it.", { siteId });
      const s = open(store);
      running.set(siteId, s);
      try {
        const before = store.logicalClock();
        if (subscriptionId !== undefined) {
          // The subscription goes on the site in the cloud, which must exist for it.
          const remote = new KsSyncRemote(session, store.siteId);
          await remote.putSiteDoc(store.site(), `${s.engine.keyPrefix}site-${store.logicalClock()}`);
          await remote.attachSubscription(subscriptionId);
        }
        const report = await s.engine.run();
        last.set(siteId, report);
        if (store.logicalClock() !== before) changed(siteId, SYNC_ACTIONS.pull);
        return report;
      } finally {
        running.delete(siteId);
        s.close();
      }
    },

    "sync.cancel": ({ siteId }) => ({ cancelled: running.get(siteId)?.engine.cancel() ?? false }),

    "sync.status": ({ siteId }) =>
      withEngine(siteId, (s) => {
        const st = s.engine.status();
        return { ...st, last: st.last ?? last.get(siteId) ?? null };
      }),

    "sync.conflicts": ({ siteId }) => withEngine(siteId, (s) => s.engine.conflicts().map(conflictOut)),

    "sync.resolve": ({ siteId, conflictId, choice }) =>
      withEngine(siteId, async (s) => {
        if (running.has(siteId)) throw new AppError("sync.busy", "A sync is running for this site. Resolve conflicts when it has finished.", { siteId });
        const out = conflictOut(await s.engine.resolve(conflictId, choice));
        if (choice === "theirs") changed(siteId, SYNC_ACTIONS.takeTheirs);
        return out;
      }),

    "sync.setAside": (input) =>
      withEngine(input.siteId, async (s) => {
        let accepted: boolean | null = null;
        if (input.action !== "list" && running.has(input.siteId)) throw new AppError("sync.busy", "A sync is running for this site. Try again when it has finished.", { siteId: input.siteId });
        if (input.action === "retry") accepted = (await s.engine.retrySetAside(input.id)).accepted;
        if (input.action === "discard" && !s.engine.discardSetAside(input.id)) {
          throw new AppError("sync.set_aside_not_found", "That change is no longer set aside.", { id: input.id });
        }
        return { items: s.engine.setAsideList().map(setAsideOut), accepted };
      }),
  };
}
