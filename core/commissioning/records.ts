import { z } from "zod";
import { DeviceId, Id, Instant, IqNetwork, Name, Position } from "../domain/index.ts";

/**
 * What the commissioning flow keeps in the site file: one job per IQ (where the flow
 * stands, so a killed app resumes there), the devices as the IQ attached them (link
 * quality, RSSI) and every door test. The IQ's own identity and network live in the
 * `Iq` document of migration 0002; nothing here holds a secret, only vault keys.
 */

/** The steps, in order. `done` is where a finished job rests. */
export const COMMISSIONING_STEPS = ["discover", "authenticate", "identify", "network", "cloud", "attach", "test", "done"] as const;
export const CommissioningStep = z.enum(COMMISSIONING_STEPS);
export type CommissioningStep = z.infer<typeof CommissioningStep>;

/**
 * `ready`: the current step can run; `needs-input`: it waits for the installer
 * (`waitingFor` says what); `failed`: the last attempt failed (`lastError` says why;
 * running again retries it); `done`: every door was tested.
 */
export const JOB_STATUSES = ["ready", "needs-input", "failed", "done"] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

export const WaitingFor = z.enum(["peripheral", "activation-code", "network", "device-ids"]);
export type WaitingFor = z.infer<typeof WaitingFor>;

/** Why the last attempt failed: the KS code when there is one, and what to do about it. */
export const JobError = z.object({
  step: CommissioningStep,
  /** Stable code: `ks.2204`, `ble.link`, `commissioning.network_down`, ... */
  code: z.string().min(1).max(100),
  ksCode: z.number().int().nullable(),
  message: z.string().max(2000),
  advice: z.string().max(2000).nullable(),
  /** The device slots concerned (refs), when the error is about some of them. */
  refs: z.array(z.string()).max(64).default([]),
  at: Instant,
});
export type JobError = z.infer<typeof JobError>;

export const TestOutcome = z.enum(["opened", "no-response", "refused"]);
export type TestOutcome = z.infer<typeof TestOutcome>;

const SlotTest = z.object({ outcome: TestOutcome, latencyMs: z.number().int().min(0).max(65535), at: Instant });

/** Refs name slots inside one job: a plan's repeater id, a door id, or the installer's own label. */
export const SlotRef = z.string().trim().min(1).max(200);

/**
 * One device the job attaches: from the plan's tree for this IQ, or picked by the
 * installer. `parentRef` names another slot (a repeater) or null for the IQ itself.
 * The entity ids are filled when the device is attached, so a retried attach updates
 * the same lock or repeater instead of making a second one.
 */
export const DeviceSlot = z.object({
  ref: SlotRef,
  role: z.enum(["repeater", "lock"]),
  name: Name,
  parentRef: SlotRef.nullable(),
  /** The sticker's Device ID; the attach step waits for it. */
  deviceId: DeviceId.nullable().default(null),
  /** Locks: the door it hangs on. */
  doorId: Id.nullable().default(null),
  lockId: Id.nullable().default(null),
  repeaterId: Id.nullable().default(null),
  /** Repeaters from a plan: where to mount it. */
  position: Position.nullable().default(null),
  attachedAt: Instant.nullable().default(null),
  /** The latest test-open of this lock in this job. */
  test: SlotTest.nullable().default(null),
});
export type DeviceSlot = z.infer<typeof DeviceSlot>;

/** A device found on the IQ that this job does not know (the as-built view's "extra"). */
export const UnknownNode = z.object({
  deviceId: DeviceId,
  role: z.enum(["repeater", "lock"]),
  parentDeviceId: DeviceId.nullable(),
  linkQuality: z.number().int().min(0).max(100),
});
export type UnknownNode = z.infer<typeof UnknownNode>;

export const CompletedStep = z.object({ step: CommissioningStep, at: Instant, attempts: z.number().int().min(1) });

export const CommissioningJob = z.object({
  id: Id,
  iqId: Id,
  /** The stored plan and its IQ this job follows; both null when the installer picks the devices. */
  planId: Id.nullable(),
  planIqId: z.string().min(1).max(200).nullable(),
  /** The adapter's handle of the physical IQ (may change between sessions; the serial may not). */
  peripheralId: z.string().min(1).max(200).nullable(),
  /** The physical IQ's serial, learned at identify: a resumed session must reach this same IQ. */
  serial: z.string().min(1).max(32).nullable().default(null),
  step: CommissioningStep,
  status: JobStatus,
  waitingFor: WaitingFor.nullable().default(null),
  /** Failed attempts at the current step (reset when the step succeeds). */
  attempts: z.number().int().min(0).default(0),
  lastError: JobError.nullable().default(null),
  /** The network to set, without secrets (a vault key instead). */
  network: IqNetwork.nullable().default(null),
  devices: z.array(DeviceSlot).max(64).default([]),
  unknownOnIq: z.array(UnknownNode).max(64).default([]),
  /** Where the activation code is kept while the job needs it (a vault key), or null. */
  activationCodeRef: z.string().min(1).max(300).nullable().default(null),
  completed: z.array(CompletedStep).max(64).default([]),
  createdAt: Instant,
  updatedAt: Instant,
  finishedAt: Instant.nullable().default(null),
});
export type CommissioningJob = z.infer<typeof CommissioningJob>;

/**
 * A device as an IQ attached it (the as-built tree): who its parent is on the IQ, and
 * the radio link measured at attach or at the latest tree read. One row per Device ID.
 */
export const IqDevice = z.object({
  id: Id,
  iqId: Id,
  role: z.enum(["repeater", "lock"]),
  deviceId: DeviceId,
  lockId: Id.nullable(),
  repeaterId: Id.nullable(),
  /** As the IQ reports it; null when attached straight to the IQ. */
  parentDeviceId: DeviceId.nullable(),
  linkQuality: z.number().int().min(0).max(100).nullable(),
  rssi: z.number().int().min(-127).max(0).nullable(),
  attachedAt: Instant,
  measuredAt: Instant,
});
export type IqDevice = z.infer<typeof IqDevice>;

/** One test-open of a door during commissioning (kept as history: it outlives the door). */
export const DoorTestRecord = z.object({
  id: Id,
  lockId: Id,
  doorId: Id,
  iqId: Id,
  jobId: Id,
  deviceId: DeviceId,
  outcome: TestOutcome,
  latencyMs: z.number().int().min(0).max(65535),
  at: Instant,
});
export type DoorTestRecord = z.infer<typeof DoorTestRecord>;
