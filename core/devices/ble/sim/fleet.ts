/**
 * The demo fleet: two simulated IQs, each with 2 repeaters and 16 locks in radio range,
 * so anyone can commission a site without hardware. IQ A has an Ethernet cable; IQ B
 * has none and joins the site's Wi-Fi (which is how Wi-Fi sharing gets shown).
 */
import type { DeviceRole, TestOpenOutcome } from "../commands.ts";
import type { SimDevice, SimIqConfig, SimWifiNetwork } from "./iq.ts";

/** Where a device belongs in the demo's intended tree (what a plan would say). */
export interface DemoPlacement {
  readonly deviceId: string;
  readonly role: DeviceRole;
  /** null = on the IQ itself. */
  readonly parentDeviceId: string | null;
}

export const DEMO_WIFI: readonly SimWifiNetwork[] = [
  { ssid: "Site-Office", rssi: -52, security: "wpa2-psk", channel: 6, passphrase: "correct-horse-42" },
  { ssid: "Site-Guest", rssi: -67, security: "open", channel: 11, passphrase: "" },
  { ssid: "Warehouse-5G", rssi: -79, security: "wpa3-sae", channel: 36, passphrase: "battery-staple-7" },
];

function two(n: number): string {
  return String(n).padStart(2, "0");
}

interface DemoIqSpec {
  readonly serial: string;
  readonly activationCode: string;
  readonly tag: string; // two hex digits distinguishing the IQ's devices
  readonly rssi: number;
  readonly ethernetCable: boolean;
  /** Lock number (1..16) → its RSSI to its repeater, overriding the default ladder. */
  readonly weak?: Readonly<Record<number, number>>;
  readonly testOpen?: Readonly<Record<number, { readonly outcome: TestOpenOutcome; readonly latencyMs: number }>>;
}

export function demoRepeaterId(tag: string, n: 1 | 2): string {
  return `0E${tag}000001${two(n)}`;
}

export function demoLockId(tag: string, n: number): string {
  return `0C${tag}000002${two(n)}`;
}

function devicesFor(spec: DemoIqSpec): SimDevice[] {
  const r1 = demoRepeaterId(spec.tag, 1);
  const r2 = demoRepeaterId(spec.tag, 2);
  const out: SimDevice[] = [
    { deviceId: r1, role: "repeater", links: { IQ: -61, [r2]: -74 } },
    { deviceId: r2, role: "repeater", links: { IQ: -66, [r1]: -72 } },
  ];
  for (let i = 1; i <= 16; i++) {
    const near = i <= 8 ? r1 : r2;
    const far = i <= 8 ? r2 : r1;
    const nearRssi = spec.weak?.[i] ?? -58 - ((i - 1) % 8) * 2.5;
    const t = spec.testOpen?.[i];
    out.push({
      deviceId: demoLockId(spec.tag, i),
      role: "lock",
      links: { [near]: nearRssi, [far]: -91, IQ: -89 },
      ...(t ? { testOpen: t } : { testOpen: { outcome: "opened", latencyMs: 240 + ((i * 37) % 120) } }),
    });
  }
  return out;
}

const SPECS: readonly DemoIqSpec[] = [
  { serial: "SN24A0001", activationCode: "K7QF-29XM", tag: "A1", rssi: -58, ethernetCable: true },
  { serial: "SN24A0002", activationCode: "M3RD-8PQZ", tag: "B2", rssi: -71, ethernetCable: false, weak: { 12: -84 } },
];

/** The two demo IQs (fresh objects each call: the simulator keeps state per IQ). */
export function demoFleet(): SimIqConfig[] {
  return SPECS.map((s) => ({
    serial: s.serial,
    activationCode: s.activationCode,
    model: "IQ2",
    firmware: "2.3.1",
    rssi: s.rssi,
    ethernetCable: s.ethernetCable,
    wifiNetworks: DEMO_WIFI,
    cloudReachable: true,
    devices: devicesFor(s),
  }));
}

/** The intended tree of a demo IQ: both repeaters on the IQ, locks 1–8 on the first, 9–16 on the second. */
export function demoTree(serial: string): readonly DemoPlacement[] {
  const s = SPECS.find((x) => x.serial === serial);
  if (!s) return [];
  const r1 = demoRepeaterId(s.tag, 1);
  const r2 = demoRepeaterId(s.tag, 2);
  return [
    { deviceId: r1, role: "repeater", parentDeviceId: null },
    { deviceId: r2, role: "repeater", parentDeviceId: null },
    ...Array.from({ length: 16 }, (_, k) => ({ deviceId: demoLockId(s.tag, k + 1), role: "lock" as const, parentDeviceId: k < 8 ? r1 : r2 })),
  ];
}
