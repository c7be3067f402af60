/** What the delivery stages need to know about a broadcast packet's arguments. */

/** A broadcast's message id: only `message:new` carries one. */
export function messageIdOf(packetData: unknown[]): number | null {
  const [event, message] = packetData;
  return event === "message:new" && typeof message === "object" && message !== null ? (message as { id: number }).id : null;
}

/** A catch-up batch (`message:batch`), which only the replay itself sends, to its own socket. */
export function isReplayBatch(packetData: unknown[]): boolean {
  return packetData[0] === "message:batch";
}
