/**
 * Accounts on two instances sharing one PostgreSQL database and one Redis stream: a session or a token ended
 * through one instance's HTTP API closes its connections on the other, and the failed sign-in limit is one limit
 * for the whole deployment.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { accountsHttp } from "../support/accounts-http";
import { TestClient } from "../support/test-client";
import { clusterSkipReason, createTestCluster, startTestServer, type TestCluster, type TestServer } from "../support/test-server";

const skipReason = clusterSkipReason();

describe.skipIf(skipReason !== null)(`accounts across instances${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  let cluster: TestCluster;
  let a: TestServer;
  let b: TestServer;
  const clients: TestClient[] = [];

  function client(server: TestServer, options: ConstructorParameters<typeof TestClient>[1]) {
    const c = new TestClient(server.url, options);
    clients.push(c);
    return c;
  }

  const closedByServer = (c: TestClient) => new Promise<string>((resolve) => c.socket.once("disconnect", resolve));

  beforeAll(async () => {
    cluster = await createTestCluster();
    const signInLimit = { perUsername: 3, perAddress: 100, windowMs: 10 * 60_000 };
    a = await startTestServer({ backend: "postgres", joinCluster: cluster, signInLimit });
    b = await startTestServer({ backend: "postgres", joinCluster: cluster, signInLimit });
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.close();
  });

  it("closes a token's and a session's connections on every instance when they end on one", async () => {
    const httpA = accountsHttp(a.url);
    const cookie = await httpA.account("carol", "password1");
    const { token, accessToken } = (await httpA.createToken(cookie, "bot")).body;
    const other = (await httpA.signIn("carol", "password1")).cookie!;
    const botOnB = client(b, { token });
    const browserOnB = client(b, { cookie: other });
    const stayingOnB = client(b, { cookie });
    await Promise.all([botOnB.ready(), browserOnB.ready(), stayingOnB.ready()]);

    const botClosed = closedByServer(botOnB);
    expect((await httpA.revokeToken(cookie, accessToken.id)).status).toBe(200);
    expect(await botClosed).toBe("io server disconnect");

    const browserClosed = closedByServer(browserOnB);
    expect((await httpA.signOut(other)).status).toBe(200);
    expect(await browserClosed).toBe("io server disconnect");
    expect(stayingOnB.socket.connected).toBe(true);

    const refused = new Promise<{ data?: { code?: string } }>((resolve) => client(b, { token }).socket.once("connect_error", resolve));
    expect((await refused).data).toMatchObject({ code: "unauthorized" });
  });

  it("counts failed sign-ins once for the whole deployment", async () => {
    const httpA = accountsHttp(a.url);
    const httpB = accountsHttp(b.url);
    await httpA.account("dave", "the right one");
    expect((await httpA.signIn("dave", "wrong 1")).status).toBe(401);
    expect((await httpB.signIn("dave", "wrong 2")).status).toBe(401);
    expect((await httpA.signIn("dave", "wrong 3")).status).toBe(401);
    expect((await httpB.signIn("dave", "the right one")).status).toBe(429);
  });
});
