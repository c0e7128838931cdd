import { PROCEDURE_NAMES } from "../../core/api/names.ts";
import { combineHandlers, Router, type HandlerModule } from "../../core/api/router.ts";
import { AppError } from "../../core/errors/index.ts";

/** A router whose procedures all refuse with `test.unused`, except those a test supplies. */
export function routerWith(overrides: HandlerModule): Router {
  const rest: Record<string, () => never> = {};
  for (const n of PROCEDURE_NAMES) {
    if (!(n in overrides)) {
      rest[n] = () => {
        throw new AppError("test.unused", n);
      };
    }
  }
  return new Router(combineHandlers(overrides, rest as HandlerModule));
}
