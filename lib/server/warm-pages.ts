/**
 * Renders the home page once before the server opens its port, on a throw-away HTTP server bound to the loopback
 * interface, so that what the first render loads and keeps (the page's modules, React's and Next.js's caches) is in
 * the heap before `settleHeapBeforeServing` moves the start-up's survivors out of the young generation.
 *
 * Why: otherwise the first visitor's page load put all of that in the young generation, and the first scavenge after
 * it had to copy it: one 16–20 ms pause in the first seconds of traffic, measured as the longest pause of a fan-out
 * on a just-started server (`npm run bench -- --only=fanout --targets=tether`, `gcMaxKind` "minor"). A failed warm-up
 * is only logged: the first real request renders the page as it always did.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export async function warmPages(handle: (req: IncomingMessage, res: ServerResponse) => void, onError: (error: Error) => void): Promise<void> {
  const server = createServer(handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`the warm-up render answered ${response.status}`);
  } catch (error) {
    onError(error as Error);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
