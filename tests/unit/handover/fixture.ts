import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CloudView } from "../../../core/handover/checklist.ts";
import type { CloudSite } from "../../../core/handover/cloud-handover.ts";
import { openHandoverRecords, type HandoverRecords } from "../../../core/handover/records.ts";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source, type IdSource } from "../../../core/ports/ids.ts";
import { openReadWrite } from "../../../core/store/database.ts";
import { SiteStore } from "../../../core/store/index.ts";

/**
 * A small commissioned site, ready for handover: one floor of 30 × 12 m, one IQ in the
 * middle (activated, online, with serial and firmware), four doors within radio range
 * with their locks attached straight to the IQ (link quality measured), each door
 * tested with success, an Owner and a Site Admin with e-mails, three tags. The sync's
 * checkpoint is at the end of the journal, as after a clean sync. Everything else a
 * test breaks on purpose.
 */
export interface HandoverSite {
  readonly dir: string;
  readonly path: string;
  store: SiteStore;
  records: HandoverRecords;
  readonly clock: ManualClock;
  readonly ids: IdSource;
  readonly floorId: string;
  readonly iqId: string;
  readonly doorIds: readonly string[];
  readonly lockIds: readonly string[];
  readonly ownerId: string;
  readonly adminId: string;
  readonly userId: string;
  /** Marks everything in the journal as pushed (checkpoint at the end, a last sync time). */
  markSynced(): void;
  /** Re-opens the file (store and handover connection), as after a restart. */
  reopen(): void;
  cleanup(): void;
}

export const OWNER_EMAIL = "maren.claes@aurora-hotel.example";
export const ADMIN_EMAIL = "jonas.peeters@aurora-hotel.example";
export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

export function handoverSite(seed = 11): HandoverSite {
  const dir = mkdtempSync(join(tmpdir(), "lintel-handover-"));
  const path = join(dir, "site.lintel");
  const clock = new ManualClock(T0);
  const ids = uuidv7Source(clock, seededRandom(seed));
  const deps = { clock, ids, actor: "installer@test" };
  const store = SiteStore.create(path, { name: "Hotel Aurora", address: "Kaai 12, Gent", timezone: "Europe/Brussels" }, deps);
  const made = store.act({ name: "test.site" }, (tx) => {
    const floor = tx.insert("floor", { name: "Ground floor", level: 0, widthM: 30, depthM: 12 });
    const iq = tx.insert("iq", {
      name: "IQ ground",
      serial: "SN24A0001",
      model: "IQ 2.0",
      firmware: "2.4.1",
      mac: "00:1A:2B:3C:4D:5E",
      activation: "activated",
      activatedAt: new Date(T0).toISOString(),
      network: { kind: "ethernet-dhcp" },
      cloudConnected: true,
      position: { floorId: floor.id, x: 15, y: 6 },
    });
    const doorIds: string[] = [];
    const lockIds: string[] = [];
    const spots = [
      [8, 3, "Room 1"],
      [22, 3, "Room 2"],
      [8, 9, "Room 3"],
      [22, 9, "Room 4"],
    ] as const;
    spots.forEach(([x, y, name], i) => {
      const door = tx.insert("door", { floorId: floor.id, name, x, y });
      const deviceId = `0EA100000${i + 1}01`;
      const lock = tx.insert("lock", { doorId: door.id, name, hardware: { kind: "escutcheon", generation: "bluenet" }, deviceId, parent: { kind: "iq", id: iq.id }, linkState: "attached", online: true });
      tx.insert("iqDevice", {
        iqId: iq.id,
        role: "lock",
        deviceId,
        lockId: lock.id,
        repeaterId: null,
        parentDeviceId: null,
        linkQuality: 90 - i * 15,
        rssi: -55 - i * 6,
        attachedAt: new Date(T0).toISOString(),
        measuredAt: new Date(T0).toISOString(),
      });
      doorIds.push(door.id);
      lockIds.push(lock.id);
    });
    const at = new Date(T0).toISOString();
    const owner = tx.insert("user", { firstName: "Maren", lastName: "Claes", email: OWNER_EMAIL, role: "owner", createdAt: at });
    const admin = tx.insert("user", { firstName: "Jonas", lastName: "Peeters", email: ADMIN_EMAIL, phone: "+32 470 11 22 33", role: "site-admin", createdAt: at });
    const user = tx.insert("user", { firstName: "Tom", lastName: "Wouters", email: null, role: "user", createdAt: at });
    tx.insert("tag", { number: "04A2B9C1", state: "assigned", userId: owner.id, assignedAt: at });
    tx.insert("tag", { number: "04A2B9C2", state: "unassigned" });
    tx.insert("tag", { number: "04A2B9C3", state: "blocked" });
    return { floorId: floor.id, iqId: iq.id, doorIds, lockIds, ownerId: owner.id, adminId: admin.id, userId: user.id, deviceIds: lockIds.map((_, i) => `0EA100000${i + 1}01`) };
  });
  clock.advance(60_000);
  store.act({ name: "test.door-tests" }, (tx) => {
    made.lockIds.forEach((lockId, i) => {
      tx.insert("doorTest", {
        lockId,
        doorId: made.doorIds[i]!,
        iqId: made.iqId,
        jobId: ids.next(),
        deviceId: made.deviceIds[i]!,
        outcome: "opened",
        latencyMs: 300 + i * 40,
        at: new Date(clock.now()).toISOString(),
      });
    });
  });
  let conn = openHandoverRecords(path);
  const site: HandoverSite = {
    dir,
    path,
    store,
    records: conn.records,
    clock,
    ids,
    floorId: made.floorId,
    iqId: made.iqId,
    doorIds: made.doorIds,
    lockIds: made.lockIds,
    ownerId: made.ownerId,
    adminId: made.adminId,
    userId: made.userId,
    markSynced() {
      const db = openReadWrite(path, { mustExist: true });
      try {
        db.prepare(`UPDATE sync_state SET checkpoint_seq = (SELECT coalesce(max(seq), 0) FROM journal), last_synced_at = ? WHERE one = 1`).run(new Date(clock.now()).toISOString());
      } finally {
        db.close();
      }
    },
    reopen() {
      conn.close();
      site.store.close();
      site.store = SiteStore.open(path, deps);
      conn = openHandoverRecords(path);
      site.records = conn.records;
    },
    cleanup() {
      conn.close();
      site.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  site.markSynced();
  return site;
}

export function cloudSite(over: Partial<CloudSite> = {}): CloudSite {
  return {
    id: "site",
    name: "Hotel Aurora",
    subscription: { id: "sub", plan: "KS Pro", validUntil: new Date(T0 + 365 * 86_400_000).toISOString() },
    releasedAt: null,
    owner: { accountId: "acc-installer", email: "installer@lintel.example" },
    myRole: "installer",
    installerAccessExpiresAt: null,
    ...over,
  };
}

export const signedInView = (over: Partial<CloudSite> = {}): CloudView => ({ kind: "site", site: cloudSite(over) });
