/**
 * JSON with object keys sorted, recursively. Documents are stored this way so that
 * "did this update change anything?" is a string comparison, and the same entity
 * always has the same bytes in every copy of a site.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
