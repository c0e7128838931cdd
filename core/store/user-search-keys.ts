/**
 * The form names and e-mails are indexed and searched in: accents folded, lower-cased,
 * trimmed, so "emile" finds "Émile" and "ÖZ" finds "Özdemir". Done in JS rather than
 * in SQL because SQLite's lower() only knows ASCII.
 */
export function searchKey(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().trim();
}
