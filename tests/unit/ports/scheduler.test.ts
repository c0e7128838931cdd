import { describe, expect, it } from "vitest";
import { VirtualScheduler, realScheduler } from "../../../core/ports/scheduler.ts";

describe("VirtualScheduler", () => {
  it("fires timers in time order, same-instant ones in the order set, and only when told", async () => {
    const s = new VirtualScheduler();
    const log: string[] = [];
    s.setTimer(30, () => log.push(`c@${s.now()}`));
    s.setTimer(10, () => log.push(`a@${s.now()}`));
    s.setTimer(10, () => log.push(`b@${s.now()}`));
    await new Promise((r) => setTimeout(r, 5)); // real time passes; virtual time does not
    expect(log).toEqual([]);
    expect(s.now()).toBe(0);
    await s.advance(20);
    expect(log).toEqual(["a@10", "b@10"]);
    expect(s.now()).toBe(20);
    await s.advance(100);
    expect(log).toEqual(["a@10", "b@10", "c@30"]);
    expect(s.now()).toBe(120);
  });

  it("runs timers set by timers, and zero-delay ones after those already due", async () => {
    const s = new VirtualScheduler();
    const log: string[] = [];
    s.setTimer(5, () => {
      log.push("first");
      s.setTimer(0, () => log.push(`nested@${s.now()}`));
    });
    s.setTimer(5, () => log.push("second"));
    await s.advance(5);
    expect(log).toEqual(["first", "second", "nested@5"]);
  });

  it("cancels timers, and cancelling twice or after firing does nothing", async () => {
    const s = new VirtualScheduler();
    let fired = 0;
    const t = s.setTimer(10, () => fired++);
    const u = s.setTimer(10, () => fired++);
    s.cancel(t);
    s.cancel(t);
    expect(s.pendingTimers).toBe(1);
    await s.advance(10);
    s.cancel(u);
    expect(fired).toBe(1);
    expect(s.pendingTimers).toBe(0);
  });

  it("run() drives async work to completion on exact virtual time", async () => {
    const s = new VirtualScheduler(1000);
    const result = await s.run(async () => {
      await s.sleep(250);
      await Promise.resolve(); // continuations between timers are let through
      await s.sleep(750);
      return s.now();
    });
    expect(result).toBe(2000);
  });

  it("run() reports work that waits for a timer that will never come", async () => {
    const s = new VirtualScheduler();
    await expect(s.run(new Promise<void>(() => undefined))).rejects.toThrow(/deadlock/);
  });

  it("run() stops at its virtual time limit", async () => {
    const s = new VirtualScheduler();
    const tick = () => void s.setTimer(1000, tick);
    tick();
    await expect(s.run(new Promise<void>(() => undefined), { limitMs: 10_000 })).rejects.toThrow(/after 10000 ms/);
  });

  it("sleep() rejects on abort and its timer is gone", async () => {
    const s = new VirtualScheduler();
    const ac = new AbortController();
    const p = s.sleep(1000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    expect(s.pendingTimers).toBe(0);
    await expect(s.sleep(5, AbortSignal.abort())).rejects.toBeDefined();
  });

  it("a throwing timer surfaces from advance()", async () => {
    const s = new VirtualScheduler();
    s.setTimer(1, () => {
      throw new Error("boom");
    });
    await expect(s.advance(5)).rejects.toThrow("boom");
  });

  it("autoAdvance() moves time whenever the process is idle, until stopped", async () => {
    const s = new VirtualScheduler();
    const stop = s.autoAdvance();
    await s.sleep(60_000); // two virtual minutes: on real time this test would time out
    await s.sleep(60_000);
    expect(s.now()).toBe(120_000);
    stop();
    let fired = false;
    s.setTimer(1, () => (fired = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(false);
  });
});

describe("realScheduler", () => {
  it("sleeps on real timers, cancels, and aborts", async () => {
    const s = realScheduler({ timeScale: 100 });
    const before = s.now();
    await s.sleep(100); // 1 ms of real time at 100×
    expect(s.now()).toBeGreaterThanOrEqual(before + 100);
    let fired = false;
    const t = s.setTimer(50, () => (fired = true));
    s.cancel(t);
    await s.sleep(200);
    expect(fired).toBe(false);
    const ac = new AbortController();
    const p = s.sleep(60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });

  it("refuses a time scale that is not a positive number", () => {
    expect(() => realScheduler({ timeScale: 0 })).toThrow(RangeError);
  });
});
