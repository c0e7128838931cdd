import type { Page } from "playwright-core";
import type { Input, Output } from "../../core/api/contract.ts";
import type { ProcedureName } from "../../core/api/names.ts";

/**
 * Calls a procedure of `lintel serve` from inside the page, on a WebSocket of its own
 * (the page's origin and session cookie, as any window of the app would): for what an
 * e2e test does besides the person at the screen — a tag presented to the simulated
 * reader, a site prepared in bulk. The app's own client is not touched.
 */
export async function pageRpc<K extends ProcedureName>(page: Page, name: K, input: Input<K>): Promise<Output<K>> {
  const url = new URL("/rpc", page.url());
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const reply = await page.evaluate(
    async ([rpcUrl, procedure, payload]) => {
      const ws = new WebSocket(rpcUrl);
      await new Promise<void>((ok, fail) => {
        ws.onopen = () => ok();
        ws.onerror = () => fail(new Error("the test's WebSocket did not open"));
      });
      try {
        return await new Promise<{ ok: boolean; output?: unknown; error?: { code: string; message: string } }>((ok) => {
          ws.onmessage = (m) => {
            const frame = JSON.parse(String(m.data)) as { t: string; id?: number; ok?: boolean; output?: unknown; error?: { code: string; message: string } };
            if (frame.t === "result" && frame.id === 1) ok({ ok: frame.ok === true, output: frame.output, error: frame.error });
          };
          ws.send(JSON.stringify({ t: "call", id: 1, name: procedure, input: payload }));
        });
      } finally {
        ws.close();
      }
    },
    [url.href, name, input] as const,
  );
  if (!reply.ok) throw new Error(`${name} failed: ${reply.error?.code ?? "?"} ${reply.error?.message ?? ""}`);
  return reply.output as Output<K>;
}
