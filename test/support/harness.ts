/**
 * Per-test set-up for realtime tests: the server a test starts and every client it opens are closed after the
 * test, whatever it asserted.
 */
import { afterEach } from "vitest";
import { startTestServer, type StartTestServerOptions, type TestServer } from "./test-server";
import { TestClient, type TestClientOptions } from "./test-client";

export interface RealtimeHarness {
  // Properties, not methods: tests destructure them (`const { start, client } = useRealtimeHarness()`).
  start: (options?: StartTestServerOptions) => Promise<TestServer>;
  /** A client of the server this test started. */
  client: (options?: TestClientOptions) => TestClient;
  /** A client of another address (a proxy in front of the server, another instance). */
  clientAt: (url: string, options?: TestClientOptions) => TestClient;
}

export function useRealtimeHarness(): RealtimeHarness {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.close();
    server = undefined;
  });
  const clientAt = (url: string, options?: TestClientOptions) => {
    const c = new TestClient(url, options);
    clients.push(c);
    return c;
  };
  return {
    async start(options) {
      server = await startTestServer(options);
      return server;
    },
    client: (options) => {
      if (!server) throw new Error("start() the server before opening clients");
      return clientAt(server.url, options);
    },
    clientAt,
  };
}
