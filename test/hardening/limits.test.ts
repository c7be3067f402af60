import { webSocketStream } from "../../lib/server/transport/websocket-stream";
import { io } from "socket.io-client";
import { describe, expect, it } from "vitest";
import type { Ack } from "../../lib/shared/ack";
import type { SendMessageResult } from "../../lib/shared/dto";
import { parseTrustProxy } from "../../lib/server/http/trust-proxy";
import { type TestServer } from "../support/test-server";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";

let server: TestServer;

const { start, client } = useRealtimeHarness();

describe("rate limiting of message:send", () => {
  it("refuses most of a burst of hundreds of sends with rate_limited and a retry-after hint", async () => {
    // One token a second: the burst would have to take ten seconds to earn the ten more that fail the bound below.
    server = await start({ rateLimit: { burst: 20, perSecond: 1 } });
    const flooder = client();
    await flooder.ready();
    const acks = await Promise.all(Array.from({ length: 300 }, (_, i) => flooder.send("general", `flood ${i}`, `flood-${i}`)));
    const accepted = acks.filter((a): a is { data: SendMessageResult } => "data" in a);
    const limited = acks.filter((a) => "error" in a && a.error.code === "rate_limited") as Array<{ error: { retryAfterMs: number } }>;
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    expect(accepted.length).toBeLessThan(30);
    expect(limited.length).toBe(300 - accepted.length);
    expect(limited.every((a) => a.error.retryAfterMs > 0 && a.error.retryAfterMs <= 1000)).toBe(true);
    const stored = await server.store.getMessagesAfter(0, 1000);
    expect(stored).toHaveLength(accepted.length);
  });

  it("stops reading from a connection that keeps sending while refused, until its bucket refills", async () => {
    server = await start({ rateLimit: { burst: 5, perSecond: 2 } });
    const flooder = client();
    await flooder.ready();
    const serverSide = webSocketStream(server.realtime.io.of("/").sockets.get(flooder.socket.id!)!)!;
    expect(serverSide).not.toBeNull();
    expect(serverSide.isPaused()).toBe(false);
    // What the server did to the connection, in order: the pause may be over by the time the client reads its ack.
    const reading: string[] = [];
    for (const action of ["pause", "resume"] as const) {
      const original = serverSide[action].bind(serverSide);
      serverSide[action] = () => {
        reading.push(action);
        return original();
      };
    }
    const acks = Array.from({ length: 50 }, (_, i) => flooder.send("general", `f ${i}`, `f-${i}`));
    await Promise.race(acks.map((a) => a.then((ack) => ("error" in ack ? Promise.resolve() : new Promise(() => {})))));
    // Refused once: the server stopped reading this socket before it answered, so TCP slows the flooder down
    // instead of the server.
    expect(reading[0]).toBe("pause");
    await waitFor(() => reading.includes("resume"), 5_000, "reading to resume");
    // Nothing is dropped: every send is still answered.
    const answers = await Promise.all(acks);
    expect(answers.filter((a) => "data" in a).length).toBeGreaterThanOrEqual(5);
    expect(answers.every((a) => "data" in a || a.error.code === "rate_limited")).toBe(true);
  });

  it("reads again from a paused connection once the server closes it, so that its close handshake completes", async () => {
    // A token every 1,000 s: the pause after the refused send would outlast the test.
    server = await start({ rateLimit: { burst: 1, perSecond: 0.001 } });
    const flooder = client();
    await flooder.ready();
    const serverSocket = server.realtime.io.of("/").sockets.get(flooder.socket.id!)!;
    const serverSide = webSocketStream(serverSocket)!;
    expect(await flooder.send("general", "one", "one")).toMatchObject({ data: { duplicate: false } });
    expect(await flooder.send("general", "two", "two")).toMatchObject({ error: { code: "rate_limited" } });
    expect(serverSide.isPaused()).toBe(true);
    let closed = false;
    serverSide.once("close", () => (closed = true));
    // As on shutdown. Still paused, the socket would never read the client's close frame, and `ws` would wait
    // 30 s for it before destroying the socket.
    serverSocket.disconnect(true);
    expect(serverSide.isPaused()).toBe(false);
    await waitFor(() => closed, 10_000, "the TCP connection to close");
  });

  it("limits an identity across its connections, and leaves other people alone", async () => {
    // A token every 1,000 s: no refill can slip in while the twelve sends run.
    server = await start({ rateLimit: { burst: 10, perSecond: 0.001 } });
    const cookie = `tether_session=${encodeURIComponent(server.signer.sign("u_flooderflooder1"))}`;
    const tabs = [client({ cookie }), client({ cookie })];
    const bystander = client();
    await Promise.all([...tabs, bystander].map((c) => c.ready()));
    const acks: Array<Ack<SendMessageResult>> = [];
    for (let i = 0; i < 12; i++) acks.push(await tabs[i % 2]!.send("general", `tab ${i}`, `tab-${i}`));
    expect(acks.filter((a) => "data" in a)).toHaveLength(10);
    expect(await bystander.send("general", "still fine", "bystander-1")).toMatchObject({ data: { duplicate: false } });
  });

  it("is off when the rate is 0", async () => {
    server = await start({ rateLimit: { burst: 1, perSecond: 0 } });
    const sender = client();
    await sender.ready();
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => sender.send("general", `m ${i}`, `m-${i}`)));
    expect(acks.every((a) => "data" in a)).toBe(true);
  });
});

describe("connections per address", () => {
  it("refuses connections beyond the limit with too_many_connections, and frees a slot on disconnect", async () => {
    server = await start({ maxConnectionsPerIp: 3 });
    const allowed = [client(), client(), client()];
    await Promise.all(allowed.map((c) => c.ready()));
    const extra = client({ socketOptions: { reconnection: false } });
    const error = await new Promise<Error & { data?: { code: string } }>((resolve) => extra.socket.once("connect_error", resolve));
    expect(error.message).toBe("too_many_connections");
    expect(error.data?.code).toBe("too_many_connections");

    allowed[0]!.close();
    const later = client();
    await later.ready();
  });
});

describe("connections per address behind a proxy", () => {
  // The test's clients connect from 127.0.0.1, so they play the proxy: each sends the X-Forwarded-For an nginx
  // with `$proxy_add_x_forwarded_for` passes on — what the client wrote, then the address nginx saw.
  const throughProxy = (forwardedFor: string) =>
    client({ socketOptions: { reconnection: false, extraHeaders: { "x-forwarded-for": forwardedFor } } });
  const outcome = (c: ReturnType<typeof client>) =>
    new Promise<string>((resolve) => {
      c.socket.once("session:ready", () => resolve("connected"));
      c.socket.once("connect_error", (error) => resolve(error.message));
    });

  it.each([["loopback"], ["1"]])(
    "with TRUST_PROXY=%s, a forged leftmost X-Forwarded-For entry cannot get past MAX_CONNECTIONS_PER_IP",
    async (trustProxy) => {
      server = await start({ maxConnectionsPerIp: 2, trustProxy: parseTrustProxy(trustProxy) });
      // One person at 203.0.113.7, inventing a new address for every connection.
      const results = [];
      for (const forged of ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]) {
        results.push(await outcome(throughProxy(`${forged}, 203.0.113.7`)));
      }
      expect(results).toEqual(["connected", "connected", "too_many_connections", "too_many_connections"]);
      // Someone else behind the same proxy is counted on their own.
      expect(await outcome(throughProxy("198.51.100.1, 203.0.113.8"))).toBe("connected");
    },
  );

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    server = await start({ maxConnectionsPerIp: 2, trustProxy: parseTrustProxy("10.0.0.0/8") });
    const results = [];
    for (const forged of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) results.push(await outcome(throughProxy(forged)));
    expect(results).toEqual(["connected", "connected", "too_many_connections"]);
  });
});

describe("origins", () => {
  it("accepts the app's own origin and non-browser clients, and refuses other sites", async () => {
    server = await start();
    const connect = (origin?: string) =>
      new Promise<"connected" | "refused">((resolve) => {
        const socket = io(server.url, {
          transports: ["polling"],
          reconnection: false,
          extraHeaders: origin ? { origin } : {},
        });
        socket.once("connect", () => {
          socket.disconnect();
          resolve("connected");
        });
        socket.once("connect_error", () => {
          socket.disconnect();
          resolve("refused");
        });
      });
    expect(await connect()).toBe("connected");
    expect(await connect(server.url)).toBe("connected");
    expect(await connect("https://evil.example")).toBe("refused");
  });

  it("accepts an origin listed in ALLOWED_ORIGINS", async () => {
    server = await start({ allowedOrigins: ["https://chat.example"] });
    const socket = io(server.url, { transports: ["polling"], reconnection: false, extraHeaders: { origin: "https://chat.example" } });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    socket.disconnect();
  });
});
