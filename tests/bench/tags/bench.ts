import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import WebSocket from "ws";
import { startHost } from "../../../cli/serve/host.ts";
import type { Output } from "../../../core/api/contract.ts";
import type { CallContext } from "../../../core/api/router.ts";
import { createLintelApp, type LintelApp } from "../../../core/app/lintel-app.ts";
import type { PortEvent, PortListener, TagReaderPort } from "../../../core/devices/hid/port.ts";
import { SimulatedReaderPort } from "../../../core/devices/hid/sim/simulated-reader.ts";
import { systemClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";
import { StatementCache } from "../../../core/store/database.ts";
import { ENTITIES } from "../../../core/store/entities.ts";
import { writeRow } from "../../../core/store/entity-rows.ts";
import { SiteStore } from "../../../core/store/site-store.ts";
import { median, type BenchContext } from "../result.ts";

/**
 * `npm run bench -- tags`: the reception desk's budget (issue 5): a tag's owner (or
 * "unassigned") ≤ 50 ms after the reader's last report. A site of 100,000 users and
 * 120,000 tags; 1,000 reads from the simulated reader per run (3 runs after a
 * warm-up, medians of the runs' percentiles), timed from the moment the report that
 * completes a read enters the ReaderService to the moment `tags.lookup`'s answer is
 * back: in-process through the router (what the Electron window's IPC adds is one
 * hop), and through the loopback WebSocket of `lintel serve`. Then the lookup alone.
 */

const USERS = 100_000;
const TAGS = 120_000;
const READS = 1_000;
const WARMUP = 100;
const RUNS = 3;
const BUDGET_MS = 50;
const ctx: CallContext = { transport: "cli", actor: "bench" };

const FIRST = ["Ada", "Bram", "Chloé", "Dries", "Elif", "Femke", "Gust", "Hanne", "Ilias", "Jana", "Kobe", "Lore", "Mats", "Nour", "Otto", "Pieter"];
const LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet", "Dubois", "Lambert"];

/** The number of tag i: mostly 4-byte MIFARE UIDs, some EM4100 (5 bytes) and HID Prox (Wiegand) cards. */
function tagNumber(i: number): string {
  if (i % 10 === 7) return `00${(0x1000000 + i).toString(16).toUpperCase().padStart(8, "0")}`;
  if (i % 10 === 9) return `${String(i % 256).padStart(3, "0")}:${String(Math.floor(i / 256) % 65536).padStart(5, "0")}`;
  return `04${i.toString(16).toUpperCase().padStart(6, "0")}`;
}

interface Site {
  readonly path: string;
  readonly assigned: readonly string[];
  readonly unassigned: readonly string[];
  readonly seconds: number;
}

/** The site file, written row by row with the store's own row writer in one transaction (no journal: nothing to sync). */
function buildSite(dir: string, log: (m: string) => void): Site {
  const started = performance.now();
  const path = join(dir, "reception-100k.lintel");
  const ids = uuidv7Source(systemClock, seededRandom(0x7a65));
  SiteStore.create(path, { name: "Reception bench" }, { clock: systemClock, ids, actor: "bench" }).close();
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  const sql = new StatementCache(db);
  const now = new Date().toISOString();
  const userIds: string[] = [];
  const assigned: string[] = [];
  const unassigned: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < USERS; i++) {
      const doc = ENTITIES.user.schema.parse({
        id: ids.next(),
        firstName: FIRST[i % FIRST.length],
        lastName: `${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`,
        email: i % 3 === 0 ? null : `person${i}@example.org`,
        role: i % 500 === 0 ? "site-admin" : "user",
        createdAt: now,
      });
      writeRow(sql, "user", "insert", doc, JSON.stringify(doc));
      userIds.push(doc.id);
    }
    for (let i = 0; i < TAGS; i++) {
      // 90,000 users with a tag, 5,000 with a second one, 20,000 unassigned, 5,000 blocked (half of them still with their user).
      const holder = i < 90_000 ? userIds[i] : i < 95_000 ? userIds[i - 90_000] : i >= 115_000 && i % 2 === 0 ? userIds[i - 115_000] : undefined;
      const state = i >= 115_000 ? "blocked" : holder ? "assigned" : "unassigned";
      const number = tagNumber(i);
      const doc = ENTITIES.tag.schema.parse({ id: ids.next(), number, state, userId: holder ?? null, assignedAt: holder ? now : null });
      writeRow(sql, "tag", "insert", doc, JSON.stringify(doc));
      if (state === "assigned") assigned.push(number);
      else if (state === "unassigned") unassigned.push(number);
    }
  })();
  db.pragma("optimize");
  db.close();
  const seconds = (performance.now() - started) / 1000;
  log(`site: ${USERS} users, ${TAGS} tags in ${seconds.toFixed(1)} s`);
  return { path, assigned, unassigned, seconds };
}

/** The simulated reader as the ReaderService sees it, noting when each report is handed over. */
class TimedPort implements TagReaderPort {
  readonly source = "usb" as const;
  /** When the report being handed over now entered the service. */
  reportAt = 0;
  constructor(readonly sim: SimulatedReaderPort) {}
  state() {
    return this.sim.state();
  }
  readers() {
    return this.sim.readers();
  }
  subscribe(listener: PortListener) {
    return this.sim.subscribe((e: PortEvent) => {
      if (e.type === "report") this.reportAt = performance.now();
      listener(e);
    });
  }
  start() {
    return this.sim.start();
  }
  stop() {
    return this.sim.stop();
  }
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Tag numbers to present: 70 % assigned, 20 % unassigned, 10 % new to the site. The
 * cursor runs on across passes and the strides are primes, so no tag comes twice in
 * the whole bench: a repeat would be debounced (one read per stay) and never answered.
 */
let cursor = 0;
function readPlan(site: Site, count: number): string[] {
  const offset = cursor;
  cursor += count;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = offset + i;
    const r = k % 10;
    if (r < 7) out.push(site.assigned[(k * 7919) % site.assigned.length]!);
    else if (r < 9) out.push(site.unassigned[(k * 104_729) % site.unassigned.length]!);
    else out.push(`05${k.toString(16).toUpperCase().padStart(8, "0")}`);
  }
  return out;
}

type Transport = (tagNumber: string) => Promise<{ readonly status: string }>;

/** Reads the service emitted (synchronously, while the reader's reports come in), and when the report that completed the last one came in. */
let readsEmitted = 0;
let readReportAt = 0;
/** What the lookups answered: the mix must be the plan's (a lookup that finds nothing would be fast and wrong). */
const statuses = new Map<string, number>();

/**
 * One read: present the tag; the answer comes when the window's lookup returns.
 * Latency from the moment the report that completes the read (a wedge reader's
 * Enter, a vendor reader's one report) entered the service.
 */
async function timedRead(readerId: string, sim: SimulatedReaderPort, tagNumber: string, answer: Promise<{ readonly status: string }>): Promise<number> {
  const before = readsEmitted;
  sim.present(readerId, tagNumber);
  const reportIn = readReportAt;
  if (readsEmitted !== before + 1) throw new Error(`presenting ${tagNumber} to ${readerId} gave ${readsEmitted - before} reads`);
  const result = await answer;
  const elapsed = performance.now() - reportIn;
  statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
  return elapsed;
}

async function measureReads(ctxb: BenchContext, instance: string, port: TimedPort, readerId: string, site: Site, transport: Transport, next: () => Promise<string>): Promise<void> {
  const pass = async (count: number) => {
    const times: number[] = [];
    for (const n of readPlan(site, count)) {
      const answer = next().then(transport);
      times.push(await timedRead(readerId, port.sim, n, answer));
    }
    return times;
  };
  await pass(WARMUP);
  statuses.clear();
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = await pass(READS);
    p50s.push(percentile(t, 50));
    p99s.push(percentile(t, 99));
    ctxb.log(`${instance} run ${r + 1}: p50 ${percentile(t, 50).toFixed(3)} ms, p99 ${percentile(t, 99).toFixed(3)} ms, max ${Math.max(...t).toFixed(3)} ms`);
  }
  const mix = Object.fromEntries(statuses);
  ctxb.log(`${instance} answers: ${JSON.stringify(mix)}`);
  if (!(mix.assigned! > 0 && mix.unassigned! > 0 && mix.unregistered! > 0)) throw new Error(`${instance}: lookups answered ${JSON.stringify(mix)}`);
  ctxb.emit({ metric: "tags.report_to_screen_ms_p50", value: round(median(p50s)), unit: "ms", instance });
  ctxb.emit({ metric: "tags.report_to_screen_ms_p99", value: round(median(p99s)), unit: "ms", instance });
  ctxb.emit({ metric: "tags.within_budget", value: median(p99s) <= BUDGET_MS ? 1 : 0, unit: "bool", instance });
}

/** The window's side in-process: waits for the next readers.read event, and then asks tags.lookup. */
function inProcess(app: LintelApp, siteId: string): { next: () => Promise<string>; transport: Transport } {
  let waiting: ((n: string) => void) | null = null;
  app.events.subscribe((name, payload) => {
    if (name === "readers.read" && waiting) {
      const w = waiting;
      waiting = null;
      w((payload as { tagNumber: string }).tagNumber);
    }
  });
  return {
    next: () => new Promise<string>((ok) => (waiting = ok)),
    transport: (tagNumber) => app.router.call("tags.lookup", { siteId, tagNumber }, ctx) as Promise<Output<"tags.lookup">>,
  };
}

/** The window's side over the loopback WebSocket of `lintel serve`: the event arrives as a frame, the lookup goes back as one. */
async function overWebSocket(app: LintelApp, siteId: string, dir: string) {
  const host = await startHost({ router: app.router, events: app.events, staticDir: dir, port: 0, actor: "bench" });
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, { headers: { Cookie: `lintel_session=${host.token}`, Origin: `http://127.0.0.1:${host.port}` } });
  await new Promise((ok, fail) => ws.once("open", ok).once("error", fail));
  let id = 0;
  let onRead: ((n: string) => void) | null = null;
  const pending = new Map<number, (out: { status: string }) => void>();
  ws.on("message", (data) => {
    const f = JSON.parse(String(data)) as { t: string; id?: number; name?: string; ok?: boolean; payload?: { tagNumber: string }; output?: { status: string }; error?: unknown };
    if (f.t === "event" && f.name === "readers.read" && onRead) {
      const r = onRead;
      onRead = null;
      r(f.payload!.tagNumber);
    } else if (f.t === "result" && f.id !== undefined) {
      if (!f.ok) throw new Error(`tags.lookup failed: ${JSON.stringify(f.error)}`);
      pending.get(f.id)?.(f.output!);
      pending.delete(f.id);
    }
  });
  return {
    next: () => new Promise<string>((ok) => (onRead = ok)),
    transport: (tagNumber: string) =>
      new Promise<{ status: string }>((ok) => {
        const callId = ++id;
        pending.set(callId, ok);
        ws.send(JSON.stringify({ t: "call", id: callId, name: "tags.lookup", input: { siteId, tagNumber } }));
      }),
    close: async () => {
      ws.close();
      await host.close();
    },
  };
}

export async function run(ctxb: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lintel-bench-tags-"));
  const sim = new SimulatedReaderPort({ clock: systemClock });
  const port = new TimedPort(sim);
  let app: LintelApp | null = null;
  try {
    const site = buildSite(dir, ctxb.log);
    ctxb.emit({ metric: "tags.site_build_seconds", value: round(site.seconds), unit: "s", instance: "100k-users-120k-tags" });
    app = createLintelApp({ dataDir: dir, transport: "cli", tagReaders: { usb: port, simulated: false } });
    const opened = (await app.router.call("sites.open", { path: site.path }, ctx)) as Output<"sites.open">;
    ctxb.log(`opened: ${opened.counts.users} users, ${opened.counts.tags} tags`);
    await app.tagReaders.service.start();
    app.tagReaders.service.subscribe((e) => {
      if (e.type === "read") {
        readsEmitted++;
        readReportAt = port.reportAt;
      }
    });
    const wedge = sim.plug({ kind: "wedge", readerId: "sim-wedge" }).readerId;
    const vendor = sim.plug({ kind: "vendor", readerId: "sim-vendor" }).readerId;
    for (const r of [wedge, vendor]) app.tagReaders.service.bind(r, { siteId: opened.siteId });

    const local = inProcess(app, opened.siteId);
    await measureReads(ctxb, "wedge/router", port, wedge, site, local.transport, local.next);
    await measureReads(ctxb, "vendor/router", port, vendor, site, local.transport, local.next);
    const remote = await overWebSocket(app, opened.siteId, dir);
    try {
      await measureReads(ctxb, "wedge/loopback-ws", port, wedge, site, remote.transport, remote.next);
    } finally {
      await remote.close();
    }

    // The lookup alone: through the router (zod in and out), and the store's one statement.
    const store = app.workspace.get(opened.siteId);
    const numbers = readPlan(site, READS);
    for (const n of numbers.slice(0, WARMUP)) await local.transport(n);
    const routerP50: number[] = [];
    const routerP99: number[] = [];
    const storeP50: number[] = [];
    const storeP99: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const viaRouter: number[] = [];
      const viaStore: number[] = [];
      for (const n of numbers) {
        let t = performance.now();
        await local.transport(n);
        viaRouter.push(performance.now() - t);
        t = performance.now();
        store.lookupTag(n);
        viaStore.push(performance.now() - t);
      }
      routerP50.push(percentile(viaRouter, 50));
      routerP99.push(percentile(viaRouter, 99));
      storeP50.push(percentile(viaStore, 50));
      storeP99.push(percentile(viaStore, 99));
    }
    ctxb.emit({ metric: "tags.lookup_ms_p50", value: round(median(routerP50)), unit: "ms", instance: "router" });
    ctxb.emit({ metric: "tags.lookup_ms_p99", value: round(median(routerP99)), unit: "ms", instance: "router" });
    ctxb.emit({ metric: "tags.lookup_ms_p50", value: round(median(storeP50)), unit: "ms", instance: "store" });
    ctxb.emit({ metric: "tags.lookup_ms_p99", value: round(median(storeP99)), unit: "ms", instance: "store" });
  } finally {
    app?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
