import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../../..");
const BIN = join(REPO, "bin/lintel.js");
const FIXTURES = join(REPO, "tests/fixtures/topology");
const fixture = (name: string) => join(FIXTURES, name);
/** `lintel plan` needs the planner; these tests run once core/topology/planner.ts exists. */
const plannerReady = existsSync(join(REPO, "core/topology/planner.ts"));

const work = mkdtempSync(join(tmpdir(), "lintel-topology-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the real `lintel` binary, as a person would. */
function lintel(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("lintel check", () => {
  it("accepts a valid plan: exit 0 and a one-line summary", () => {
    const r = lintel("check", fixture("site-small.json"), fixture("plan-small.json"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toBe("valid: 5 doors, 1 IQs, 2 repeaters, cost 2\n");
  });

  it("lists every violation of an invalid plan, one line each, and exits 1", () => {
    const r = lintel("check", fixture("site-small.json"), fixture("plan-invalid.json"));
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines.map((l) => l.slice(0, l.indexOf(":")))).toEqual(["parent-missing", "hop-range", "door-unplanned", "lock-on-iq-with-repeaters", "cost"]);
    expect(r.out).toContain("parent-missing: repeater R2's parent R9 does not exist");
    expect(r.out).toContain("hop-range: door D001 is 10.198 m from its parent IQ IQ1");
    expect(r.out).toContain("door-unplanned: 1 door has no lock entry: D004");
    expect(r.out).toContain("cost: the plan's cost is 5");
    expect(r.err).toContain("KS 2204");
    expect(r.err).toContain("5 violations");
  });

  it("exits 2 on a file that is not JSON, naming it", () => {
    const r = lintel("check", fixture("not-json.json"), fixture("plan-small.json"));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain(`${fixture("not-json.json")} is not JSON`);
  });

  it("exits 2 on a missing file", () => {
    const missing = join(work, "nope.json");
    const r = lintel("check", fixture("site-small.json"), missing);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot read ${missing}: no such file`);
  });

  it("exits 2 on schema errors, with the file, the JSON path and zod's message", () => {
    const site = lintel("check", fixture("site-schema-invalid.json"), fixture("plan-small.json"));
    expect(site.code).toBe(2);
    expect(site.err).toContain(`${fixture("site-schema-invalid.json")} is not a valid lintel-site/1 file`);
    expect(site.err).toContain("doors[1].floor: floor F9 does not exist");
    expect(site.err).toContain("doors[3].id: door id D001 is used twice");

    const plan = lintel("check", fixture("site-small.json"), fixture("plan-schema-invalid.json"));
    expect(plan.code).toBe(2);
    expect(plan.err).toContain(`${fixture("plan-schema-invalid.json")}: format: `);
    expect(plan.err).toContain(`${fixture("plan-schema-invalid.json")}: cost: `);
  });

  it("exits 2 on bad usage", () => {
    const r = lintel("check", fixture("site-small.json"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("lintel check needs a site file and a plan file");
  });
});

describe("lintel plan: arguments", () => {
  it("exits 2 without --out, with a bad --time-limit, or on an unreadable site", () => {
    const noOut = lintel("plan", fixture("site-small.json"));
    expect(noOut.code).toBe(2);
    expect(noOut.err).toContain("--out");
    for (const bad of ["0", "-1", "soon", ""]) {
      const r = lintel("plan", fixture("site-small.json"), "--out", join(work, "never.json"), `--time-limit=${bad}`);
      expect(r.code).toBe(2);
      expect(r.err).toContain("--time-limit must be a positive number of seconds");
    }
    const unreadable = lintel("plan", fixture("not-json.json"), "--out", join(work, "never.json"));
    expect(unreadable.code).toBe(2);
    expect(unreadable.err).toContain("is not JSON");
    expect(existsSync(join(work, "never.json"))).toBe(false);
  });
});

describe("lintel plan", () => {
  it.skipIf(!plannerReady)("writes a pretty-printed plan that lintel check accepts", () => {
    for (const site of ["site-small.json", "site-hotel.json"]) {
      const dir = mkdtempSync(join(work, "plan-"));
      const out = join(dir, "plan.json");
      const r = lintel("plan", fixture(site), "--out", out, "--time-limit", "1");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^planned: \d+ doors, \d+ IQs, \d+ repeaters, cost [\d.]+, in [\d.]+ s/);
      const text = readFileSync(out, "utf8");
      expect(text).toContain('\n  "iqs": [');
      expect(JSON.parse(text).format).toBe("lintel-plan/1");
      expect(readdirSync(dir)).toEqual(["plan.json"]); // no temp file left behind
      const checked = lintel("check", fixture(site), out);
      expect(checked.out).toMatch(/^valid: /);
      expect(checked.code).toBe(0);
    }
  });

  it.skipIf(!plannerReady)("replaces an existing plan file", () => {
    const out = join(work, "replaced.json");
    writeFileSync(out, "old");
    const r = lintel("plan", fixture("site-small.json"), "--out", out);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).format).toBe("lintel-plan/1");
  });

  it.skipIf(!plannerReady)("exits 3 and writes nothing when a door is out of reach of every IQ site", () => {
    const dir = mkdtempSync(join(work, "unservable-"));
    const out = join(dir, "plan.json");
    const r = lintel("plan", fixture("site-unreachable.json"), "--out", out);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^D002: .+/m);
    expect(r.out).not.toMatch(/^D001/m);
    expect(r.err).toContain("no plan written");
    expect(readdirSync(dir)).toEqual([]);
  });
});
