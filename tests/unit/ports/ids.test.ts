import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/ports/clock.ts";
import { seededRandom, uuidv7Source } from "../../../core/ports/ids.ts";

describe("uuidv7Source", () => {
  it("makes RFC 9562 version-7 ids carrying the injected time", () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 19, 0, 0));
    const id = uuidv7Source(clock, seededRandom(1)).next();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(clock.now());
  });

  it("stays strictly increasing within a millisecond and when the clock steps back", () => {
    const clock = new ManualClock(1_800_000_000_000);
    const ids = uuidv7Source(clock, seededRandom(7));
    const made: string[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i === 2000) clock.advance(-10_000); // NTP correction mid-run
      if (i % 700 === 0) clock.advance(1);
      made.push(ids.next());
    }
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
  });

  it("is reproducible from a seed", () => {
    const a = uuidv7Source(new ManualClock(5), seededRandom(42));
    const b = uuidv7Source(new ManualClock(5), seededRandom(42));
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
  });
});
