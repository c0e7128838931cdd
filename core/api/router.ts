import type { z } from "zod";
import { AppError, KsError } from "../errors/index.ts";
import { events, procedures, type EventPayload, type Output, type ParsedInput } from "./contract.ts";
import { PROCEDURE_NAMES, type EventName, type ProcedureName } from "./names.ts";

/** Who is calling, through which shell. */
export interface CallContext {
  readonly transport: "electron" | "browser" | "cli";
  /** Who the journal records for this call's actions. */
  readonly actor: string;
}

export type Handler<K extends ProcedureName> = (input: ParsedInput<K>, ctx: CallContext) => Output<K> | Promise<Output<K>>;
export type Handlers = { readonly [K in ProcedureName]: Handler<K> };
/** A feature's handlers: combined with the others by `combineHandlers`. */
export type HandlerModule = { readonly [K in ProcedureName]?: Handler<K> };

export type EventListener = (name: EventName, payload: unknown) => void;

/** Events go out through one hub; every transport subscribes to it. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const checked = events[name].parse(payload);
    for (const l of this.listeners) l(name, checked);
  }
}

/** Merge per-feature handler modules; a name handled twice or not at all is a startup error. */
export function combineHandlers(...modules: readonly HandlerModule[]): Handlers {
  const out: Partial<Record<ProcedureName, unknown>> = {};
  for (const m of modules) {
    for (const [name, h] of Object.entries(m)) {
      if (!PROCEDURE_NAMES.includes(name as ProcedureName)) throw new Error(`Handler for unknown procedure ${name}`);
      if (out[name as ProcedureName]) throw new Error(`Procedure ${name} is handled twice`);
      out[name as ProcedureName] = h;
    }
  }
  const missing = PROCEDURE_NAMES.filter((n) => !out[n]);
  if (missing.length > 0) throw new Error(`No handler for: ${missing.join(", ")}`);
  return out as Handlers;
}

export function isProcedureName(name: string): name is ProcedureName {
  return (PROCEDURE_NAMES as readonly string[]).includes(name);
}

/**
 * The one router: parses input with the contract's zod schema (bad input is KS 1100
 * with the issues as details), runs the handler, checks the output against the
 * contract, and returns plain data that every transport can carry.
 */
export class Router {
  constructor(private readonly handlers: Handlers) {}

  get names(): readonly ProcedureName[] {
    return PROCEDURE_NAMES;
  }

  async call(name: string, rawInput: unknown, ctx: CallContext): Promise<unknown> {
    if (!isProcedureName(name)) throw new AppError("api.unknown_procedure", `There is no procedure called "${name}"`);
    const def = procedures[name];
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      throw new KsError(1100, { details: { procedure: name, issues: simplifyIssues(parsed.error.issues) } });
    }
    const handler = this.handlers[name] as (input: unknown, ctx: CallContext) => unknown;
    const result = await handler(parsed.data, ctx);
    const out = def.output.safeParse(result);
    if (!out.success) {
      // A handler that breaks the contract is a bug in Lintel, not the caller's fault.
      throw new AppError("api.bad_output", `Procedure ${name} produced output that breaks the contract`, simplifyIssues(out.error.issues));
    }
    return out.data;
  }
}

function simplifyIssues(issues: readonly z.core.$ZodIssue[]): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
