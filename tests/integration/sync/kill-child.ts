/**
 * Child process of kill-sync.test.ts: opens a site and syncs it to the emulator at the
 * given URL, with the session the parent signed in (its vault entries in a JSON file),
 * in small batches, until done or SIGKILLed. It prints "push N" after each batch's
 * outcome is stored (N = journal entries done) and "done <outcome>" at the end.
 * Run with `node --import tsx kill-child.ts <site file> <cloud url> <vault json>`.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { KsHttp } from "../../../core/cloud/http.ts";
import { CloudSession } from "../../../core/cloud/session.ts";
import { KsSyncRemote } from "../../../core/cloud/sync-remote.ts";
import { systemClock } from "../../../core/ports/clock.ts";
import { uuidv7Source } from "../../../core/ports/ids.ts";
import type { SecretVault } from "../../../core/ports/secret-vault.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { openSync, timerSleep } from "../../../core/sync/index.ts";

const [path, url, vaultFile] = process.argv.slice(2);
if (!path || !url || !vaultFile) throw new Error("usage: kill-child.ts <site file> <cloud url> <vault json>");

const entries = new Map<string, string>(Object.entries(JSON.parse(readFileSync(vaultFile, "utf8")) as Record<string, string>));
const vault: SecretVault = {
  get: async (k) => entries.get(k) ?? null,
  set: async (k, v) => void entries.set(k, v),
  delete: async (k) => void entries.delete(k),
};
const store = SiteStore.open(path, { clock: systemClock, ids: uuidv7Source(systemClock, () => randomBytes(16)), actor: `kill-child-${process.pid}` });
const session = new CloudSession({ http: new KsHttp({ baseUrl: url, clock: systemClock }), vault, clock: systemClock });
const sync = openSync(store, {
  remote: new KsSyncRemote(session, store.siteId),
  clock: systemClock,
  sleep: timerSleep,
  random: () => randomBytes(1)[0]! / 256,
  limits: { maxChanges: 20 },
  onProgress: (p) => {
    if (p.phase === "push" && p.doneEntries > 0) process.stdout.write(`push ${p.doneEntries}\n`);
  },
});
process.stdout.write("ready\n");
const report = await sync.engine.run();
process.stdout.write(`done ${report.outcome} ${JSON.stringify(report.error)}\n`);
sync.close();
store.close();
