/**
 * Time that passes: timers, sleeps and a monotonic "now", injected like the Clock so
 * that protocol code with timeouts and retransmissions runs in tests and benches on
 * virtual time — a whole commissioning in milliseconds of wall time, with exact
 * simulated seconds — and in the app on real timers.
 */

/** Opaque handle of a pending timer. */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Scheduler {
  /** Monotonic milliseconds; only differences mean anything. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason (an AbortError by default) when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once after `ms` (0 = as soon as possible, after timers already due). */
  setTimer(ms: number, callback: () => void): TimerHandle;
  /** Cancels a pending timer; cancelling a fired or cancelled one does nothing. */
  cancel(timer: TimerHandle): void;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** `sleep` in terms of `setTimer`/`cancel`, shared by both schedulers. */
function sleepWith(s: Pick<Scheduler, "setTimer" | "cancel">, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      s.cancel(timer);
      reject(abortReason(signal!));
    };
    const timer = s.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RealSchedulerOptions {
  /**
   * Simulated milliseconds per real millisecond (default 1). A demo of the simulated
   * IQs can run 10× faster while every timeout keeps its proportion.
   */
  readonly timeScale?: number;
}

/** Real timers (setTimeout) and a monotonic clock (performance.now), optionally sped up. */
export function realScheduler(options: RealSchedulerOptions = {}): Scheduler {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`timeScale ${scale} must be a positive number`);
  const origin = performance.now();
  let nextId = 1;
  const live = new Map<number, ReturnType<typeof setTimeout>>();
  const s: Scheduler = {
    now: () => (performance.now() - origin) * scale,
    setTimer(ms, callback) {
      const timerId = nextId++;
      const t = setTimeout(
        () => {
          live.delete(timerId);
          callback();
        },
        Math.max(0, ms) / scale,
      );
      live.set(timerId, t);
      return { timerId };
    },
    cancel(timer) {
      const t = live.get(timer.timerId);
      if (t !== undefined) {
        clearTimeout(t);
        live.delete(timer.timerId);
      }
    },
    sleep: (ms, signal) => sleepWith(s, ms, signal),
  };
  return s;
}

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Lets every promise chain that is runnable now run to its end (one macrotask turn). */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface VirtualRunOptions {
  /** Virtual milliseconds after which `run` gives up (default one hour): catches runaway periodic timers. */
  readonly limitMs?: number;
}

/**
 * Virtual time. It never moves by itself: `advance(ms)` moves it by a given amount,
 * `run(work)` moves it from timer to timer until `work` settles, and `autoAdvance()`
 * does so in the background. Between two timers it waits for one macrotask turn so
 * that every promise continuation caused by the previous timer has run; the code under
 * test must therefore not wait on real I/O (the simulated link and IQs never do).
 * Timers due at the same instant fire in the order they were set.
 */
export class VirtualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private readonly heap: Pending[] = [];
  private readonly cancelled = new Set<number>();
  private readonly live = new Set<number>();
  private wake: (() => void) | null = null;
  private driving = false;
  private readonly failures: unknown[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.live.size;
  }

  setTimer(ms: number, callback: () => void): TimerHandle {
    const seq = ++this.seq;
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : 0;
    this.push({ at: this.time + delay, seq, callback });
    this.live.add(seq);
    const w = this.wake;
    this.wake = null;
    w?.();
    return { timerId: seq };
  }

  cancel(timer: TimerHandle): void {
    if (this.live.delete(timer.timerId)) this.cancelled.add(timer.timerId);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + Math.max(0, ms);
    await macrotask();
    for (;;) {
      const next = this.peek();
      if (next === undefined || next.at > target) break;
      this.fireNext();
      await macrotask();
    }
    this.time = target;
    this.throwFailures();
  }

  /**
   * Drives virtual time until `work` settles and returns its result. Rejects if `work`
   * is still pending when no timer is left (it waits for something that will never
   * happen) or after `limitMs` of virtual time.
   */
  async run<T>(work: Promise<T> | (() => Promise<T>), options: VirtualRunOptions = {}): Promise<T> {
    const promise = typeof work === "function" ? work() : work;
    let done = false;
    const observed = promise.then(
      () => void (done = true),
      () => void (done = true),
    );
    const limit = this.time + (options.limitMs ?? 3_600_000);
    await macrotask();
    while (!done) {
      this.throwFailures();
      const next = this.peek();
      if (next === undefined) throw new Error(`virtual scheduler: work still pending at ${this.time} ms with no timer left (deadlock)`);
      if (next.at > limit) throw new Error(`virtual scheduler: work still pending after ${options.limitMs ?? 3_600_000} ms of virtual time`);
      this.fireNext();
      await macrotask();
    }
    await observed;
    this.throwFailures();
    return promise;
  }

  /**
   * Advances by itself whenever the process is idle and a timer is pending, until the
   * returned function is called. For demos and end-to-end runs on simulated IQs; note
   * that every pending timer is "soon" to it, idle timeouts included. Errors thrown by
   * timer callbacks go to `onError` (default: rethrown as an uncaught exception).
   */
  autoAdvance(onError: (e: unknown) => void = (e) => queueMicrotask(() => { throw e; })): () => void {
    if (this.driving) throw new Error("virtual scheduler: already advancing by itself");
    this.driving = true;
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        await macrotask();
        if (stopped) break;
        if (this.peek() === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        this.fireNext();
        for (const e of this.failures.splice(0)) onError(e);
      }
      this.driving = false;
    };
    void loop();
    return () => {
      stopped = true;
      const w = this.wake;
      this.wake = null;
      w?.();
    };
  }

  private throwFailures(): void {
    const e = this.failures.shift();
    if (e !== undefined) {
      this.failures.length = 0;
      throw e;
    }
  }

  /** Earliest live timer, dropping cancelled ones from the top. */
  private peek(): Pending | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      if (!this.cancelled.has(top.seq)) return top;
      this.cancelled.delete(top.seq);
      this.pop();
    }
  }

  private fireNext(): void {
    const t = this.peek();
    if (t === undefined) return;
    this.pop();
    this.live.delete(t.seq);
    if (t.at > this.time) this.time = t.at;
    try {
      t.callback();
    } catch (e) {
      this.failures.push(e);
    }
  }

  private before(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
