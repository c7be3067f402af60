/**
 * A catch-up that fails (the database briefly unreachable) must not strand the client: the server closes the
 * transport, so any socket.io-client — here a plain one with no Tether-specific handling, like the Socket.IO
 * tutorial's or a bot's — reconnects with its usual back-off and is caught up on the next connection.
 */
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { MessageStore } from "../../lib/storage/message-store";
import type { ChatMessage } from "../../lib/shared/dto";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";
import { testBackends } from "../support/test-server";

/** The real store, whose first catch-up read fails as if the database could not be reached. */
function failFirstCatchUpRead(store: MessageStore): MessageStore {
  let failed = false;
  return {
    ...store,
    async getMessagesAfter(offset, limit, upTo) {
      if (!failed && upTo !== undefined) {
        failed = true;
        throw new Error("connection to the database lost");
      }
      return store.getMessagesAfter(offset, limit, upTo);
    },
  };
}

describe.each(testBackends())("on %s", (backend) => {
  const { start } = useRealtimeHarness();
  const sockets: Array<ReturnType<typeof io>> = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  it("closes the transport of a connection whose catch-up failed, and a plain client comes back by itself", async () => {
    const server = await start({ backend, deliveryWindowSize: 1, wrapStore: failFirstCatchUpRead });
    await server.realtime.delivery.ready();
    for (let i = 0; i < 50; i++) {
      await server.store.insertMessage({ clientOffset: `m-${i}`, channel: "general", content: `m ${i}`, author: { id: "a", name: "A" } });
    }

    const received: number[] = [];
    const disconnects: string[] = [];
    let ready = 0;
    const socket = io(server.url, { transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 200, auth: { serverOffset: 1 } });
    sockets.push(socket);
    socket.on("message:batch", (batch: ChatMessage[]) => received.push(...batch.map((m) => m.id)));
    socket.on("disconnect", (reason) => disconnects.push(reason));
    socket.on("session:ready", () => ready++);

    await waitFor(() => ready === 1, 10_000, "a session after the failed catch-up");
    expect(disconnects).toEqual(["transport close"]);
    const stored = await server.store.getMessagesAfter(1, 1000);
    expect(received).toEqual(stored.map((m) => m.id));
  });
});
