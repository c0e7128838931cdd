import type { z } from "zod";

/** One procedure of the contract: its zod input and output, and what it is for. */
export interface ProcedureDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly summary: string;
  /** Mutating procedures announce `site.changed` after they commit. */
  readonly mutates: boolean;
}

export function query<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): ProcedureDef<I, O> {
  return { summary, input, output, mutates: false };
}

export function mutation<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): ProcedureDef<I, O> {
  return { summary, input, output, mutates: true };
}
