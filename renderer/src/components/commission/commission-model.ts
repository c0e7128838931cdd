import type { AsBuiltView, JobView } from "../../../../core/api/features/commissioning.contract.ts";
import type { CommissioningStep } from "../../../../core/commissioning/records.ts";
import type { IqNetwork } from "../../../../core/domain/index.ts";
import { KsError, ksRow } from "../../../../core/errors/index.ts";
import { describeError } from "../../errors/describe.ts";

/**
 * Pure helpers of the Commission screen: the wizard's steps in words, signal bars,
 * link quality levels, sticker filling for simulated IQs and the two trees of the
 * as-built comparison. No Vue, no calls.
 */

export const STEPS: readonly CommissioningStep[] = ["discover", "authenticate", "identify", "network", "cloud", "attach", "test", "done"];

export const STEP_LABELS: Readonly<Record<CommissioningStep, string>> = {
  discover: "Connect",
  authenticate: "Activation code",
  identify: "Identify",
  network: "Network",
  cloud: "Cloud check",
  attach: "Attach devices",
  test: "Test doors",
  done: "Done",
};

/** What the IQ is doing while a step runs, for the line under the spinner. */
export const STEP_WORKING: Readonly<Record<CommissioningStep, string>> = {
  discover: "Connecting over Bluetooth…",
  authenticate: "Checking the activation code with the IQ (encrypted pairing)…",
  identify: "Reading the IQ's serial, model, firmware and MAC address…",
  network: "The IQ is joining the network; this can take up to half a minute…",
  cloud: "Waiting for the IQ to reach the KS cloud…",
  attach: "Attaching repeaters and locks, parents first…",
  test: "Opening each door once from the laptop…",
  done: "Finished.",
};

export type StepState = "done" | "current" | "running" | "failed" | "waiting" | "todo";

/** Where each step of a job stands, for the stepper. */
export function stepStates(job: JobView["job"], running: boolean): Record<CommissioningStep, StepState> {
  const at = STEPS.indexOf(job.step);
  const out = {} as Record<CommissioningStep, StepState>;
  for (const [i, s] of STEPS.entries()) {
    if (job.step === "done" || i < at) out[s] = "done";
    else if (i > at) out[s] = "todo";
    else if (running) out[s] = "running";
    else if (job.status === "failed") out[s] = "failed";
    else if (job.status === "needs-input") out[s] = "waiting";
    else out[s] = "current";
  }
  return out;
}

/** A job's state in a few words, for lists. */
export function jobSummary(v: Pick<JobView, "job" | "attached" | "devices" | "opened" | "locks">): { text: string; tone: "success" | "danger" | "warning" | "accent" | "plain" } {
  const j = v.job;
  if (j.step === "done") return { text: `Done · ${v.opened}/${v.locks} doors opened`, tone: "success" };
  if (j.status === "failed") return { text: `${STEP_LABELS[j.step]} failed`, tone: "danger" };
  if (j.status === "needs-input") return { text: `${STEP_LABELS[j.step]}: ${WAITING_WORDS[j.waitingFor ?? "network"]}`, tone: "warning" };
  if (j.step === "attach" || j.step === "test") return { text: `${STEP_LABELS[j.step]} · ${v.attached}/${v.devices} attached`, tone: "accent" };
  return { text: `At ${STEP_LABELS[j.step].toLowerCase()}`, tone: "accent" };
}

export const WAITING_WORDS = {
  peripheral: "pick the IQ in a scan",
  "activation-code": "type the activation code",
  network: "choose its network",
  "device-ids": "type the Device IDs",
} as const;

/** dBm → 0..4 bars, as phones draw them. */
export function rssiBars(dbm: number): number {
  if (dbm >= -60) return 4;
  if (dbm >= -70) return 3;
  if (dbm >= -80) return 2;
  if (dbm >= -90) return 1;
  return 0;
}

export function rssiWords(dbm: number): string {
  return ["Out of reach", "Weak", "Fair", "Good", "Excellent"][rssiBars(dbm)]!;
}

/** A link quality (0..100, as the IQ reports it) in three levels. */
export function linkLevel(q: number | null): "good" | "fair" | "weak" | "none" {
  if (q === null) return "none";
  if (q >= 60) return "good";
  if (q >= 35) return "fair";
  return "weak";
}

export function describeNetwork(n: IqNetwork | null): string {
  if (!n) return "Not chosen";
  switch (n.kind) {
    case "unconfigured":
      return "Not set";
    case "ethernet-dhcp":
      return "Ethernet (DHCP)";
    case "ethernet-static":
      return `Ethernet ${n.address}/${n.prefixLength}`;
    case "wifi":
      return `Wi-Fi “${n.ssid}”`;
    case "cellular":
      return `SIM stick (APN ${n.apn})`;
  }
}

/**
 * Device IDs from a simulated box's stickers for a job's devices: repeaters in the
 * job's order take the box's repeater stickers, locks its lock stickers (the simulated
 * devices reach every parent of their IQ, so any planned tree can be built).
 */
export function stickersFor(devices: readonly { readonly ref: string; readonly role: "repeater" | "lock" }[], label: { readonly repeaters: readonly string[]; readonly locks: readonly string[] }): { ref: string; deviceId: string }[] {
  let r = 0;
  let l = 0;
  const out: { ref: string; deviceId: string }[] = [];
  for (const d of devices) {
    const id = d.role === "repeater" ? label.repeaters[r++] : label.locks[l++];
    if (id !== undefined) out.push({ ref: d.ref, deviceId: id });
  }
  return out;
}

/** A refusal (KS code and words) for showing next to the button that caused it. */
export interface Refusal {
  readonly headline: string;
  readonly detail: string | null;
  readonly ksCode: number | null;
}

export function refusalOf(e: unknown): Refusal {
  if (e instanceof KsError) {
    const vendor = ksRow(e.ksCode)?.message ?? e.message;
    return { headline: `KS ${e.ksCode} · ${vendor}`, detail: e.message !== vendor ? e.message : null, ksCode: e.ksCode };
  }
  const v = describeError(e);
  return { headline: v.title, detail: v.issues.length ? v.issues.join("; ") : v.detail, ksCode: null };
}

/**
 * What to check on this step for this failure, beyond the error's own advice (which
 * speaks of the KS code in general): where the installer should look first.
 */
export function stepHint(step: CommissioningStep, code: string, ksCode: number | null, concerns: readonly string[]): string | null {
  const who = concerns.length ? concerns.join(", ") : "the device";
  if (step === "attach" && ksCode === 3104) return `Compare the Device ID typed for ${who} with its sticker; if it matches, check that it is powered and within reach of its parent, then retry.`;
  if (step === "attach" && ksCode === 2204) return "The tree breaks an IQ limit: change the plan (Plan) so that this IQ keeps within its limits, then start again.";
  if (step === "attach" && ksCode === 3103) return `${who} is already attached somewhere: detach it there first, or check its Device ID.`;
  if (step === "cloud") return "The IQ is on the network but cannot reach the KS cloud: check that the site's firewall lets it out (HTTPS), or choose another network.";
  if (step === "discover" || code.startsWith("ble.")) return "Stay within a few metres of the IQ, check that its LED is on, and retry. If it still fails, scan again and pick it.";
  return null;
}

// ── As-built against the plan ───────────────────────────────────────────────────

export type Mark = "missing" | "extra" | "wrong-parent" | null;

export interface CompareRow {
  readonly key: string;
  readonly role: "iq" | "repeater" | "lock";
  readonly name: string;
  readonly depth: number;
  readonly deviceId: string | null;
  /** The door (locks), for the lock kind's colour. */
  readonly doorId: string | null;
  readonly mark: Mark;
  /** Why it is marked, in words. */
  readonly note: string | null;
  readonly linkQuality: number | null;
}

interface Node {
  readonly key: string;
  readonly parent: string | null;
  readonly row: Omit<CompareRow, "depth">;
}

/** Depth-first rows under the IQ (repeaters before locks at each level); orphans last, one level in. */
function flatten(iqRow: Omit<CompareRow, "depth">, nodes: readonly Node[]): CompareRow[] {
  const children = new Map<string | null, Node[]>();
  for (const n of nodes) {
    const list = children.get(n.parent) ?? [];
    list.push(n);
    children.set(n.parent, list);
  }
  const order = (list: Node[]) => [...list].sort((a, b) => (a.row.role === b.row.role ? a.row.name.localeCompare(b.row.name, undefined, { numeric: true }) : a.row.role === "repeater" ? -1 : 1));
  const out: CompareRow[] = [{ ...iqRow, depth: 0 }];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const n of order(children.get(parent) ?? [])) {
      if (seen.has(n.key)) continue;
      seen.add(n.key);
      out.push({ ...n.row, depth });
      walk(n.key, depth + 1);
    }
  };
  walk(null, 1);
  for (const n of nodes) if (!seen.has(n.key)) out.push({ ...n.row, depth: 1 });
  return out;
}

/** The plan's tree and the as-built tree of one IQ as rows, with the differences marked on both sides. */
export function compareTrees(v: AsBuiltView): { planned: CompareRow[]; built: CompareRow[] } {
  const missing = new Set<string>();
  const wrongByRef = new Map<string, string>();
  const wrongById = new Map<string, string>();
  const extraIds = new Set<string>();
  for (const d of v.differences) {
    if (d.kind === "missing") missing.add(d.ref);
    else if (d.kind === "wrong-parent") {
      wrongByRef.set(d.ref, `Attached under ${d.actualParent}`);
      wrongById.set(d.id, `Planned under ${d.expectedParent}`);
    } else if (d.id !== null) extraIds.add(d.id);
  }
  const iqRow = { key: v.iq.id, role: "iq" as const, name: v.iq.name, deviceId: v.iq.serial, doorId: null, mark: null, note: null, linkQuality: null };
  const plannedNodes: Node[] = (v.planned ?? []).map((p) => ({
    key: p.ref,
    parent: p.parentRef,
    row: {
      key: p.ref,
      role: p.role,
      name: p.name,
      deviceId: p.deviceId,
      doorId: p.role === "lock" ? p.ref : null,
      mark: missing.has(p.ref) ? "missing" : wrongByRef.has(p.ref) ? "wrong-parent" : null,
      note: wrongByRef.get(p.ref) ?? null,
      linkQuality: null,
    },
  }));
  const builtNodes: Node[] = [
    ...v.built.map((b) => ({
      key: b.id,
      parent: b.parent.kind === "iq" ? null : b.parent.id,
      row: {
        key: b.id,
        role: b.role,
        name: b.name,
        deviceId: b.deviceId,
        doorId: b.doorId,
        mark: extraIds.has(b.id) ? ("extra" as const) : wrongById.has(b.id) ? ("wrong-parent" as const) : null,
        note: extraIds.has(b.id) ? "Not in the plan" : (wrongById.get(b.id) ?? null),
        linkQuality: b.linkQuality,
      },
    })),
    ...v.unknownOnIq.map((u) => ({
      key: `unknown-${u.deviceId}`,
      parent: null,
      row: { key: `unknown-${u.deviceId}`, role: u.role, name: `Unknown ${u.role} ${u.deviceId}`, deviceId: u.deviceId, doorId: null, mark: "extra" as const, note: "On the IQ, not in this site", linkQuality: u.linkQuality },
    })),
  ];
  return { planned: v.planned ? flatten(iqRow, plannedNodes) : [], built: flatten(iqRow, builtNodes) };
}

/** The median of some numbers (null for none). */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}
