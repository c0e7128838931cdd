import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommissioningFlow, type CommissioningDeps } from "../../../core/commissioning/index.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source, type IdSource } from "../../../core/ports/ids.ts";
import type { SecretVault } from "../../../core/ports/secret-vault.ts";
import { SiteStore } from "../../../core/store/index.ts";
import type { MeshPlan } from "../../../core/topology/format.ts";
import { FakeCentral, FakeIq, openFakeSession } from "../../support/fake-iq.ts";

/** A vault in memory that remembers every value it was ever given (for leak checks). */
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

export interface Site {
  readonly dir: string;
  readonly path: string;
  store: SiteStore;
  readonly clock: ManualClock;
  readonly ids: IdSource;
  readonly floorId: string;
  /** Door ids in creation order (D1..Dn), each with a lock without a Device ID. */
  readonly doors: readonly string[];
  readonly lockOfDoor: ReadonlyMap<string, string>;
  reopen(): SiteStore;
  cleanup(): void;
}

/** A site file in a temp dir: one floor, `doors` doors with locks, no Device IDs yet. */
export function makeSite(doors = 20, seed = 4): Site {
  const dir = mkdtempSync(join(tmpdir(), "lintel-commissioning-"));
  const path = join(dir, "site.lintel");
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const ids = uuidv7Source(clock, seededRandom(seed));
  const deps = { clock, ids, actor: "installer" };
  const store = SiteStore.create(path, { name: "Hotel" }, deps);
  const { floorId, doorIds, lockOfDoor } = store.act({ name: "test.doors" }, (tx) => {
    const floor = tx.insert("floor", { name: "Ground", level: 0, widthM: 50, depthM: 20 });
    const doorIds: string[] = [];
    const lockOfDoor = new Map<string, string>();
    for (let i = 1; i <= doors; i++) {
      const door = tx.insert("door", { floorId: floor.id, name: `Room ${100 + i}`, x: i * 2, y: 5 });
      const lock = tx.insert("lock", { doorId: door.id, name: `Room ${100 + i}`, hardware: { kind: "escutcheon", generation: "bluenet" } });
      doorIds.push(door.id);
      lockOfDoor.set(door.id, lock.id);
    }
    return { floorId: floor.id, doorIds, lockOfDoor };
  });
  const site: Site = {
    dir,
    path,
    store,
    clock,
    ids,
    floorId,
    doors: doorIds,
    lockOfDoor,
    reopen() {
      site.store.close();
      site.store = SiteStore.open(path, deps);
      return site.store;
    },
    cleanup() {
      site.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return site;
}

/**
 * A plan for the site's first doors: IQ1 with R1 on the IQ and R2 on R1, doors 1-4
 * on R1 and 5-8 on R2; IQ2 with doors 9-11 straight on it.
 */
export function storePlan(site: Site): MeshPlan {
  const d = site.doors;
  const f = site.floorId;
  const plan: MeshPlan = {
    format: "lintel-plan/1",
    iqs: [
      { id: "IQ1", floor: f, x: 1, y: 1 },
      { id: "IQ2", floor: f, x: 30, y: 1 },
    ],
    repeaters: [
      { id: "R1", floor: f, x: 5, y: 5, parent: "IQ1" },
      { id: "R2", floor: f, x: 12, y: 5, parent: "R1" },
    ],
    locks: [
      ...d.slice(0, 4).map((door) => ({ door, parent: "R1" })),
      ...d.slice(4, 8).map((door) => ({ door, parent: "R2" })),
      ...d.slice(8, 11).map((door) => ({ door, parent: "IQ2" })),
    ],
    cost: 3,
  };
  site.store.act({ name: "test.plan" }, (tx) => tx.insert("plan", { label: "Plan", source: "planner", plan, previousId: null }));
  return plan;
}

/** Device IDs by index: repeaters AA00000n, locks 0000000n (hex, 8 characters). */
export const repeaterId = (n: number) => `AA${n.toString(16).toUpperCase().padStart(6, "0")}`;
export const lockDeviceId = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");

export interface Rig {
  readonly central: FakeCentral;
  readonly vault: MemoryVault;
  readonly sleeps: number[];
  flow: CommissioningFlow;
  /** A new flow over the same radio and vault, as after an app restart. */
  restart(): CommissioningFlow;
}

export function makeRig(iqs: FakeIq[], overrides: Partial<CommissioningDeps> & { clock: ManualClock; ids: IdSource }): Rig {
  const central = new FakeCentral(iqs);
  const vault = new MemoryVault();
  const sleeps: number[] = [];
  const deps = (): CommissioningDeps => ({
    central,
    openSession: openFakeSession,
    vault,
    sleep: async (ms) => {
      sleeps.push(ms);
      overrides.clock.advance(ms);
    },
    timing: { statusPolls: 4, pollIntervalMs: 1000 },
    ...overrides,
  });
  const rig: Rig = {
    central,
    vault,
    sleeps,
    flow: new CommissioningFlow(deps()),
    restart() {
      rig.flow = new CommissioningFlow(deps());
      return rig.flow;
    },
  };
  return rig;
}

export const peripheralOf = FakeCentral.peripheralIdOf;
export { FakeIq };
