import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { attachReplayGate } from "../../lib/server/delivery/replay-gate";
import { isReplayBatch, messageIdOf } from "../../lib/server/realtime/message-packets";
import { waitFor } from "../support/test-client";

// The gate on a real Socket.IO server with connection state recovery on: Socket.IO then sends a socket's own
// emits through the adapter, where the gate sits.
describe("the replay gate, with connection state recovery", () => {
  let httpServer: HttpServer | undefined;
  let ioServer: Server | undefined;
  let clientSocket: ClientSocket | undefined;

  afterEach(async () => {
    clientSocket?.close();
    await ioServer?.close();
    httpServer?.close();
  });

  it("lets the replay's own batches through while it holds live broadcasts", async () => {
    httpServer = createServer();
    ioServer = new Server(httpServer, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
    const gate = attachReplayGate(ioServer.of("/").adapter, messageIdOf, isReplayBatch);
    const serverSide = new Promise<string>((resolve) =>
      ioServer!.on("connection", (socket) => {
        socket.join("feed");
        gate.hold(socket.id);
        resolve(socket.id);
      }),
    );
    await new Promise<void>((resolve) => httpServer!.listen(0, "127.0.0.1", resolve));
    const { port } = httpServer.address() as AddressInfo;

    const received: string[] = [];
    clientSocket = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
    clientSocket.on("message:batch", (batch: { id: number }[]) => received.push(`batch ${batch.map((m) => m.id).join(",")}`));
    clientSocket.on("message:new", (message: { id: number }) => received.push(`new ${message.id}`));
    const socketId = await serverSide;

    ioServer.to("feed").emit("message:new", { id: 3 });
    ioServer
      .of("/")
      .sockets.get(socketId)!
      .emit("message:batch", [{ id: 1 }, { id: 2 }]);
    await waitFor(() => received.length > 0, 5_000, "the batch");
    expect(received).toEqual(["batch 1,2"]);
    expect(gate.isHeld(socketId)).toBe(true);

    gate.release(socketId, 2);
    await waitFor(() => received.length === 2, 5_000, "the held broadcast");
    expect(received).toEqual(["batch 1,2", "new 3"]);
  });
});
