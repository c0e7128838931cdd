import type { Clock } from "../../ports/clock.ts";
import { realScheduler, type Scheduler } from "../../ports/scheduler.ts";
import type { WedgeTiming } from "./boot-keyboard.ts";
import type { KnownReader } from "./known-readers.ts";
import { NodeHidPort, type NodeHidLoader } from "./node-hid/node-hid-port.ts";
import type { TagReaderPort } from "./port.ts";
import { ReaderService } from "./reader-service.ts";
import { SimulatedReaderPort } from "./sim/simulated-reader.ts";
import type { ReaderNumbering } from "./tag-number.ts";

/** How the app gets its tag readers (`LintelAppOptions.tagReaders`). */
export interface TagReaderOptions {
  /** Real USB readers: through node-hid (default), through a port of the caller's (tests), or none. */
  readonly usb?: "node-hid" | "off" | TagReaderPort | undefined;
  /** The simulated reader behind `readers.simulate`: on by default (demos, e2e tests); `false` refuses the procedure. */
  readonly simulated?: boolean | SimulatedReaderPort | undefined;
  /** How often node-hid lists the bus (it has no hot-plug events). */
  readonly pollIntervalMs?: number | undefined;
  /** Timers of the USB polling; real timers by default. */
  readonly scheduler?: Pick<Scheduler, "setTimer" | "cancel"> | undefined;
  /** A fake node-hid module for tests. */
  readonly loadNodeHid?: NodeHidLoader | undefined;
  readonly knownReaders?: readonly KnownReader[] | undefined;
  readonly debounceMs?: number | undefined;
  readonly timing?: WedgeTiming | undefined;
  readonly numbering?: ReaderNumbering | undefined;
}

/** What `app.info` says about tag readers. */
export type TagReadersAvailability = "available" | "unavailable" | "simulated";

export interface TagReaders {
  readonly service: ReaderService;
  /** Null when simulation is off. */
  readonly simulator: SimulatedReaderPort | null;
  /** Starts the ports (once) and waits for their first look at the bus, at most `boundMs`. */
  ready(boundMs?: number): Promise<void>;
  availability(): TagReadersAvailability;
  close(): void;
}

/** How long `app.info` waits for the first USB listing before answering with what it knows. */
const READY_BOUND_MS = 1500;

export function createTagReaders(options: TagReaderOptions, deps: { readonly clock: Clock }): TagReaders {
  let scheduler = options.scheduler;
  const timers = (): Pick<Scheduler, "setTimer" | "cancel"> => (scheduler ??= realScheduler());
  const usb: TagReaderPort | null =
    options.usb === "off"
      ? null
      : options.usb === undefined || options.usb === "node-hid"
        ? new NodeHidPort({
            clock: deps.clock,
            scheduler: { setTimer: (ms, fn) => timers().setTimer(ms, fn), cancel: (t) => timers().cancel(t) },
            ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
            ...(options.loadNodeHid === undefined ? {} : { load: options.loadNodeHid }),
            ...(options.knownReaders === undefined ? {} : { knownReaders: options.knownReaders }),
          })
        : options.usb;
  const simulator =
    options.simulated === false ? null : options.simulated instanceof SimulatedReaderPort ? options.simulated : new SimulatedReaderPort({ clock: deps.clock });
  const service = new ReaderService({
    ports: [...(usb ? [usb] : []), ...(simulator ? [simulator] : [])],
    clock: deps.clock,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    ...(options.numbering === undefined ? {} : { numbering: options.numbering }),
  });
  return {
    service,
    simulator,
    async ready(boundMs = READY_BOUND_MS) {
      let timer: ReturnType<Scheduler["setTimer"]> | null = null;
      const bound = new Promise<void>((resolve) => {
        timer = timers().setTimer(boundMs, resolve);
      });
      await Promise.race([service.start(), bound]);
      if (timer) timers().cancel(timer);
    },
    availability() {
      if (simulator?.hasReaders) return "simulated";
      if (usb?.state().status === "available") return "available";
      return usb === null && simulator !== null ? "simulated" : "unavailable";
    },
    close() {
      void service.stop();
    },
  };
}
