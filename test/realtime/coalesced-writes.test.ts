import type { Socket as NetSocket } from "node:net";
import { describe, expect, it } from "vitest";
import { webSocketStream } from "../../lib/server/transport/websocket-stream";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";

/** The sizes of the groups of chunks a TCP socket writes with one `writev` (Node's stream-implementer `_writev`). */
function recordCoalescedWrites(stream: NetSocket): number[] {
  const groups: number[] = [];
  const internals = stream as unknown as { _writev: (chunks: unknown[], ...rest: unknown[]) => void };
  const writev = internals._writev.bind(stream);
  internals._writev = (chunks, ...rest) => {
    groups.push(chunks.length);
    writev(chunks, ...rest);
  };
  return groups;
}

describe("writes to a WebSocket connection", () => {
  const { start, client } = useRealtimeHarness();

  it("go out in one system call for the packets Engine.IO flushes together, all received in order", async () => {
    const server = await start();
    const receiver = client();
    await receiver.ready();
    const serverSide = webSocketStream(server.realtime.io.of("/").sockets.get(receiver.socket.id!)!)!;
    const groups = recordCoalescedWrites(serverSide);

    // Ten messages in one turn: one group commit, delivered in one synchronous pass. Engine.IO writes the first at
    // once and queues the other nine until that write completes, then flushes them together.
    const acks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.store.insertMessage({ clientOffset: `burst-${i}`, channel: "general", content: `burst ${i}`, author: { id: "s", name: "S" } }),
      ),
    );
    const ids = acks.map((ack) => ack.message.id);
    await waitFor(() => ids.every((id) => receiver.messages.has(id)), 10_000, "the ten messages");

    expect(receiver.inChannel("general").map((message) => message.id)).toEqual(ids);
    // The nine queued frames in one writev, not nine writes (other packets, like fresh unread counts, may follow).
    expect(groups.some((size) => size >= 9)).toBe(true);
  });
});
