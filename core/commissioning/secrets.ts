import type { Iq } from "../domain/index.ts";

/**
 * Where the flow's secrets live in the SecretVault. The site file holds these keys
 * (never the secrets): a Wi-Fi passphrase per site and SSID, so every IQ that joins
 * the same network shares one entry; a SIM PIN per IQ; an activation code per job,
 * only while the job still needs it.
 */
export const vaultKeys = {
  wifi: (siteId: string, ssid: string) => `lintel/site/${siteId}/wifi/${encodeURIComponent(ssid)}`,
  simPin: (siteId: string, iqId: string) => `lintel/site/${siteId}/iq/${iqId}/sim-pin`,
  activationCode: (siteId: string, jobId: string) => `lintel/site/${siteId}/commissioning/${jobId}/activation-code`,
} as const;

/** A Wi-Fi network an IQ of the site already joined, offered to the next IQs: names only. */
export interface SharedWifi {
  readonly ssid: string;
  readonly security: "open" | "wpa2-psk" | "wpa3-sae";
  /** The vault key of the passphrase (null for an open network). */
  readonly secretRef: string | null;
  /** The IQs that joined it, by name, for "used by IQ lobby, IQ floor 1". */
  readonly usedBy: readonly string[];
}

/**
 * The networks to offer with one click: every SSID an IQ of this site joined (its
 * network is only written once the IQ is up on it), newest configuration first.
 */
export function sharedWifiOf(iqs: readonly Iq[]): SharedWifi[] {
  const bySsid = new Map<string, { ssid: string; security: SharedWifi["security"]; secretRef: string | null; usedBy: string[] }>();
  for (const iq of iqs) {
    const n = iq.network;
    if (n.kind !== "wifi") continue;
    if (n.security !== "open" && n.secretRef === null) continue;
    const seen = bySsid.get(n.ssid);
    if (seen) seen.usedBy.push(iq.name);
    else bySsid.set(n.ssid, { ssid: n.ssid, security: n.security, secretRef: n.secretRef, usedBy: [iq.name] });
  }
  return [...bySsid.values()];
}
