import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret, TOTP } from "otpauth";
import { CloudSession } from "../../../core/cloud/session.ts";
import { KsHttp, type FetchLike } from "../../../core/cloud/http.ts";
import { KsSyncRemote } from "../../../core/cloud/sync-remote.ts";
import { seedDemoHotel } from "../../../core/demo/demo-hotel.ts";
import { systemClock, type Clock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import type { SecretVault } from "../../../core/ports/secret-vault.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { openSync, type OpenSync, type SyncEngineDeps } from "../../../core/sync/index.ts";
import { startCloud, type CloudOptions, type RunningCloud } from "../../cloud/server.ts";

/** Secrets in a Map: what the vault port promises, nothing more. */
export class MemoryVault implements SecretVault {
  readonly entries = new Map<string, string>();
  async get(key: string): Promise<string | null> {
    return this.entries.get(key) ?? null;
  }
  async set(key: string, value: string): Promise<void> {
    this.entries.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

export function makeTempDir(prefix = "lintel-sync-"): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestAccount {
  readonly email: string;
  readonly password: string;
  readonly totpSecret: string;
  readonly subscriptionId: string;
}

let accounts = 0;

/** A fresh installer with TOTP and a valid subscription (each TOTP code is accepted once per account). */
export function newAccount(cloud: RunningCloud): TestAccount {
  accounts += 1;
  const email = `installer-${process.pid}-${accounts}@lintel.example`;
  const password = "correct horse battery";
  const seeded = cloud.createAccount({ email, password, totp: true });
  const sub = cloud.grantSubscription({ email, valid_until: new Date(cloud.clock.now() + 365 * 86_400_000).toISOString() });
  return { email, password, totpSecret: seeded.totp_secret!, subscriptionId: sub.id };
}

export function totpCode(account: TestAccount, atMs: number): string {
  return new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(account.totpSecret) }).generate({ timestamp: atMs });
}

/** Counts requests and their paths; the fetch a test hands to the client. */
export class CountingFetch {
  readonly requests: { method: string; path: string }[] = [];
  readonly fetch: FetchLike = (input, init) => {
    this.requests.push({ method: init.method ?? "GET", path: new URL(input).pathname });
    return fetch(input, init);
  };
  count(pathPart?: string): number {
    return pathPart === undefined ? this.requests.length : this.requests.filter((r) => r.path.includes(pathPart)).length;
  }
}

export interface Signed {
  readonly session: CloudSession;
  readonly http: KsHttp;
  readonly vault: MemoryVault;
}

/** Signs in with password and TOTP, as a person would. */
export async function signIn(cloud: RunningCloud, account: TestAccount, o: { fetch?: FetchLike; clock?: Clock; vault?: MemoryVault } = {}): Promise<Signed> {
  const clock = o.clock ?? cloud.clock;
  const http = new KsHttp({ baseUrl: cloud.url, clock, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const vault = o.vault ?? new MemoryVault();
  const session = new CloudSession({ http, vault, clock, deviceName: "test laptop" });
  const first = await session.signIn(account.email, account.password);
  if (first.kind === "second-factor") await session.verify(first.challengeId, "totp", totpCode(account, cloud.clock.now()), false);
  return { session, http, vault };
}

export const storeDeps = (seed: number, clock: Clock = systemClock) => ({ clock, ids: uuidv7Source(clock, seededRandom(seed)), actor: "installer@test" });

/** A new site file filled with the demo hotel. */
export function demoSite(dir: string, seed = 1, name = "demo.lintel"): SiteStore {
  const deps = storeDeps(seed);
  const store = SiteStore.create(join(dir, name), { name: "Hotel Aurora (test)", timezone: "Europe/Brussels" }, deps);
  seedDemoHotel(store, { actor: deps.actor, clock: deps.clock, ids: deps.ids });
  return store;
}

/** Sleeps that return at once but remember what was asked (Retry-After and backoff are then visible). */
export function recordingSleep(): { readonly waits: number[]; readonly sleep: SyncEngineDeps["sleep"] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      waits.push(ms);
      await new Promise((r) => setImmediate(r));
    },
  };
}

export function syncOf(store: SiteStore, signed: Signed, o: Partial<Omit<SyncEngineDeps, "store" | "state" | "db" | "remote">> & { seed?: number } = {}): OpenSync & { remote: KsSyncRemote } {
  const remote = new KsSyncRemote(signed.session, store.siteId);
  const rnd = seededRandom(o.seed ?? 7);
  const { seed: _seed, ...rest } = o;
  const sync = openSync(store, {
    remote,
    clock: systemClock,
    sleep: recordingSleep().sleep,
    random: () => rnd()[0]! / 256,
    ...rest,
  });
  return { ...sync, remote };
}

/** Rows per resource the emulator holds for a site (its own database). */
export function cloudCounts(cloud: RunningCloud, siteId: string): Record<string, number> {
  const rows = cloud.db.prepare(`SELECT resource, count(*) AS n FROM entities WHERE site_id = ? GROUP BY resource`).all(siteId) as { resource: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.resource, r.n]));
}

/** What the site file holds, counted per cloud resource. */
export function localCounts(store: SiteStore): Record<string, number> {
  const pairs: [string, number][] = [
    ["floors", store.list("floor").length],
    ["doors", store.list("door").length],
    ["locks", store.list("lock").length],
    ["iqs", store.list("iq").length],
    ["repeaters", store.list("repeater").length],
    ["users", store.list("user").length],
    ["tags", store.list("tag").length],
    ["schedules", store.list("schedule").length],
    ["access-groups", store.list("accessGroup").length],
    ["pods", store.list("pod").length],
    ["pod-guests", store.list("podGuest").length],
  ];
  return Object.fromEntries(pairs.filter(([, n]) => n > 0));
}

export async function testCloud(options: CloudOptions = {}): Promise<RunningCloud> {
  return startCloud({ port: 0, ...options });
}
