/**
 * A production server whose pages run in a process of their own (lib/server/pages): each connection goes where
 * its first request belongs, the bytes already read go with it, and no connection carries a second request. The
 * pages side here is a second HTTP server in the test's process, given each connection as the pages process is.
 */
import { createServer, get, request, type IncomingHttpHeaders, type Server as HttpServer } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { adoptConnection } from "../../lib/server/pages/route-connections";
import { useRealtimeHarness } from "../support/harness";
import { waitFor } from "../support/test-client";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(url: string, path: string, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Writes `pieces` on one raw connection, one write each, and returns everything the server sent until it closed. */
function rawExchange(port: number, pieces: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    socket.on("connect", () => {
      void (async () => {
        for (const piece of pieces) {
          socket.write(piece);
          // Separate TCP segments, most likely: the router must wait for the whole head either way.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
    });
  });
}

describe("connections of a server whose pages run elsewhere", () => {
  const { start, client } = useRealtimeHarness();
  let pages: HttpServer | null = null;
  afterEach(() => {
    pages?.closeAllConnections();
    pages?.close();
    pages = null;
  });

  async function startWithPages() {
    const served: string[] = [];
    pages = createServer((req, res) => {
      served.push(`${req.method} ${req.url}`);
      res.setHeader("Connection", "close");
      res.end(`page ${req.url}`);
    });
    const pagesServer = pages;
    const server = await start({
      pagesProcess: {
        // What pages-server.ts does with a connection it is given.
        handOff: (socket, received) => adoptConnection(pagesServer, socket, received),
      },
    });
    return { server, served };
  }

  it("sends page requests to the pages and keeps Socket.IO, the accounts API and the operational routes", async () => {
    const { server, served } = await startWithPages();

    const page = await send(server.url, "/sign-in?next=%2F");
    expect(page).toMatchObject({ status: 200, body: "page /sign-in?next=%2F" });
    expect((await send(server.url, "/_next/static/chunk.js")).body).toBe("page /_next/static/chunk.js");
    expect(served).toEqual(["GET /sign-in?next=%2F", "GET /_next/static/chunk.js"]);

    const health = await send(server.url, "/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: "ok" });
    expect((await send(server.url, "/api/auth/get-session")).status).toBe(200);
    // Pages are only read: anything else on a page path is this server's, which has no page to give.
    expect((await send(server.url, "/", "POST")).status).toBe(404);
    expect(served).toHaveLength(2);

    const alice = client({ name: "alice" });
    const bob = client({ name: "bob" });
    await Promise.all([alice.ready(), bob.ready()]);
    const ack = await alice.send("general", "through the router", "router-1");
    expect("data" in ack).toBe(true);
    await waitFor(() => bob.inChannel("general").some((message) => message.clientOffset === "router-1"), 10_000, "bob's copy");
  });

  it("answers one request per connection on both sides, so that none carries a request meant for the other", async () => {
    const { server } = await startWithPages();
    expect((await send(server.url, "/")).headers.connection).toBe("close");
    expect((await send(server.url, "/healthz")).headers.connection).toBe("close");
    // Socket.IO's long-polling responses as well (a polling client opens a connection per request).
    const polling = await send(server.url, "/socket.io/?EIO=4&transport=polling");
    expect(polling.status).toBe(200);
    expect(polling.headers.connection).toBe("close");

    // A second request written on the same connection is never answered by the wrong side: the connection ends
    // after the first response.
    const exchange = await rawExchange(server.port, ["GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"]);
    expect(exchange.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(exchange).toContain("page /");
  });

  it("waits for a head that arrives in pieces, and hands on every byte", async () => {
    const { server } = await startWithPages();
    const page = await rawExchange(server.port, ["GET /sett", "ings HTTP/1.1\r\nHo", "st: x\r\n", "\r\n"]);
    expect(page).toMatch(/^HTTP\/1\.1 200 /);
    expect(page).toContain("page /settings");
    const health = await rawExchange(server.port, ["GET /hea", "lthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]);
    expect(health).toMatch(/^HTTP\/1\.1 200 /);
    expect(health).toContain('"status":"ok"');
  });

  it("leaves a malformed request to the HTTP server here, which refuses it", async () => {
    const { server, served } = await startWithPages();
    const reply = await rawExchange(server.port, ["NOT HTTP AT ALL\r\n\r\n"]);
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(served).toEqual([]);
    // Still serving.
    const status = await new Promise<number>((resolve) => get(`${server.url}/healthz`, (res) => resolve(res.statusCode!)));
    expect(status).toBe(200);
  });
});
