import Database from "better-sqlite3";
import { z } from "zod";
import { AppError } from "../errors/index.ts";
import type { EntityName } from "./entities.ts";

/** Errors of reading and writing entities, with stable codes the API can map. */
export const storeErrors = {
  notFound: (entity: EntityName, id: string) =>
    new AppError("store.not_found", `No ${entity} with id ${id}.`, { entity, id }),

  invalid: (entity: EntityName, error: z.ZodError) =>
    new AppError("store.invalid", `Invalid ${entity}: ${z.prettifyError(error)}`, { entity, issues: error.issues }),

  refused: (entity: EntityName, reason: string) =>
    new AppError("store.invalid", `Cannot write ${entity}: ${reason}.`, { entity, reason }),

  actionMisuse: (reason: string) => new AppError("store.action_misuse", reason),

  closed: () => new AppError("store.closed", "The site file is closed."),
} as const;

/**
 * A constraint SQLite refused, as an AppError: a duplicate (same id, tag number,
 * Device ID, serial), a reference to something missing or still referenced, or a
 * CHECK. Any other error passes through unchanged.
 */
export function fromConstraintError(e: unknown, entity: EntityName, id: string): unknown {
  if (!(e instanceof Database.SqliteError) || !e.code.startsWith("SQLITE_CONSTRAINT")) return e;
  const details = { entity, id, sqlite: e.code, message: e.message };
  // SQLite reports a RESTRICT on delete as SQLITE_CONSTRAINT_TRIGGER.
  const code = e.message === "FOREIGN KEY constraint failed" ? "SQLITE_CONSTRAINT_FOREIGNKEY" : e.code;
  switch (code) {
    case "SQLITE_CONSTRAINT_UNIQUE":
    case "SQLITE_CONSTRAINT_PRIMARYKEY":
      return new AppError("store.conflict", `This ${entity} clashes with an existing one (${e.message}).`, details);
    case "SQLITE_CONSTRAINT_FOREIGNKEY":
      return new AppError(
        "store.reference",
        `This ${entity} refers to something that does not exist, or is still referred to by something else.`,
        details,
      );
    default:
      return new AppError("store.constraint", `The site file refused this ${entity} (${e.message}).`, details);
  }
}
