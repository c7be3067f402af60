/**
 * A batch of messages that also carries its JSON text, so the realtime layer can send it without encoding it
 * again (see lib/server/realtime/tether-parser.ts).
 *
 * The batch stays an ordinary `ChatMessage[]`: the text hides under a symbol, which JSON.stringify, structured
 * clones and any other serialiser ignore, so code that does not know about it sees (and sends) the same thing.
 */
import type { ChatMessage } from "../lib/shared/dto";

const ENCODED_JSON = Symbol("tether.encodedJson");

type EncodedBatch = ChatMessage[] & { [ENCODED_JSON]?: readonly string[] };

/**
 * Attaches each message's JSON (`encoded[i]` must equal `JSON.stringify(messages[i])`) to `messages` and returns
 * them. The per-message strings are shared with whoever encoded them; the batch's text is only joined when it is
 * sent, so a batch kept in Socket.IO's recovery buffer holds no copy of it.
 */
export function withEncodedJson(messages: ChatMessage[], encoded: readonly string[]): ChatMessage[] {
  (messages as EncodedBatch)[ENCODED_JSON] = encoded;
  return messages;
}

/** `JSON.stringify(value)` for a batch built by withEncodedJson; undefined for anything else. */
export function encodedJsonOf(value: unknown): string | undefined {
  const encoded = Array.isArray(value) ? (value as EncodedBatch)[ENCODED_JSON] : undefined;
  return encoded === undefined ? undefined : `[${encoded.join(",")}]`;
}
