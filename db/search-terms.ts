/**
 * What a search matches, the same on both dialects: the words of the query (runs of letters, digits and combining
 * marks), every one required, the last one also as a prefix (so a word being typed already finds). Words are
 * extracted rather than passed through, so no query syntax of either engine (FTS5's quotes and operators,
 * tsquery's & | ! : *) can come from a person's input.
 */
export function searchTerms(text: string): string[] {
  return text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/** An FTS5 MATCH expression: each word a quoted string (implicit AND), the last one a prefix. */
export function fts5MatchQuery(terms: readonly string[]): string {
  return terms.map((term, i) => `"${term}"${i === terms.length - 1 ? "*" : ""}`).join(" ");
}

/** A PostgreSQL `to_tsquery` text: the words joined by &, the last one a prefix. */
export function tsQueryText(terms: readonly string[]): string {
  return terms.map((term, i) => `${term}${i === terms.length - 1 ? ":*" : ""}`).join(" & ");
}
