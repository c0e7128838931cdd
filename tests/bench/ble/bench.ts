import { randomBytes } from "node:crypto";
import { openIqSession, type IqSession } from "../../../core/devices/ble/client.ts";
import { createSimulatedCentral, type SimulatedCentral } from "../../../core/devices/ble/sim/central.ts";
import { demoFleet, demoTree } from "../../../core/devices/ble/sim/fleet.ts";
import type { AirStats } from "../../../core/devices/ble/sim/link.ts";
import { simRandom } from "../../../core/devices/ble/sim/random.ts";
import { VirtualScheduler } from "../../../core/ports/scheduler.ts";
import { median, type BenchContext } from "../result.ts";

/**
 * `npm run -s bench -- ble`: the Bluetooth stack over the simulated link, on virtual
 * time (so "seconds" are simulated seconds, exact and independent of this machine).
 *
 * - Commissioning one IQ with 2 repeaters and 16 locks (connect, handshake and pairing,
 *   identify, network, status, 18 attaches, read-tree, 16 test-opens) at a 30 ms
 *   connection interval with 5 % packet loss: `ble.commission_link_seconds` (median of
 *   RUNS seeds, against the same run without loss as baseline), the part of it the IQ
 *   spent working, round trips and seconds per step, and the wall time of a simulation.
 * - A 64 KiB firmware image at MTU 247: `ble.firmware_efficiency` = image bytes / bytes
 *   on air, counting every frame both ways (BTP headers, bare acks, retransmissions,
 *   session headers and tags, command headers and replies) plus each PDU's fixed
 *   17-byte overhead below GATT (ATT, L2CAP, LL, preamble, CRC). The GATT-only figure
 *   and the figure under 5 % loss are reported beside it.
 */

const RUNS = 9;
const SERIAL = "SN24A0001";
const CODE = "K7QF-29XM";
const IMAGE_BYTES = 64 * 1024;

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

type Step = "connect" | "pair" | "identify" | "network" | "status" | "attach" | "read-tree" | "test-open";
const STEPS: readonly Step[] = ["connect", "pair", "identify", "network", "status", "attach", "read-tree", "test-open"];

interface CommissionRun {
  readonly seconds: number;
  readonly iqBusySeconds: number;
  readonly stepSeconds: Readonly<Record<Step, number>>;
  readonly stepRoundTrips: Readonly<Record<Step, number>>;
  readonly air: AirStats;
  readonly retransmissions: number;
  readonly wallMs: number;
}

function central(s: VirtualScheduler, seed: number, lossRate: number): SimulatedCentral {
  const iq = demoFleet().find((c) => c.serial === SERIAL)!;
  return createSimulatedCentral({ scheduler: s, seed, iqs: [iq], link: { connectionIntervalMs: 30, attMtu: 247, lossRate } });
}

async function commission(seed: number, lossRate: number): Promise<CommissionRun> {
  const wall = performance.now();
  const s = new VirtualScheduler();
  const c = central(s, seed, lossRate);
  const plan = demoTree(SERIAL);
  const stepSeconds = {} as Record<Step, number>;
  const result = await s.run(async () => {
    const t0 = s.now();
    let last = t0;
    const mark = (step: Step) => {
      stepSeconds[step] = (s.now() - last) / 1000;
      last = s.now();
    };
    const link = await c.connect(SERIAL, { timeoutMs: 10_000 });
    mark("connect");
    const q: IqSession = await openIqSession(link, CODE, { random: simRandom(seed).bytes });
    mark("pair");
    await q.identify();
    mark("identify");
    await q.setNetwork({ kind: "ethernet-dhcp" });
    mark("network");
    const st = await q.status();
    if (st.cloud !== "reachable") throw new Error("the simulated IQ did not reach the cloud");
    mark("status");
    for (const p of plan) await q.attach(p.role, p.deviceId, p.parentDeviceId);
    mark("attach");
    const tree = await q.readTree();
    if (tree.length !== plan.length) throw new Error(`read-tree gave ${tree.length} devices, not ${plan.length}`);
    mark("read-tree");
    for (const p of plan) if (p.role === "lock") await q.testOpen(p.deviceId);
    mark("test-open");
    const seconds = (s.now() - t0) / 1000;
    const stats = q.stats();
    return { seconds, stats, air: { ...c.linkTo(SERIAL)!.stats } };
  });
  const rt = result.stats.roundTrips;
  const stepRoundTrips: Record<Step, number> = {
    connect: 1,
    pair: result.stats.handshakeSends + (rt.pairing ?? 0),
    identify: rt.identify ?? 0,
    network: rt["network-set"] ?? 0,
    status: rt.status ?? 0,
    attach: rt.attach ?? 0,
    "read-tree": rt["read-tree"] ?? 0,
    "test-open": rt["test-open"] ?? 0,
  };
  return {
    seconds: result.seconds,
    iqBusySeconds: c.iq(SERIAL).busyMs / 1000,
    stepSeconds,
    stepRoundTrips,
    air: result.air,
    retransmissions: result.stats.transport?.retransmissions ?? 0,
    wallMs: performance.now() - wall,
  };
}

interface FirmwareRun {
  readonly efficiency: number;
  readonly gattEfficiency: number;
  readonly seconds: number;
  readonly airBytes: number;
}

async function firmware(seed: number, lossRate: number, image: Uint8Array): Promise<FirmwareRun> {
  const s = new VirtualScheduler();
  const c = central(s, seed, lossRate);
  return s.run(async () => {
    const link = await c.connect(SERIAL, { timeoutMs: 10_000 });
    const q = await openIqSession(link, CODE, { random: simRandom(seed).bytes });
    const stats = c.linkTo(SERIAL)!.stats;
    const before = { ...stats };
    const t0 = s.now();
    await q.updateFirmware(image, "2.4.0");
    const seconds = (s.now() - t0) / 1000;
    await s.sleep(500); // the last bare acks, before the IQ reboots
    if (c.iq(SERIAL).firmware !== "2.4.0") throw new Error("the image was not committed");
    const air = stats.airBytes - before.airBytes;
    return { efficiency: image.length / air, gattEfficiency: image.length / (stats.gattBytes - before.gattBytes), seconds, airBytes: air };
  });
}

export async function run(ctx: BenchContext): Promise<void> {
  await commission(999, 0.05); // warm-up (JIT, curve tables)

  const clean: CommissionRun[] = [];
  const lossy: CommissionRun[] = [];
  for (let seed = 1; seed <= RUNS; seed++) {
    clean.push(await commission(seed, 0));
    lossy.push(await commission(seed, 0.05));
  }
  const inst = "iq+2r+16l@30ms,5%loss";
  const med = (runs: readonly CommissionRun[], f: (r: CommissionRun) => number) => median(runs.map(f));
  const seconds = med(lossy, (r) => r.seconds);
  ctx.log(`commissioning: ${lossy.map((r) => r.seconds.toFixed(2)).join(" ")} s simulated (5% loss); ${clean[0]!.seconds.toFixed(2)} s without loss`);
  ctx.emit({ metric: "ble.commission_link_seconds", value: round(seconds), unit: "s", instance: inst, baseline: round(med(clean, (r) => r.seconds)) });
  ctx.emit({ metric: "ble.commission_link_seconds_max", value: round(Math.max(...lossy.map((r) => r.seconds))), unit: "s", instance: inst });
  ctx.emit({ metric: "ble.commission_iq_busy_seconds", value: round(med(lossy, (r) => r.iqBusySeconds)), unit: "s", instance: inst });
  ctx.emit({ metric: "ble.commission_air_bytes", value: med(lossy, (r) => r.air.airBytes), unit: "bytes", instance: inst });
  ctx.emit({ metric: "ble.commission_lost_frames", value: med(lossy, (r) => r.air.lostFrames), unit: "count", instance: inst });
  ctx.emit({ metric: "ble.commission_retransmissions", value: med(lossy, (r) => r.retransmissions), unit: "count", instance: inst });
  for (const step of STEPS) {
    ctx.emit({ metric: "ble.step_round_trips", value: med(lossy, (r) => r.stepRoundTrips[step]), unit: "count", instance: step, baseline: med(clean, (r) => r.stepRoundTrips[step]) });
    ctx.emit({ metric: "ble.step_seconds", value: round(med(lossy, (r) => r.stepSeconds[step])), unit: "s", instance: step, baseline: round(med(clean, (r) => r.stepSeconds[step])) });
  }
  ctx.emit({ metric: "ble.commission_wall_ms", value: round(med(lossy, (r) => r.wallMs), 1), unit: "ms", instance: inst });

  const image = new Uint8Array(randomBytes(IMAGE_BYTES));
  const fwClean: FirmwareRun[] = [];
  const fwLossy: FirmwareRun[] = [];
  for (let seed = 1; seed <= RUNS; seed++) {
    fwClean.push(await firmware(seed, 0, image));
    fwLossy.push(await firmware(seed, 0.05, image));
  }
  const fm = (runs: readonly FirmwareRun[], f: (r: FirmwareRun) => number) => round(median(runs.map(f)));
  ctx.log(`firmware: ${fm(fwClean, (r) => r.airBytes)} bytes on air for ${IMAGE_BYTES}`);
  ctx.emit({ metric: "ble.firmware_efficiency", value: fm(fwClean, (r) => r.efficiency), unit: "ratio", instance: "64KiB@MTU247" });
  ctx.emit({ metric: "ble.firmware_efficiency_gatt", value: fm(fwClean, (r) => r.gattEfficiency), unit: "ratio", instance: "64KiB@MTU247" });
  ctx.emit({ metric: "ble.firmware_efficiency", value: fm(fwLossy, (r) => r.efficiency), unit: "ratio", instance: "64KiB@MTU247,5%loss" });
  ctx.emit({ metric: "ble.firmware_seconds", value: fm(fwClean, (r) => r.seconds), unit: "s", instance: "64KiB@MTU247" });
  ctx.emit({ metric: "ble.firmware_seconds", value: fm(fwLossy, (r) => r.seconds), unit: "s", instance: "64KiB@MTU247,5%loss" });
}
