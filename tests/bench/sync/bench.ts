import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Secret, TOTP } from "otpauth";
import { toCloudBody, toCloudSite, RESOURCE_OF } from "../../../core/cloud/documents.ts";
import { KsHttp, type FetchLike } from "../../../core/cloud/http.ts";
import { CloudSession } from "../../../core/cloud/session.ts";
import { KsSyncRemote } from "../../../core/cloud/sync-remote.ts";
import { systemClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import type { SecretVault } from "../../../core/ports/secret-vault.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { openSync, timerSleep } from "../../../core/sync/index.ts";
import { z } from "zod";
import { collectGarbage, median, type BenchContext } from "../result.ts";

/**
 * `npm run -s bench -- sync`: a 10,000-entity site synced to the KS cloud emulator on
 * loopback (the emulator in its own process).
 *
 * - `sync.requests`: every HTTP request of one whole sync (pulls, batches, refreshes), budget ≤ 200
 *   (no baseline: a budget is not a measurement);
 * - `sync.seconds`: its wall time, median of RUNS after a warm-up, against the baseline
 *   of ONE bulk POST of the same changes as JSON (the same documents, keys and
 *   resources, built straight from the site's rows) to a twin site in the same run;
 *   ratio budget ≤ 3;
 * - `sync.peak_rss_mb`: the highest resident memory sampled while syncing, with the
 *   resident memory just before as its baseline (ratio: growth factor).
 */

const RUNS = 3;
const ENTITIES = 10_000;
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");

interface CloudInfo {
  readonly url: string;
  readonly email: string;
  readonly password: string;
  readonly totpSecret: string;
}

function startCloudProcess(): Promise<{ child: ChildProcess; info: CloudInfo }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "cloud-process.ts")], { cwd: repo, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) ok({ child, info: JSON.parse(line) as CloudInfo });
    });
    child.once("exit", (code) => fail(new Error(`the emulator exited with ${code}`)));
  });
}

class MemoryVault implements SecretVault {
  private readonly m = new Map<string, string>();
  async get(k: string) {
    return this.m.get(k) ?? null;
  }
  async set(k: string, v: string) {
    this.m.set(k, v);
  }
  async delete(k: string) {
    this.m.delete(k);
  }
}

/**
 * A site of ~10,000 entities: 10 floors, 2,000 doors with a lock each, 3,000 people
 * with a tag each, written as an installer would (actions of a hundred or so).
 */
function buildSite(path: string, seed: number): SiteStore {
  const ids = uuidv7Source(systemClock, seededRandom(seed));
  const store = SiteStore.create(path, { name: `Bench site ${seed}` }, { clock: systemClock, ids, actor: "bench" });
  const floors: string[] = [];
  store.act({ name: "bench.floors" }, (tx) => {
    for (let f = 0; f < 10; f++) floors.push(tx.insert("floor", { name: `Floor ${f}`, level: f, widthM: 100, depthM: 40 }).id);
  });
  for (let a = 0; a < 40; a++) {
    store.act({ name: "bench.doors" }, (tx) => {
      for (let i = 0; i < 50; i++) {
        const n = a * 50 + i;
        const door = tx.insert("door", { floorId: floors[n % 10]!, name: `Room ${n}`, x: n % 100, y: (n * 7) % 40 });
        tx.insert("lock", { doorId: door.id, name: `Room ${n}`, hardware: { kind: "escutcheon" } });
      }
    });
  }
  for (let a = 0; a < 30; a++) {
    store.act({ name: "bench.people" }, (tx) => {
      for (let i = 0; i < 100; i++) {
        const n = a * 100 + i;
        const u = tx.insert("user", { firstName: "Guest", lastName: `Number ${n}`, email: `guest${n}@bench.example` });
        tx.insert("tag", { number: `0D${String(n).padStart(6, "0")}`, state: "assigned", userId: u.id, assignedAt: tx.at });
      }
    });
  }
  return store;
}

function counting(): { fetch: FetchLike; requests: () => number; reset(): void } {
  let n = 0;
  return {
    fetch: (input, init) => {
      n += 1;
      return fetch(input, init);
    },
    requests: () => n,
    reset: () => void (n = 0),
  };
}

const SiteAck = z.object({ id: z.string() }).loose();
const BulkAnswer = z.object({ results: z.array(z.object({ status: z.number() }).loose()) });

export async function run(ctx: BenchContext): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "lintel-bench-sync-"));
  const { child, info } = await startCloudProcess();
  try {
    const counter = counting();
    const http = new KsHttp({ baseUrl: info.url, clock: systemClock, fetch: counter.fetch, timeoutMs: 300_000 });
    const session = new CloudSession({ http, vault: new MemoryVault(), clock: systemClock });
    const first = await session.signIn(info.email, info.password);
    if (first.kind === "second-factor") {
      const code = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(info.totpSecret) }).generate();
      await session.verify(first.challengeId, "totp", code, false);
    }
    const subscribe = async (siteId: string) => {
      const res = await fetch(`${info.url}/_emulator/subscriptions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: info.email, valid_until: new Date(Date.now() + 86_400_000 * 30).toISOString() }),
      });
      const sub = (await res.json()) as { id: string };
      await session.authorized({ method: "PUT", path: `/v1/sites/${siteId}/subscription`, body: { subscription_id: sub.id }, schema: SiteAck });
    };

    const syncTimes: number[] = [];
    const bulkTimes: number[] = [];
    let requests = 0;
    let peakRss = 0;
    let rssBefore = 0;
    let entities = 0;
    for (let r = 0; r <= RUNS; r++) {
      const warm = r === 0;
      const store = buildSite(join(tmp, `site-${r}.lintel`), 100 + r);
      const c = store.counts();
      entities = 1 + c.floors + c.doors + c.locks + c.users + c.tags;
      if (entities < ENTITIES) throw new Error(`the bench site has ${entities} entities, fewer than ${ENTITIES}`);

      // Baseline: the same changes as one JSON body, in ONE bulk POST, to a twin site (id of its own, same documents).
      const twin = `${store.siteId.slice(0, 24)}${"f".repeat(12)}`;
      await session.authorized({ method: "PUT", path: `/v1/sites/${twin}`, body: toCloudSite(store.site()), schema: SiteAck });
      await subscribe(twin);
      const changes: unknown[] = [];
      for (let after = 0; ; ) {
        const page = store.journal({ afterSeq: after, limit: 5000 });
        if (page.length === 0) break;
        for (const e of page) {
          const resource = RESOURCE_OF[e.entity];
          if (resource && e.after) changes.push({ idempotency_key: `bulk-${r}-${e.seq}`, op: "upsert", resource, id: e.entityId, body: toCloudBody(e.entity, e.after) });
        }
        after = page.at(-1)!.seq;
      }
      const t0 = performance.now();
      const res = await session.authorized({ method: "POST", path: `/v1/sites/${twin}/changes:batch`, body: { changes }, schema: BulkAnswer });
      const bulkMs = performance.now() - t0;
      if (res.body.results.length !== changes.length || res.body.results.some((x) => x.status >= 300)) throw new Error("the bulk POST did not apply every change");
      const bodyMb = JSON.stringify({ changes }).length / 1e6;

      // The sync of the same site: the site document first (its subscription needs it), then everything.
      const remote = new KsSyncRemote(session, store.siteId);
      await remote.putSiteDoc(store.site(), `bench-site-${store.siteId}`);
      await subscribe(store.siteId);
      const rnd = seededRandom(r);
      const sync = openSync(store, { remote, clock: systemClock, sleep: timerSleep, random: () => rnd()[0]! / 256 });
      collectGarbage();
      rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 5);
      counter.reset();
      const t1 = performance.now();
      const report = await sync.engine.run();
      const syncMs = performance.now() - t1;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      if (report.outcome !== "done" || report.setAside > 0 || report.conflicts > 0) throw new Error(`the sync did not finish cleanly: ${JSON.stringify(report)}`);
      sync.close();
      store.close();
      ctx.log(`run ${r}${warm ? " (warm-up)" : ""}: ${entities} entities, sync ${(syncMs / 1000).toFixed(2)} s in ${counter.requests()} requests, bulk POST ${(bulkMs / 1000).toFixed(2)} s (${bodyMb.toFixed(1)} MB), peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
      if (warm) continue;
      syncTimes.push(syncMs / 1000);
      bulkTimes.push(bulkMs / 1000);
      requests = Math.max(requests, counter.requests());
      peakRss = Math.max(peakRss, peak);
    }
    const instance = `site-${entities}`;
    ctx.emit({ metric: "sync.requests", value: requests, unit: "requests", instance });
    ctx.emit({ metric: "sync.seconds", value: round(median(syncTimes)), unit: "s", instance, baseline: round(median(bulkTimes)) });
    ctx.emit({ metric: "sync.peak_rss_mb", value: round(peakRss / 2 ** 20, 1), unit: "MB", instance, baseline: round(rssBefore / 2 ** 20, 1) });
  } finally {
    child.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
