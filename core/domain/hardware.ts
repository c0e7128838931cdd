import { z } from "zod";
import { Id, Instant, Metres, Name } from "./common.ts";
import { EomSchedule } from "./schedules.ts";

/** The Device ID printed on a lock's or repeater's sticker (hex, as the installer types it). */
export const DeviceId = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[0-9A-F]{8,16}$/, "a Device ID is 8 to 16 hexadecimal characters");

export const Position = z.object({ floorId: Id, x: Metres, y: Metres });
export type Position = z.infer<typeof Position>;

/** Where a lock or repeater hangs in an IQ tree. */
export const Parent = z.object({ kind: z.enum(["iq", "repeater"]), id: Id });
export type Parent = z.infer<typeof Parent>;

/** KS link states of a lock or repeater towards its IQ. */
export const LinkState = z.enum(["unlinked", "attached_pending", "attached", "detached_pending", "detached"]);
export const LockedState = z.enum(["none", "locked", "office_mode", "uncertain", "unlocked"]);

/** Lock hardware by kind (L250-257, L9-22). */
export const LockHardware = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cylinder") }),
  z.object({ kind: z.literal("escutcheon"), generation: z.enum(["classic", "bluenet"]).default("bluenet") }),
  z.object({
    kind: z.literal("wall-reader"),
    /** A wall reader drives its opening through a KS Controller. */
    controller: z.object({
      deviceId: DeviceId.nullable().default(null),
      drives: z.enum(["door", "barrier", "lift", "sliding-door", "gate"]),
    }),
  }),
  z.object({ kind: z.literal("locker"), bankId: Id, number: z.number().int().min(1).max(9999) }),
]);
export type LockHardware = z.infer<typeof LockHardware>;
export type LockKind = LockHardware["kind"];
export const LOCK_KINDS = ["cylinder", "escutcheon", "wall-reader", "locker"] as const satisfies readonly LockKind[];

/**
 * Office mode of one lock (L185-190): off, Manual (MOM) or Easy (EOM, on a schedule).
 * `since` is when `active` last changed: an EOM lock locks itself at the end of its
 * schedule, so a switch made in an earlier window no longer counts (see
 * core/rules/office-mode.ts). Documents written before it existed read as null.
 */
export const OfficeMode = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("off") }),
  z.object({ mode: z.literal("manual"), active: z.boolean(), since: Instant.nullable().default(null) }),
  z.object({ mode: z.literal("easy"), active: z.boolean(), schedule: EomSchedule, since: Instant.nullable().default(null) }),
]);
export type OfficeMode = z.infer<typeof OfficeMode>;

export const Lock = z.object({
  id: Id,
  doorId: Id,
  name: Name,
  hardware: LockHardware,
  deviceId: DeviceId.nullable().default(null),
  parent: Parent.nullable().default(null),
  linkState: LinkState.default("unlinked"),
  lockedState: LockedState.default("none"),
  online: z.boolean().default(false),
  officeMode: OfficeMode.default({ mode: "off" }),
});
export type Lock = z.infer<typeof Lock>;

/** IPv4 dotted quad. */
const Ipv4 = z.ipv4();

/**
 * An IQ's uplink (L167): Ethernet (DHCP or static), Wi-Fi, or a SIM card in a USB stick.
 * Secrets (Wi-Fi passphrase, SIM PIN) are never stored here: only a reference into the
 * secret vault.
 */
export const IqNetwork = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("unconfigured") }),
  z.object({ kind: z.literal("ethernet-dhcp") }),
  z.object({
    kind: z.literal("ethernet-static"),
    address: Ipv4,
    prefixLength: z.number().int().min(1).max(32),
    gateway: Ipv4,
    dns: z.array(Ipv4).min(1).max(3),
  }),
  z.object({
    kind: z.literal("wifi"),
    ssid: z.string().min(1).max(32),
    security: z.enum(["open", "wpa2-psk", "wpa3-sae"]),
    secretRef: z.string().min(1).nullable().default(null),
  }),
  z.object({
    kind: z.literal("cellular"),
    apn: z.string().min(1).max(100),
    pinRef: z.string().min(1).nullable().default(null),
  }),
]);
export type IqNetwork = z.infer<typeof IqNetwork>;

export const IqActivation = z.enum(["not-activated", "activating", "activated", "failed"]);

export const Iq = z.object({
  id: Id,
  name: Name,
  serial: z.string().trim().min(4).max(32).nullable().default(null),
  model: z.enum(["IQ 2.0", "IQ 3.0"]).default("IQ 2.0"),
  firmware: z.string().regex(/^\d+\.\d+\.\d+$/).nullable().default(null),
  mac: z.string().regex(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/).nullable().default(null),
  activation: IqActivation.default("not-activated"),
  activatedAt: Instant.nullable().default(null),
  network: IqNetwork.default({ kind: "unconfigured" }),
  cloudConnected: z.boolean().default(false),
  position: Position.nullable().default(null),
});
export type Iq = z.infer<typeof Iq>;

export const Repeater = z.object({
  id: Id,
  name: Name,
  deviceId: DeviceId.nullable().default(null),
  parent: Parent.nullable().default(null),
  linkState: LinkState.default("unlinked"),
  position: Position.nullable().default(null),
});
export type Repeater = z.infer<typeof Repeater>;

/** Limits of one IQ tree (L267-268 and the vendor's IQ 2.0 page); breaking one is 2204. */
export const IQ_LIMITS = Object.freeze({
  locksPerIq: 16,
  repeatersPerIq: 6,
  repeaterChainDepth: 3,
  childRepeatersPerRepeater: 2,
  hopRangeM: 10,
});

/** When a lock was tested (door test during commissioning) and how it went. */
export const DoorTest = z.object({
  lockId: Id,
  at: Instant,
  result: z.enum(["opened", "no-response", "refused"]),
  linkQuality: z.number().int().min(0).max(100).nullable(),
});
export type DoorTest = z.infer<typeof DoorTest>;

