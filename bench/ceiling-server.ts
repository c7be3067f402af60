/**
 * The ceiling: Tether's wire protocol served by a bare Socket.IO server that stores nothing — ids from an
 * in-memory counter, catch-up from an in-memory array, no validation beyond what the bench needs, no
 * durability. Whatever Tether loses against it is the price of persistence and of its delivery guarantees.
 *
 * Run as its own process by the bench: `node --import tsx bench/ceiling-server.ts`, PORT (0 = any) and
 * CEILING_SEED (messages pre-loaded for catch-up). Prints `listening <port>` once ready.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import type { ChatMessage } from "../lib/shared/dto";
import type { ClientToServerEvents, ServerToClientEvents } from "../lib/shared/events";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import { MESSAGE_CONTENT } from "./support/clients";

const FEED = "feed";
const REPLAY_BATCH_SIZE = 1000;
const author = { id: "ceiling", name: "Ceiling" };
const log: ChatMessage[] = [];
/** The fields of a message that never changed: the ceiling sends Tether's message shape. */
const unchanged = (id: number) => ({ version: id, editedAt: null, deletedAt: null, reactions: [], replyTo: null });

for (let i = 0; i < Number(process.env.CEILING_SEED ?? 0); i++) {
  const id = log.length + 1;
  log.push({
    id,
    channel: GENERAL_CHANNEL,
    content: MESSAGE_CONTENT,
    clientOffset: `seed-${id}`,
    author,
    createdAt: new Date().toISOString(),
    ...unchanged(id),
  });
}

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  socket.on("message:send", (payload, ack) => {
    const id = log.length + 1;
    const message: ChatMessage = { id, ...payload, author, createdAt: new Date().toISOString(), ...unchanged(id), replyTo: payload.replyTo ?? null };
    log.push(message);
    io.to(FEED).emit("message:new", message);
    ack({ data: { id: message.id, duplicate: false } });
  });
  socket.on("channel:list", (ack) =>
    ack({ data: { channels: [{ name: GENERAL_CHANNEL, createdAt: new Date(0).toISOString(), visibility: "public" }] } }),
  );

  void (async () => {
    const from = Number((socket.handshake.auth as { serverOffset?: number }).serverOffset ?? 0);
    // Same shape as Tether's replay: batches, a macrotask between them so other sockets are served.
    const end = log.length;
    for (let start = from; start > 0 && start < end; start += REPLAY_BATCH_SIZE) {
      socket.emit("message:batch", log.slice(start, Math.min(end, start + REPLAY_BATCH_SIZE)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    void socket.join(FEED);
    // Nothing to confirm here: the ceiling has no recovery to protect.
    socket.emit(
      "session:ready",
      {
        user: { ...author, username: null },
        recovered: false,
        replayed: Math.max(0, end - from),
        latestId: log.length,
        limits: { maxMessageLength: 4000 },
      },
      () => {},
    );
  })();
});

httpServer.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = httpServer.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : 0}`);
});
