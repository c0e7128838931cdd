import { describe, expect, it } from "vitest";
import { procedures } from "../../../core/api/contract.ts";
import { PROCEDURE_NAMES } from "../../../core/api/names.ts";
import { combineHandlers, EventHub, type HandlerModule } from "../../../core/api/router.ts";
import { KsError } from "../../../core/errors/index.ts";
import { routerWith } from "../../support/fake-router.ts";

const ctx = { transport: "cli", actor: "tester" } as const;

describe("contract", () => {
  it("declares exactly the names list, each with input, output and a summary", () => {
    expect(Object.keys(procedures).sort()).toEqual([...PROCEDURE_NAMES].sort());
    for (const def of Object.values(procedures)) {
      expect(def.summary.length).toBeGreaterThan(10);
      expect(typeof def.input.safeParse).toBe("function");
      expect(typeof def.output.safeParse).toBe("function");
    }
  });
});

describe("combineHandlers", () => {
  it("rejects a procedure handled twice", () => {
    const a: HandlerModule = { "errors.list": () => [] };
    expect(() => combineHandlers(a, a)).toThrow(/handled twice/);
  });
  it("rejects a missing procedure", () => {
    expect(() => combineHandlers({ "errors.list": () => [] })).toThrow(/No handler for: app.info/);
  });
  it("rejects a handler for a procedure the contract does not have", () => {
    expect(() => combineHandlers({ "nope.nope": () => 1 } as unknown as HandlerModule)).toThrow(/unknown procedure nope.nope/);
  });
});

describe("Router", () => {
  it("parses input with the contract (defaults applied) before the handler runs", async () => {
    let seen: unknown;
    const router = routerWith({ "users.search": (input) => ((seen = input), { total: 0, items: [] }) });
    const siteId = "0190f3a0-0000-7000-8000-000000000001";
    await expect(router.call("users.search", { siteId }, ctx)).resolves.toEqual({ total: 0, items: [] });
    expect(seen).toEqual({ siteId, query: "", limit: 50, offset: 0 });
  });

  it("refuses bad input as KS 1100 with the issues, without calling the handler", async () => {
    let called = false;
    const router = routerWith({ "errors.explain": () => ((called = true), { row: { code: 1, http: "", message: "" }, statuses: [], advice: "" }) });
    const err = await router.call("errors.explain", { code: "2204" }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsError);
    expect((err as KsError).ksCode).toBe(1100);
    expect((err as KsError).details).toMatchObject({ procedure: "errors.explain", issues: [{ path: "code" }] });
    expect(called).toBe(false);
  });

  it("refuses an unknown procedure by name", async () => {
    const router = routerWith({});
    await expect(router.call("sites.delete", {}, ctx)).rejects.toMatchObject({ code: "api.unknown_procedure" });
    await expect(router.call("__proto__", {}, ctx)).rejects.toMatchObject({ code: "api.unknown_procedure" });
  });

  it("catches a handler that breaks its output contract", async () => {
    const router = routerWith({ "errors.list": () => [{ code: "x" }] as never });
    await expect(router.call("errors.list", {}, ctx)).rejects.toMatchObject({ code: "api.bad_output" });
  });

  it("passes typed errors through unchanged", async () => {
    const router = routerWith({ "sites.list": () => { throw new KsError(2212); } });
    await expect(router.call("sites.list", {}, ctx)).rejects.toMatchObject({ ksCode: 2212, status: 403 });
  });
});

describe("EventHub", () => {
  it("delivers checked payloads and stops after unsubscribe", () => {
    const hub = new EventHub();
    const got: unknown[] = [];
    const off = hub.subscribe((name, payload) => got.push([name, payload]));
    hub.emit("sites.changed", {});
    off();
    hub.emit("sites.changed", {});
    expect(got).toEqual([["sites.changed", {}]]);
    expect(() => hub.emit("site.changed", { siteId: "not-a-uuid", action: "x" })).toThrow();
  });
});
