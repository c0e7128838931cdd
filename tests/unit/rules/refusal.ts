import { expect } from "vitest";
import { AppError, KsError } from "../../../core/errors/index.ts";

/** A role refusal: the cloud's 2203 with its 403, and a message that says who may. */
export function expect2203(error: AppError | null, details: Record<string, unknown> = {}): void {
  expect(error).toBeInstanceOf(KsError);
  const ks = error as KsError;
  expect(ks.ksCode).toBe(2203);
  expect(ks.code).toBe("ks.2203");
  expect(ks.status).toBe(403);
  expect(ks.message.length).toBeGreaterThan(20);
  expect(ks.details).toMatchObject(details);
}

/** A refusal with no KS code of its own: a stable AppError code, words, and the ids at fault. */
export function expectRefusal(error: AppError | null, code: string, details: Record<string, unknown> = {}): void {
  expect(error).toBeInstanceOf(AppError);
  expect(error).not.toBeInstanceOf(KsError);
  expect(error!.code).toBe(code);
  expect(error!.message.length).toBeGreaterThan(15);
  expect(error!.details).toMatchObject(details);
}
