import { z } from "zod";
import { CommissioningJob, CommissioningStep, JobError, JobStatus, SlotRef, TestOutcome, UnknownNode, WaitingFor } from "../../commissioning/records.ts";
import { DeviceId, Id, Instant, Iq, IqNetwork, Name } from "../../domain/index.ts";
import { mutation, query, type ProcedureDef } from "../define.ts";
import type { COMMISSIONING_EVENT_NAMES, COMMISSIONING_PROCEDURE_NAMES } from "./commissioning.names.ts";

/**
 * Commissioning IQs over Bluetooth (issue 4): the radio (state, scan with RSSI,
 * blink), the resumable per-IQ job (start, step or run, rewind, network with Wi-Fi
 * sharing, Device IDs), the as-built tree against the plan, and replacing or deleting
 * an IQ. Step failures are not thrown: the job comes back with `lastError` (KS code
 * and advice), so the wizard shows them in place. No output carries a secret.
 */

const SiteInput = z.object({ siteId: Id });
const JobInput = SiteInput.extend({ jobId: Id });

export const BleAdapterState = z.enum(["unavailable", "unauthorized", "powered-off", "resetting", "powered-on"]);

export const BleState = z.object({
  state: BleAdapterState,
  /** Which radio: real Bluetooth, the simulated IQs, or none at all. */
  kind: z.enum(["noble", "simulated"]).nullable(),
  message: z.string(),
});
export type BleState = z.infer<typeof BleState>;

export const ScannedIq = z.object({
  peripheralId: z.string(),
  localName: z.string(),
  serial: z.string().nullable(),
  /** dBm as the laptop hears it (for the signal bars). */
  rssi: z.number().int(),
  /** The IQ of the given site with this serial, when there is one. */
  known: z.object({ iqId: Id, name: z.string(), jobId: Id.nullable() }).nullable(),
});
export type ScannedIq = z.infer<typeof ScannedIq>;

const WifiSecurity = z.enum(["open", "wpa2-psk", "wpa3-sae"]);

/**
 * The simulated IQs (demos and training): whether this Lintel can switch them on, whether
 * they are on, and what is printed on the simulated boxes — serial, activation code,
 * the devices' Device ID stickers — with the demo site's Wi-Fi. These are the
 * simulator's made-up values, not secrets of any real site.
 */
export const SimulatorView = z.object({
  available: z.boolean(),
  on: z.boolean(),
  labels: z.array(
    z.object({
      serial: z.string(),
      activationCode: z.string(),
      ethernetCable: z.boolean(),
      simCard: z.object({ apn: z.string(), pin: z.string().nullable() }).nullable(),
      repeaters: z.array(z.string()),
      locks: z.array(z.string()),
    }),
  ),
  wifi: z.array(z.object({ ssid: z.string(), security: WifiSecurity, passphrase: z.string() })),
});
export type SimulatorView = z.infer<typeof SimulatorView>;

/** A job with what the wizard shows next to it. */
export const JobView = z.object({
  job: CommissioningJob,
  iq: z.object({ id: Id, name: z.string(), serial: z.string().nullable(), model: Iq.shape.model }),
  /** Devices in the job, attached so far, locks, and locks whose door opened. */
  devices: z.number().int(),
  attached: z.number().int(),
  locks: z.number().int(),
  opened: z.number().int(),
});
export type JobView = z.infer<typeof JobView>;

export const PlannedIqView = z.object({
  planId: Id,
  planIqId: z.string(),
  repeaters: z.number().int(),
  locks: z.number().int(),
  /** The job commissioning it, once started. */
  jobId: Id.nullable(),
  iqId: Id.nullable(),
  step: CommissioningStep.nullable(),
  status: JobStatus.nullable(),
});

const Ssid = z.string().min(1).max(32);
const Ipv4 = z.ipv4();

/** The network the installer picks. Passphrases and PINs go to the vault and are never echoed. */
export const NetworkChoiceInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ethernet-dhcp") }),
  z.object({ kind: z.literal("ethernet-static"), address: Ipv4, prefixLength: z.number().int().min(1).max(32), gateway: Ipv4, dns: z.array(Ipv4).min(1).max(2) }),
  z
    .object({ kind: z.literal("wifi"), ssid: Ssid, security: z.enum(["open", "wpa2-psk", "wpa3-sae"]), passphrase: z.string().max(63).default("") })
    .refine((w) => (w.security === "open" ? w.passphrase === "" : new TextEncoder().encode(w.passphrase).length >= 8), {
      message: "A WPA network needs a passphrase of 8 to 63 characters; an open one has none.",
      path: ["passphrase"],
    }),
  z.object({ kind: z.literal("shared-wifi"), ssid: Ssid }),
  z.object({ kind: z.literal("cellular"), apn: z.string().regex(/^[\x21-\x7e]{1,100}$/, "an APN is 1 to 100 printable characters"), pin: z.string().regex(/^[0-9]{4,8}$/).nullable().default(null) }),
]);

const ActivationCode = z.string().trim().min(4).max(64);

const RunInput = JobInput.extend({
  activationCode: ActivationCode.optional(),
  peripheralId: z.string().min(1).max(200).optional(),
  acceptFailedTests: z.boolean().default(false),
});

export const SharedWifiView = z.object({ ssid: z.string(), security: z.enum(["open", "wpa2-psk", "wpa3-sae"]), usedBy: z.array(z.string()) });

export const WifiNetworkView = z.object({ ssid: z.string(), rssi: z.number().int(), security: z.enum(["open", "wpa2-psk", "wpa3-sae"]), channel: z.number().int() });

const Role = z.enum(["repeater", "lock"]);

export const BuiltNode = z.object({
  role: Role,
  id: Id,
  name: z.string(),
  doorId: Id.nullable(),
  deviceId: z.string().nullable(),
  parent: z.object({ kind: z.enum(["iq", "repeater"]), id: Id, name: z.string() }),
  linkQuality: z.number().int().nullable(),
  rssi: z.number().int().nullable(),
  attachedAt: Instant.nullable(),
  lastTest: z.object({ outcome: TestOutcome, latencyMs: z.number().int(), at: Instant }).nullable(),
});

export const Difference = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("missing"), role: Role, ref: z.string(), name: z.string(), message: z.string() }),
  z.object({ kind: z.literal("extra"), role: Role, id: Id.nullable(), deviceId: z.string().nullable(), name: z.string(), message: z.string() }),
  z.object({
    kind: z.literal("wrong-parent"),
    role: Role,
    ref: z.string(),
    id: Id,
    name: z.string(),
    expectedParent: z.string(),
    actualParent: z.string(),
    message: z.string(),
  }),
]);

export const AsBuiltView = z.object({
  iq: z.object({
    id: Id,
    name: z.string(),
    serial: z.string().nullable(),
    model: Iq.shape.model,
    firmware: z.string().nullable(),
    mac: z.string().nullable(),
    network: IqNetwork,
    cloudConnected: z.boolean(),
  }),
  jobId: Id.nullable(),
  planned: z.array(z.object({ ref: z.string(), role: Role, name: z.string(), parentRef: z.string().nullable(), deviceId: z.string().nullable() })).nullable(),
  planIsLatest: z.boolean().nullable(),
  built: z.array(BuiltNode),
  unknownOnIq: z.array(UnknownNode),
  differences: z.array(Difference),
});
export type AsBuiltView = z.infer<typeof AsBuiltView>;

export const IqRow = z.object({ iq: Iq, job: JobView.nullable(), attached: z.number().int() });

const PickedDevice = z.object({
  ref: SlotRef,
  role: Role,
  parentRef: SlotRef.nullable(),
  deviceId: DeviceId.nullable().optional(),
  lockId: Id.optional(),
  repeaterId: Id.optional(),
  name: Name.optional(),
});

export const commissioningProcedures = {
  "ble.state": query("Whether Bluetooth can be used now, and why not, in words.", z.object({}), BleState),
  "ble.scan": query(
    "Listen for IQs for a while: each with its RSSI and, given a site, the IQ of that site with its serial.",
    z.object({ durationMs: z.number().int().min(500).max(30_000).default(4_000), siteId: Id.optional() }),
    z.array(ScannedIq),
  ),
  "ble.blink": mutation(
    "Make an IQ blink to find it: the IQ of a job, or a scanned IQ with its activation code.",
    z.union([
      JobInput.extend({ seconds: z.number().int().min(1).max(60).default(10) }),
      z.object({ peripheralId: z.string().min(1).max(200), activationCode: ActivationCode, seconds: z.number().int().min(1).max(60).default(10) }),
    ]),
    z.object({ blinking: z.literal(true), seconds: z.number().int() }),
  ),
  "ble.simulator": query("Whether simulated IQs can be switched on here, whether they are, and the labels printed on them.", z.object({}), SimulatorView),
  "ble.useSimulated": mutation(
    "Switch to the simulated IQs (demos and training) or back to real Bluetooth; open IQ sessions are dropped, jobs resume on the next run.",
    z.object({ on: z.boolean() }),
    BleState,
  ),
  "commissioning.plannedIqs": query("The latest plan's IQs, each with the job commissioning it once started.", SiteInput, z.array(PlannedIqView)),
  "commissioning.list": query("Every commissioning job of the site, oldest first.", SiteInput, z.array(JobView)),
  "commissioning.get": query("One commissioning job.", JobInput, JobView),
  "commissioning.start": mutation(
    "Start commissioning an IQ: a planned IQ (its tree from the plan), an IQ already in the site, or a new one whose devices are picked by hand.",
    SiteInput.extend({
      plannedIq: z.string().min(1).max(200).optional(),
      planId: Id.optional(),
      iqId: Id.optional(),
      name: Name.optional(),
      peripheralId: z.string().min(1).max(200).optional(),
      activationCode: ActivationCode.optional(),
    }),
    JobView,
  ),
  "commissioning.step": mutation("Run the job's current step once (the next step, or a retry of a failed one).", RunInput, JobView),
  "commissioning.run": mutation("Run the job until it is done, a step fails, or it waits for the installer.", RunInput, JobView),
  "commissioning.rewind": mutation("Go back to an earlier step (another network, test the doors again).", JobInput.extend({ step: CommissioningStep }), JobView),
  "commissioning.setNetwork": mutation("The network the IQ is to join; a shared Wi-Fi by name only.", JobInput.extend({ network: NetworkChoiceInput }), JobView),
  "commissioning.sharedWifi": query("Wi-Fi networks IQs of this site joined, offered for the next IQ with one click (names only).", SiteInput, z.array(SharedWifiView)),
  "commissioning.wifiScan": query("The Wi-Fi networks the job's IQ can see.", JobInput, z.array(WifiNetworkView)),
  "commissioning.setDeviceIds": mutation(
    "The Device IDs from the stickers, per device of the job.",
    JobInput.extend({ devices: z.array(z.object({ ref: SlotRef, deviceId: z.string().trim().min(1).max(16) })).min(1).max(64) }),
    JobView,
  ),
  "commissioning.setDevices": mutation("The devices of a job without a plan, as the installer picks them (checked against the IQ limits, 2204).", JobInput.extend({ devices: z.array(PickedDevice).max(64) }), JobView),
  "commissioning.asBuilt": query("The IQ's tree as built (link quality, RSSI, door tests) against the plan, with the differences.", SiteInput.extend({ iqId: Id }), AsBuiltView),
  "iqs.list": query("The site's IQs, with their commissioning jobs and how many devices hang on each.", SiteInput, z.array(IqRow)),
  "iqs.replace": mutation(
    "Move a whole IQ tree to another (empty, identified, same-model) IQ; 2206 otherwise.",
    SiteInput.extend({ oldIqId: Id, newIqId: Id }),
    z.object({ moved: z.object({ repeaters: z.number().int(), locks: z.number().int() }), newJob: JobView.nullable() }),
  ),
  "iqs.delete": mutation("Delete an IQ with nothing attached (2209 otherwise), with its job.", SiteInput.extend({ iqId: Id }), z.object({ deleted: z.literal(true) })),
} as const satisfies Record<(typeof COMMISSIONING_PROCEDURE_NAMES)[number], ProcedureDef>;

export const commissioningEvents = {
  "commissioning.progress": z.object({
    siteId: Id,
    jobId: Id,
    iqId: Id,
    step: CommissioningStep,
    status: JobStatus,
    waitingFor: WaitingFor.nullable(),
    attempts: z.number().int(),
    /** Within attach and test: devices done so far, of how many. */
    done: z.number().int(),
    total: z.number().int(),
    lastError: JobError.nullable(),
  }),
  "ble.stateChanged": BleState,
  "ble.discovered": ScannedIq.omit({ known: true }),
} as const satisfies Record<(typeof COMMISSIONING_EVENT_NAMES)[number], z.ZodType>;

