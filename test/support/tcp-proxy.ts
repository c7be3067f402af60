/**
 * A TCP proxy between clients and the server, to cut connections the way a network does: `cut()` destroys
 * every open connection at once (both ends see a reset), `pause()` refuses new ones until `resume()`, and
 * `dropDownstreamAfter(n)` makes new connections lose everything the server sends after its first n bytes —
 * data the server wrote successfully that never reaches the client, as on a network that dies silently — and
 * `retarget(port)` sends new connections to another server (a client "moving" to another instance), and
 * `freeze()` makes every open connection go silent both ways without closing it: neither end hears of it until
 * its own heartbeat gives up, as when a phone leaves a Wi-Fi network.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxy {
  url: string;
  port: number;
  cut(): void;
  pause(): void;
  dropDownstreamAfter(bytes: number | null): void;
  freeze(): void;
  resume(): void;
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initialTargetPort: number): Promise<TcpProxy> {
  let targetPort = initialTargetPort;
  const open = new Set<net.Socket>();
  const freezers = new Set<() => void>();
  let refusing = false;
  let downstreamLimit: number | null = null;
  const server = net.createServer((inbound) => {
    if (refusing) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(targetPort, "127.0.0.1");
    open.add(inbound);
    open.add(outbound);
    inbound.pipe(outbound);
    const limit = downstreamLimit;
    if (limit === null) {
      outbound.pipe(inbound);
    } else {
      let forwarded = 0;
      outbound.on("data", (chunk: Buffer) => {
        const room = limit - forwarded;
        if (room > 0) inbound.write(chunk.subarray(0, room));
        forwarded += chunk.length;
      });
    }
    const freeze = () => {
      inbound.unpipe(outbound);
      outbound.unpipe(inbound);
      outbound.removeAllListeners("data");
      inbound.pause();
      outbound.pause();
    };
    freezers.add(freeze);
    const drop = () => {
      freezers.delete(freeze);
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on("error", drop).on("close", drop);
    outbound.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const cut = () => {
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut,
    freeze: () => {
      for (const freeze of freezers) freeze();
      freezers.clear();
    },
    dropDownstreamAfter: (bytes) => {
      downstreamLimit = bytes;
    },
    pause: () => {
      refusing = true;
    },
    resume: () => {
      refusing = false;
    },
    retarget: (port) => {
      targetPort = port;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
