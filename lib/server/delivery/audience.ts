/**
 * Who receives what: the Socket.IO rooms the delivery core puts *live* connections in. A connection that is still
 * catching up is in none of them, so a live delivery can never overtake its catch-up; the core adds it to its
 * rooms in the same synchronous step that finishes the catch-up.
 *
 * Rooms are an index the core owns, not a place where delivery decisions hide: only the core joins and leaves
 * them, and every delivery is `io.local.to(room).emit(…)` from the core.
 */

/** Every live connection: entries of public channels (today, every channel is public). */
export const PUBLIC_ROOM = "pub";

/** The room that receives the entries of one channel. */
export function roomForChannel(_channel: string): string {
  return PUBLIC_ROOM;
}

/** The rooms a connection joins when it goes live. */
export function roomsOfLiveConnection(): string[] {
  return [PUBLIC_ROOM];
}
