import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { KS_ERROR_TABLE, KsError, adviceFor, fromWireError, statusesOf, toWireError, AppError } from "../../../core/errors/index.ts";

const SEED = resolve(import.meta.dirname, "../../../../shared/seeds/000_cc43e4921ce13ec8.txt");

/** The table as the seed prints it: "HTTP | code | message |" rows under its header. */
function seedRows(): { code: number; http: string; message: string }[] {
  const lines = readFileSync(SEED, "utf8").split("\n");
  const header = lines.findIndex((l) => l.startsWith("HTTP Status code | Error code | Description |"));
  expect(header).toBeGreaterThan(0);
  expect(lines[header + 1]).toBe("---|---|---|");
  const rows = [];
  for (const line of lines.slice(header + 2)) {
    const m = /^(.*?) \| (\d+) \| (.*) \|$/.exec(line);
    if (!m) break;
    rows.push({ http: m[1]!, code: Number(m[2]), message: m[3]! });
  }
  return rows;
}

describe("KS error table", () => {
  it("matches the seed row by row, odd rows included", () => {
    const seed = seedRows();
    expect(seed).toHaveLength(36);
    expect(KS_ERROR_TABLE).toHaveLength(seed.length);
    seed.forEach((row, i) => expect(KS_ERROR_TABLE[i]).toEqual(row));
    const odd = Object.fromEntries(KS_ERROR_TABLE.filter((r) => [1101, 3010, 2211, 3102].includes(r.code)).map((r) => [r.code, r.http]));
    expect(odd).toEqual({ 1101: "404 ???", 3010: "???", 2211: "200", 3102: "408 / 404 / 400 / 403 / 500" });
  });

  it("has unique codes and advice for every row", () => {
    expect(new Set(KS_ERROR_TABLE.map((r) => r.code)).size).toBe(KS_ERROR_TABLE.length);
    for (const r of KS_ERROR_TABLE) expect(adviceFor(r).length).toBeGreaterThan(10);
  });

  it("decides numeric statuses from the table's text", () => {
    const row = (c: number) => KS_ERROR_TABLE.find((r) => r.code === c)!;
    expect(statusesOf(row(1101))).toEqual([404]);
    expect(statusesOf(row(3010))).toEqual([500]);
    expect(statusesOf(row(2211))).toEqual([200]);
    expect(statusesOf(row(3102))).toEqual([408, 404, 400, 403, 500]);
  });
});

describe("KsError", () => {
  it("carries code, status, the table's HTTP text, message and details", () => {
    const e = new KsError(2204, { details: { reason: "17 locks", ids: ["IQ1"] } });
    expect(e).toBeInstanceOf(AppError);
    expect([e.ksCode, e.status, e.http, e.message, e.code]).toEqual([2204, 400, "400", "Iq tree is invalid", "ks.2204"]);
    expect(e.details).toEqual({ reason: "17 locks", ids: ["IQ1"] });
  });

  it("accepts only the statuses its row allows", () => {
    expect(new KsError(3102, { status: 408 }).status).toBe(408);
    expect(() => new KsError(3102, { status: 401 })).toThrow(/408 \/ 404/);
    expect(() => new KsError(2204, { status: 500 })).toThrow();
  });

  it("survives the wire both ways", () => {
    const back = fromWireError(JSON.parse(JSON.stringify(toWireError(new KsError(1501, { details: { serial: "IQ-1" } })))));
    expect(back).toBeInstanceOf(KsError);
    expect((back as KsError).ksCode).toBe(1501);
    expect(back.details).toEqual({ serial: "IQ-1" });
    const plain = fromWireError(toWireError(new AppError("site.corrupt", "broken")));
    expect(plain).not.toBeInstanceOf(KsError);
    expect(plain.code).toBe("site.corrupt");
    expect(fromWireError({ nonsense: true }).code).toBe("wire.bad_error");
    expect(toWireError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
  });
});
