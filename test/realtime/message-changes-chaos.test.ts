/**
 * Chaos for messages that change, on one server (SQLite, and PostgreSQL + Redis): four accounts send, edit, delete
 * and react from seeded scripts while their connections are cut at random (Socket.IO may recover those) and forced
 * into fresh sessions (a manual disconnect is never recovered: the catch-up comes from the log). At the end every
 * operation is stored once and every client holds exactly the server's state of every message.
 */
import { afterEach, describe, expect, it } from "vitest";
import { accountsHttp } from "../support/accounts-http";
import { expectConverged, newLedger, runScript, seededRandom } from "../support/change-chaos";
import { useRealtimeHarness } from "../support/harness";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { testBackends } from "../support/test-server";

describe.each(testBackends())("on %s", (backend) => {
  const { start, clientAt } = useRealtimeHarness();
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  it("converges every client to the server's state through random cuts and fresh sessions, each change stored once", async () => {
    const server = await start({ backend });
    const http = accountsHttp(server.url);
    const names = ["ann", "ben", "cat", "dan"];
    const cookies = await Promise.all(names.map((name) => http.account(name)));

    const seeder = clientAt(server.url, { cookie: cookies[0] });
    await seeder.ready();
    const seed = await seeder.send("general", "seed", "seed");
    const seedId = "data" in seed ? seed.data.id : 0;
    seeder.close();

    const paths = await Promise.all(
      cookies.map(async (cookie) => {
        const proxy = await startTcpProxy(server.port);
        proxies.push(proxy);
        return { proxy, client: clientAt(proxy.url, { cookie, serverOffset: seedId }) };
      }),
    );
    const clients = paths.map((path) => path.client);
    await Promise.all(clients.map((c) => c.ready()));

    const ledger = newLedger();
    let scripting = true;
    const scripts = Promise.all(clients.map((c, i) => runScript(c, names[i]!, 1000 + i, 40, ledger))).finally(() => (scripting = false));
    const random = seededRandom(7);
    // At least ten faults, even should the scripts finish first: then they hit the catch-up of a quiet log.
    for (let fault = 0; fault < 60 && (scripting || fault < 10); fault++) {
      const { proxy, client } = paths[Math.floor(random() * paths.length)]!;
      if (random() < 0.7) proxy.cut();
      else if (client.socket.connected) client.socket.disconnect().connect();
      await new Promise((resolve) => setTimeout(resolve, 20 + random() * 60));
    }
    await scripts;

    await expectConverged(clients, clients[0]!, ledger, (sql) => server.rows(sql), seedId);
    // The faults did happen: connections came back (recovered or fresh) after the first.
    expect(clients.reduce((sessions, c) => sessions + c.sessions.length, 0)).toBeGreaterThan(clients.length);
  });
});
