import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { encodedJsonOf } from "../../db/encoded-batch";
import { createRecentMessages } from "../../db/recent-messages";
import type { ChatMessage } from "../../lib/shared/dto";
import { tetherParser } from "../../lib/server/realtime/tether-parser";

function message(id: number, content: string): ChatMessage {
  return {
    id,
    channel: "general",
    content,
    clientOffset: `client-${id}`,
    author: { id: `user-${id % 3}`, name: `Ünïcode "${id}"` },
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString(),
  };
}

// Content that JSON escapes: quotes, backslashes, control characters, line separators, emoji, lone surrogates.
const contents = ["hello", 'say "hi"', "back\\slash", "tab\tnew\nline", "\u2028\u2029", "🦀 crab", "\ud800 lone", "<script>"];

function cachedBatch(): ChatMessage[] {
  const loaded = contents.slice(0, 3).map((content, index) => message(index + 1, content));
  const recent = createRecentMessages(100, loaded, true);
  recent.append(contents.slice(3).map((content, index) => message(index + 4, content)));
  const batch = recent.after(0, 50);
  if (batch === null) throw new Error("the cache should cover everything");
  return batch;
}

function decode(encoded: unknown[]): Packet {
  const decoder = new Decoder();
  let decoded: Packet | undefined;
  decoder.on("decoded", (packet: Packet) => (decoded = packet));
  for (const chunk of encoded) decoder.add(chunk as string);
  if (!decoded) throw new Error("nothing decoded");
  return decoded;
}

describe("the Tether parser", () => {
  it("sends a cached batch as pre-encoded JSON, byte for byte what the default encoder sends", () => {
    const batch = cachedBatch();
    expect(encodedJsonOf(batch)).toBe(JSON.stringify(batch));

    const packets: Packet[] = [
      { type: PacketType.EVENT, nsp: "/", data: ["message:batch", batch] },
      // With connection state recovery the adapter appends the packet's offset.
      { type: PacketType.EVENT, nsp: "/", data: ["message:batch", batch, "offset-Q2x"] },
      { type: PacketType.EVENT, nsp: "/admin", id: 42, data: ["message:batch", batch] },
    ];
    for (const packet of packets) {
      const custom = new tetherParser.Encoder().encode(packet);
      expect(custom).toEqual(new Encoder().encode(packet));
      expect(typeof custom[0]).toBe("string");
      expect(decode(custom).data).toEqual(JSON.parse(JSON.stringify(packet.data)));
    }
  });

  it("leaves every other packet to the default encoder", () => {
    const plain = cachedBatch().slice();
    expect(encodedJsonOf(plain)).toBeUndefined();
    const packets: Packet[] = [
      { type: PacketType.EVENT, nsp: "/", data: ["message:batch", plain] },
      { type: PacketType.EVENT, nsp: "/", data: ["message:new", plain[0]] },
      { type: PacketType.ACK, nsp: "/", id: 7, data: [{ data: { id: 1, duplicate: false } }] },
      // Binary data beside a cached batch still goes out as a binary packet.
      { type: PacketType.EVENT, nsp: "/", data: ["message:batch", cachedBatch(), Buffer.from([1, 2, 3])] },
      { type: PacketType.CONNECT, nsp: "/", data: { sid: "abc", pid: "def" } },
    ];
    for (const packet of packets) {
      expect(new tetherParser.Encoder().encode(packet)).toEqual(new Encoder().encode(packet));
    }
  });
});
