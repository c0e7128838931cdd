/**
 * For codec tests: run `f` and return the stable code of the typed error it throws,
 * or "no error". Any other throw is re-thrown — a decoder that fails untyped is a bug.
 */
export function errorCodeOf<E extends Error & { readonly code: string }>(kind: abstract new (...args: never[]) => E): (f: () => unknown) => string {
  return (f) => {
    try {
      f();
    } catch (e) {
      if (e instanceof kind) return e.code;
      throw e;
    }
    return "no error";
  };
}
