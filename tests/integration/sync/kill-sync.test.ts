import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";
import type { RunningCloud } from "../../cloud/server.ts";
import { runAndKill } from "../../support/kill-harness.ts";
import { cloudCounts, demoSite, localCounts, makeTempDir, newAccount, signIn, storeDeps, syncOf, testCloud } from "./cloud-fixtures.ts";

const CHILD = fileURLToPath(new URL("./kill-child.ts", import.meta.url));
const KILLS = 20;

interface Round {
  readonly pushes: number;
  readonly finished: boolean;
}

/** Runs the child until it has stored `batches` outcomes, waits `delayMs`, then SIGKILLs it (unless it finished first). */
async function runAndKillSync(args: readonly string[], batches: number, delayMs: number): Promise<Round> {
  const run = await runAndKill({ script: CHILD, args, marker: "push ", after: batches, delayMs, watchdogMs: 60_000 });
  const finished = run.lines.some((l) => l.startsWith("done "));
  if (run.signal !== "SIGKILL" && !finished) throw new Error(`child exited with ${run.code ?? run.signal}: ${run.stderr}`);
  if (finished && !run.lines.some((l) => l.startsWith("done done"))) throw new Error(`child sync did not finish well: ${run.lines.at(-1)} ${run.stderr}`);
  return { pushes: run.marked, finished };
}

describe("SIGKILL while syncing", () => {
  const temp = makeTempDir("lintel-sync-kill-");
  let cloud: RunningCloud;
  afterAll(async () => {
    await cloud?.close();
    temp.remove();
  });

  it(`leaves the cloud holding every entity exactly once after ${KILLS} kills at random points, each followed by a resume`, async () => {
    cloud = await testCloud();
    const account = newAccount(cloud);
    const signed = await signIn(cloud, account);

    // The demo hotel plus 800 people with a tag each, in actions of 8: about 1,660 changes, ~85 batches of 20.
    const setup = demoSite(temp.dir, 9, "killed.lintel");
    for (let a = 0; a < 100; a++) {
      setup.act({ name: "test.people" }, (tx) => {
        for (let i = 0; i < 8; i++) {
          const n = a * 8 + i;
          const u = tx.insert("user", { firstName: "Guest", lastName: `K${n}`, email: `k${n}@example.test` });
          tx.insert("tag", { number: `0C${String(n).padStart(6, "0")}`, state: "assigned", userId: u.id, assignedAt: tx.at });
        }
      });
    }
    const registering = syncOf(setup, signed);
    await registering.remote.putSiteDoc(setup.site(), `kill-test-site-${setup.siteId}`);
    await registering.remote.attachSubscription(account.subscriptionId);
    registering.close();
    const path = setup.path;
    const siteId = setup.siteId;
    setup.close();

    const vaultFile = join(temp.dir, "vault.json");
    writeFileSync(vaultFile, JSON.stringify(Object.fromEntries(signed.vault.entries)));
    const args = [path, cloud.url, vaultFile];

    const random = seededRandom(Number(process.env.FC_SEED ?? 20261125));
    let inFlight = 0;
    let committedUnrecorded = 0;
    let finishedEarly = 0;
    for (let k = 1; k <= KILLS; k++) {
      const r = random();
      const round = await runAndKillSync(args, 1 + (r[0]! % 3), r[1]! % 30);
      if (round.finished) finishedEarly += 1;

      // After every kill: the file is whole, and nothing in the cloud was applied twice.
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
        const st = db.prepare(`SELECT inflight_body FROM sync_state`).get() as { inflight_body: string | null };
        if (st.inflight_body !== null) {
          inFlight += 1;
          const keys = (JSON.parse(st.inflight_body) as { key: string }[]).map((c) => c.key);
          const known = cloud.db.prepare(`SELECT count(*) AS n FROM change_keys WHERE site_id = ? AND key IN (${keys.map(() => "?").join(",")})`).get(siteId, ...keys) as { n: number };
          if (known.n > 0) committedUnrecorded += 1;
        }
      } finally {
        db.close();
      }
      const twice = cloud.db.prepare(`SELECT resource, id FROM feed WHERE site_id = ? AND origin = 'api' AND resource <> 'site' GROUP BY resource, id HAVING count(*) > 1`).all(siteId);
      expect(twice).toEqual([]);
    }

    // The last resume, to the end.
    const last = await runAndKillSync(args, Number.MAX_SAFE_INTEGER, 0);
    expect(last.finished).toBe(true);

    const store = SiteStore.open(path, storeDeps(99));
    try {
      expect(cloudCounts(cloud, siteId)).toEqual(localCounts(store));
      const twice = cloud.db.prepare(`SELECT resource, id FROM feed WHERE site_id = ? AND origin = 'api' AND resource <> 'site' GROUP BY resource, id HAVING count(*) > 1`).all(siteId);
      expect(twice).toEqual([]);
      const keys = (cloud.db.prepare(`SELECT count(*) AS n FROM change_keys WHERE site_id = ?`).get(siteId) as { n: number }).n;
      const entities = Object.values(localCounts(store)).reduce((a, b) => a + b, 0);
      // One key per entity: each was created once, under one key, however often it was sent.
      expect(keys).toBe(entities);
      expect(finishedEarly).toBe(0);
      console.log(
        `sync kill test: ${KILLS} SIGKILLs, ${inFlight} with a batch on its way, ${committedUnrecorded} of them after the cloud had committed it; ` +
          `${entities} entities in the cloud, each exactly once (${keys} change keys, no entity changed twice)`,
      );
    } finally {
      store.close();
    }
  }, 240_000);
});
