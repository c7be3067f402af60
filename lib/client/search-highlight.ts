/**
 * Which parts of a search result to highlight. The server matches words (runs of letters and digits), the last one
 * also as a prefix, and other forms of the same English word (stemming); the client does not know the stems, so
 * a word of the text is marked when it starts with a query word, or a query word of 3 letters or more starts with
 * it ("running" for "run", "run" for "runs"). Highlighting is a hint for the eye; which messages match is the
 * server's answer.
 */
const WORD = /[\p{L}\p{N}]+/gu;

export function queryWords(query: string): string[] {
  return [...new Set((query.match(WORD) ?? []).map((word) => word.toLocaleLowerCase()))];
}

export interface TextPart {
  text: string;
  match: boolean;
}

function matches(word: string, queries: readonly string[]): boolean {
  const lower = word.toLocaleLowerCase();
  return queries.some(
    (q) => lower.startsWith(q) || (lower.length >= 3 && q.startsWith(lower)) || (q.length >= 4 && lower.startsWith(q.slice(0, -1))),
  );
}

/** The text cut into parts, the matched words marked; adjacent unmatched text stays one part. */
export function highlightParts(text: string, query: string): TextPart[] {
  const queries = queryWords(query);
  const parts: TextPart[] = [];
  let at = 0;
  const push = (part: string, match: boolean) => {
    if (part === "") return;
    const last = parts[parts.length - 1];
    if (last && !last.match && !match) last.text += part;
    else parts.push({ text: part, match });
  };
  for (const found of text.matchAll(WORD)) {
    const start = found.index;
    push(text.slice(at, start), false);
    push(found[0], queries.length > 0 && matches(found[0], queries));
    at = start + found[0].length;
  }
  push(text.slice(at), false);
  return parts;
}

/** A long message shortened to the part around its first match, so the match is in the excerpt. */
export function excerpt(text: string, query: string, maxLength = 240): string {
  if (text.length <= maxLength) return text;
  const parts = highlightParts(text, query);
  let offset = 0;
  for (const part of parts) {
    if (part.match) break;
    offset += part.text.length;
  }
  const start = offset >= text.length ? 0 : Math.max(0, offset - Math.floor(maxLength / 3));
  const cut = text.slice(start, start + maxLength);
  return `${start > 0 ? "…" : ""}${cut}${start + maxLength < text.length ? "…" : ""}`;
}
