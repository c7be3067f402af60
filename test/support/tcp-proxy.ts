/**
 * A TCP proxy between clients and the server, to cut connections the way a network does: `cut()` destroys
 * every open connection at once (both ends see a reset), `pause()` refuses new ones until `resume()`, and
 * `retarget(port)` sends new connections to another server (a client "moving" to another instance).
 */
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxy {
  url: string;
  port: number;
  cut(): void;
  pause(): void;
  resume(): void;
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initialTargetPort: number): Promise<TcpProxy> {
  let targetPort = initialTargetPort;
  const open = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((inbound) => {
    if (refusing) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(targetPort, "127.0.0.1");
    open.add(inbound);
    open.add(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = () => {
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
