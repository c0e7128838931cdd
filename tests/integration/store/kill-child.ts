/**
 * Child process of kill-during-writes.test.ts: opens an existing site and commits
 * actions of 50 doors each, forever, until the parent SIGKILLs it. It announces
 * "begin N" before and "commit N" after each action, so the parent knows where the
 * kill landed. Run with `node --import tsx kill-child.ts <site file>`.
 */
import { randomBytes } from "node:crypto";
import { systemClock } from "../../../core/ports/clock.ts";
import { uuidv7Source } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";

export const DOORS_PER_ACTION = 50;

const path = process.argv[2];
if (!path) throw new Error("usage: kill-child.ts <site file>");

const store = SiteStore.open(path, {
  clock: systemClock,
  ids: uuidv7Source(systemClock, () => randomBytes(16)),
  actor: `kill-child-${process.pid}`,
});
const floor = store.list("floor")[0];
if (!floor) throw new Error("the site needs a floor");
process.stdout.write("ready\n");

let n = 0;
/** A few actions back to back, then a turn of the event loop so stdout drains on every platform. */
function burst(): void {
  for (let b = 0; b < 5; b++) {
    n += 1;
    process.stdout.write(`begin ${n}\n`);
    store.act({ name: "doors.batch" }, (tx) => {
      for (let i = 0; i < DOORS_PER_ACTION; i++) {
        tx.insert("door", { floorId: floor!.id, name: `Batch ${n} door ${i}`, x: i, y: n % 100 });
      }
    });
    process.stdout.write(`commit ${n}\n`);
  }
  setImmediate(burst);
}
burst();
