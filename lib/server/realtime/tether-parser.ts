/**
 * Socket.IO's default parser, except that a catch-up batch which already carries its JSON text
 * (db/encoded-batch.ts) is not encoded again. The bytes on the wire are exactly those of the default encoder,
 * so every Socket.IO client decodes them unchanged; only the server's work differs.
 *
 * A 100,000-message catch-up spent most of its server time in the default encoder: JSON.stringify of each batch
 * and a recursive search of every batch for binary data. Messages from the catch-up cache never hold binary data
 * and their JSON is kept, so both are skipped for them.
 */
import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";
import { encodedJsonOf } from "../../../db/encoded-batch";

// Socket.IO constructs its encoder without a JSON replacer, so the default one would use none either.
class TetherEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder["encode"]> {
    const preEncoded = encodePreEncodedEvent(packet);
    return preEncoded === null ? super.encode(packet) : [preEncoded];
  }
}

/**
 * The default encoder's string for an EVENT packet whose arguments hold a pre-encoded batch, or null for any other
 * packet. The other arguments (the event name; with connection state recovery, an offset appended by the adapter)
 * must be strings or numbers, which hold no binary data and encode alike everywhere.
 */
export function encodePreEncodedEvent(packet: Packet): string | null {
  if (packet.type !== PacketType.EVENT || !Array.isArray(packet.data)) return null;
  const args: unknown[] = packet.data;
  let preEncoded = false;
  const parts: string[] = [];
  for (const arg of args) {
    const json = encodedJsonOf(arg);
    if (json !== undefined) {
      preEncoded = true;
      parts.push(json);
    } else if (typeof arg === "string" || (typeof arg === "number" && Number.isFinite(arg))) {
      parts.push(JSON.stringify(arg));
    } else {
      return null;
    }
  }
  if (!preEncoded) return null;
  // The packet format: type, then the namespace unless it is the main one, then the ack id, then the JSON.
  const nsp = packet.nsp && packet.nsp !== "/" ? `${packet.nsp},` : "";
  const id = packet.id != null ? String(packet.id) : "";
  return `${PacketType.EVENT}${nsp}${id}[${parts.join(",")}]`;
}

/** The `parser` option of the Socket.IO server. */
export const tetherParser = { Encoder: TetherEncoder, Decoder };
