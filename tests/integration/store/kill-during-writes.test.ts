import Database from "better-sqlite3";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { runAndKill } from "../../support/kill-harness.ts";
import { exactDeps, makeTempDir } from "./site-fixtures.ts";

const CHILD = fileURLToPath(new URL("./kill-child.ts", import.meta.url));
const DOORS_PER_ACTION = 50;
const KILLS = 8;

interface Round {
  readonly committedLines: number;
  readonly lastLine: string;
}

/** Runs the child until it has committed `commits` actions, waits `delayMs`, then SIGKILLs it. */
async function runAndKillWrites(path: string, commits: number, delayMs: number): Promise<Round> {
  const run = await runAndKill({ script: CHILD, args: [path], marker: "commit ", after: commits, delayMs, watchdogMs: 20_000 });
  if (run.signal !== "SIGKILL") throw new Error(`child exited with ${run.code ?? run.signal}: ${run.stderr}`);
  return { committedLines: run.marked, lastLine: run.lines.at(-1) ?? "" };
}

describe("SIGKILL during writes", () => {
  const temp = makeTempDir();
  afterAll(() => temp.remove());

  it(`leaves only whole actions after ${KILLS} kills at random moments`, async () => {
    const path = join(temp.dir, "killed.lintel");
    const setup = SiteStore.create(path, { name: "Kill test" }, exactDeps());
    setup.act({ name: "floors.create" }, (tx) => tx.insert("floor", { name: "Ground", level: 0, widthM: 100, depthM: 100 }));
    setup.close();

    const random = seededRandom(2026);
    let acknowledged = 0;
    let midAction = 0;
    let actions = 0;
    for (let k = 1; k <= KILLS; k++) {
      const r = random();
      const round = await runAndKillWrites(path, 1 + (r[0]! % 6), r[1]! % 25);
      acknowledged += round.committedLines;
      if (round.lastLine.startsWith("begin ")) midAction += 1;

      const store = SiteStore.open(path, exactDeps(k));
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
        const perAction = db
          .prepare(
            `SELECT j.action_id AS actionId, count(*) AS rows, count(d.id) AS doors
             FROM journal j LEFT JOIN doors d ON d.id = j.entity_id
             WHERE j.action = 'doors.batch' GROUP BY j.action_id`,
          )
          .all() as { actionId: string; rows: number; doors: number }[];
        expect(perAction.filter((a) => a.rows !== DOORS_PER_ACTION || a.doors !== DOORS_PER_ACTION)).toEqual([]);
        actions = perAction.length;
        expect(store.counts().doors).toBe(DOORS_PER_ACTION * actions);
        // Every action the child reported as committed survived the kill.
        expect(actions).toBeGreaterThanOrEqual(acknowledged);
        // One Lamport tick per action: site.create, floors.create, then the batches.
        expect(store.logicalClock()).toBe(2 + actions);
      } finally {
        db.close();
        store.close();
      }
    }
    console.log(
      `SIGKILL test: ${KILLS} kills (${midAction} while an action was in flight), ` +
        `${actions} whole actions of ${DOORS_PER_ACTION} doors (${actions * DOORS_PER_ACTION} doors) survived, ` +
        `${acknowledged} acknowledged commits, integrity_check ok after every kill`,
    );
  }, 60_000);
});
