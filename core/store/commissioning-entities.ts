import { CommissioningJob, DoorTestRecord, IqDevice } from "../commissioning/records.ts";

/**
 * The commissioning flow's entities (tables of migration 0007), spread into ENTITIES
 * in entities.ts so that every write goes through the journaled action writer.
 * Plain objects here (entities.ts wraps them) to keep the import one-way.
 */
export const COMMISSIONING_ENTITY_SPECS = {
  commissioningJob: {
    table: "commissioning_jobs",
    schema: CommissioningJob,
    stampsCreatedAt: true,
    columns: (j: CommissioningJob) => ({ iq_id: j.iqId, plan_id: j.planId, plan_iq: j.planIqId, step: j.step, status: j.status }),
  },
  iqDevice: {
    table: "iq_devices",
    schema: IqDevice,
    columns: (d: IqDevice) => ({ iq_id: d.iqId, device_id: d.deviceId, lock_id: d.lockId, repeater_id: d.repeaterId }),
  },
  doorTest: {
    table: "door_tests",
    schema: DoorTestRecord,
    columns: (t: DoorTestRecord) => ({ lock_id: t.lockId, at: t.at, outcome: t.outcome }),
  },
} as const;
