import { z } from "zod";
import { WireErrorSchema } from "../errors/wire.ts";

/**
 * Messages of the loopback WebSocket used by `lintel serve` (and by the browser UI).
 * Both ends parse every frame with these schemas; anything else closes the socket.
 */
export const ClientFrame = z.object({
  t: z.literal("call"),
  id: z.number().int().nonnegative(),
  name: z.string().min(1).max(100),
  input: z.unknown(),
});
export type ClientFrame = z.infer<typeof ClientFrame>;

// A plain union: "result" appears twice (ok and error), which a discriminated union refuses.
export const ServerFrame = z.union([
  z.object({ t: z.literal("result"), id: z.number().int(), ok: z.literal(true), output: z.unknown() }),
  z.object({ t: z.literal("result"), id: z.number().int(), ok: z.literal(false), error: WireErrorSchema }),
  z.object({ t: z.literal("event"), name: z.string(), payload: z.unknown() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** The HTTP path of the WebSocket endpoint and the cookie that carries the session token. */
export const RPC_PATH = "/rpc";
export const SESSION_COOKIE = "lintel_session";
