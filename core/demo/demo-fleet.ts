import { DEMO_WIFI, demoLockId } from "../devices/ble/sim/fleet.ts";
import type { SimDevice, SimIqConfig } from "../devices/ble/sim/iq.ts";

/**
 * The simulated IQs the app switches on for demos and training. A plan decides how
 * many IQs a site needs and which lock hangs where (the demo hotel's automatic plan has
 * three IQs; an edited one may have two), so each simulated IQ carries a full IQ's worth
 * of devices — 6 repeaters and 16 locks, the IQ limits — every one within radio range
 * of the IQ and of every repeater of the same IQ. Whatever tree a plan gives an IQ, the
 * simulated box can build it once the installer types the Device IDs from its
 * stickers: repeaters in plan order take the box's repeater stickers, locks its lock
 * stickers (`stickersFor`). Link strengths are fixed per pair, so link quality differs
 * from lock to lock as on a real site, with one weak lock to show what that looks like.
 */

export interface DemoBox {
  readonly serial: string;
  /** As printed on the IQ's label. */
  readonly activationCode: string;
  readonly tag: string;
  /** dBm at which the laptop hears it: the nearest first. */
  readonly rssi: number;
  readonly ethernetCable: boolean;
  readonly simCard: { readonly apn: string; readonly pin: string | null } | null;
  /** Lock number (1..16) whose links are all weak. */
  readonly weakLock: number | null;
}

/** The first two are the BLE module's demo fleet (same serials and codes), two more for bigger plans. */
export const DEMO_BOXES: readonly DemoBox[] = [
  { serial: "SN24A0001", activationCode: "K7QF-29XM", tag: "A1", rssi: -58, ethernetCable: true, simCard: null, weakLock: null },
  { serial: "SN24A0002", activationCode: "M3RD-8PQZ", tag: "B2", rssi: -71, ethernetCable: false, simCard: null, weakLock: 3 },
  { serial: "SN24A0003", activationCode: "P9TC-4WLH", tag: "C3", rssi: -77, ethernetCable: false, simCard: { apn: "iot.demo-telco.example", pin: "2468" }, weakLock: null },
  { serial: "SN24A0004", activationCode: "V2XN-7KEB", tag: "D4", rssi: -84, ethernetCable: true, simCard: null, weakLock: 5 },
];

export const DEMO_REPEATERS_PER_IQ = 6;
export const DEMO_LOCKS_PER_IQ = 16;

/** Repeater n of a box: the BLE demo fleet's scheme (0E<tag>000001<nn>), up to six. */
function repeaterId(tag: string, n: number): string {
  return `0E${tag}000001${String(n).padStart(2, "0")}`;
}

/** A fixed "random" strength in [lo, hi] dBm for one radio pair (FNV-1a of both ends). */
function pairRssi(a: string, b: string, lo: number, hi: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${a}|${b}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return lo + (h % (hi - lo + 1));
}

function devicesOf(box: DemoBox): SimDevice[] {
  const repeaters = Array.from({ length: DEMO_REPEATERS_PER_IQ }, (_, k) => repeaterId(box.tag, k + 1));
  const out: SimDevice[] = repeaters.map((id) => ({
    deviceId: id,
    role: "repeater",
    links: Object.fromEntries([["IQ", pairRssi(id, "IQ", -66, -54)], ...repeaters.filter((r) => r !== id).map((r) => [r, pairRssi(id, r, -72, -58)])]),
  }));
  for (let i = 1; i <= DEMO_LOCKS_PER_IQ; i++) {
    const id = demoLockId(box.tag, i);
    const weak = box.weakLock === i;
    const strength = (parent: string) => (weak ? pairRssi(id, parent, -86, -82) : pairRssi(id, parent, -74, -52));
    out.push({
      deviceId: id,
      role: "lock",
      links: Object.fromEntries([["IQ", strength("IQ")], ...repeaters.map((r) => [r, strength(r)])]),
      testOpen: { outcome: "opened", latencyMs: 240 + ((i * 37) % 120) + (weak ? 400 : 0) },
    });
  }
  return out;
}

/** The simulated IQs on the air (fresh objects: the simulator keeps state per IQ). */
export function demoSiteFleet(): SimIqConfig[] {
  return DEMO_BOXES.map((b) => ({
    serial: b.serial,
    activationCode: b.activationCode,
    model: "IQ2",
    firmware: "2.3.1",
    rssi: b.rssi,
    ethernetCable: b.ethernetCable,
    simCard: b.simCard,
    wifiNetworks: DEMO_WIFI,
    cloudReachable: true,
    devices: devicesOf(b),
  }));
}

/** What is printed on a simulated IQ and its devices: the installer reads these off the boxes. */
export interface DemoLabel {
  readonly serial: string;
  readonly activationCode: string;
  readonly ethernetCable: boolean;
  readonly simCard: { readonly apn: string; readonly pin: string | null } | null;
  readonly repeaters: readonly string[];
  readonly locks: readonly string[];
}

export function demoLabels(): DemoLabel[] {
  return DEMO_BOXES.map((b) => ({
    serial: b.serial,
    activationCode: b.activationCode,
    ethernetCable: b.ethernetCable,
    simCard: b.simCard,
    repeaters: Array.from({ length: DEMO_REPEATERS_PER_IQ }, (_, k) => repeaterId(b.tag, k + 1)),
    locks: Array.from({ length: DEMO_LOCKS_PER_IQ }, (_, i) => demoLockId(b.tag, i + 1)),
  }));
}

/** The demo site's Wi-Fi, as the hotel's IT would hand it over (the passphrases are the simulator's). */
export function demoWifi(): { readonly ssid: string; readonly security: "open" | "wpa2-psk" | "wpa3-sae"; readonly passphrase: string }[] {
  return DEMO_WIFI.map((w) => ({ ssid: w.ssid, security: w.security, passphrase: w.passphrase }));
}
