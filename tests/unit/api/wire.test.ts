import { describe, expect, it } from "vitest";
import { ClientFrame, ServerFrame } from "../../../core/api/wire.ts";

describe("WebSocket frames", () => {
  it("reads results, errors and events", () => {
    expect(ServerFrame.parse({ t: "result", id: 1, ok: true, output: [1] })).toEqual({ t: "result", id: 1, ok: true, output: [1] });
    expect(ServerFrame.parse({ t: "result", id: 2, ok: false, error: { code: "ks.2204", message: "Iq tree is invalid", ksCode: 2204 } })).toMatchObject({ ok: false, error: { ksCode: 2204 } });
    expect(ServerFrame.parse({ t: "event", name: "sites.changed", payload: {} })).toMatchObject({ t: "event" });
  });
  it("refuses frames that are not ours", () => {
    expect(ServerFrame.safeParse({ t: "result", id: 1, ok: false }).success).toBe(false);
    expect(ServerFrame.safeParse({ t: "result", id: 1, ok: false, error: { message: "no code" } }).success).toBe(false);
    expect(ServerFrame.safeParse({ t: "hello" }).success).toBe(false);
    expect(ClientFrame.safeParse({ t: "call", id: -1, name: "x", input: {} }).success).toBe(false);
    expect(ClientFrame.safeParse({ t: "call", id: 1, name: "", input: {} }).success).toBe(false);
  });
});
