import { z } from "zod";
import { AppError, KsError, ksRow } from "./app-error.ts";
import type { KsCode } from "./ks-error-table.ts";

/** How an error travels over IPC, WebSocket and HTTP: plain JSON, parsed on arrival. */
export const WireErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  details: z.unknown().optional(),
  ksCode: z.number().int().optional(),
  status: z.number().int().optional(),
  http: z.string().optional(),
});
export type WireError = z.infer<typeof WireErrorSchema>;

export function toWireError(e: unknown): WireError {
  if (e instanceof KsError) {
    return { code: e.code, message: e.message, details: e.details, ksCode: e.ksCode, status: e.status, http: e.http };
  }
  if (e instanceof AppError) return { code: e.code, message: e.message, details: e.details };
  // Anything else is a bug: say so without leaking a stack trace across the boundary.
  return { code: "internal", message: e instanceof Error ? e.message : String(e) };
}

export function fromWireError(raw: unknown): AppError {
  const parsed = WireErrorSchema.safeParse(raw);
  if (!parsed.success) return new AppError("wire.bad_error", "The other side sent an unreadable error", raw);
  const w = parsed.data;
  if (w.ksCode !== undefined && ksRow(w.ksCode)) {
    return new KsError(w.ksCode as KsCode, {
      message: w.message,
      details: w.details,
      ...(w.status !== undefined ? { status: w.status } : {}),
    });
  }
  return new AppError(w.code, w.message, w.details);
}
