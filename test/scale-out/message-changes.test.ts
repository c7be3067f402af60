/**
 * Messages that change on two instances as real processes (PostgreSQL + Redis): the chaos of
 * test/realtime/message-changes-chaos.test.ts with every fault also moving the client to a random instance, so
 * changes committed on one instance reach clients of the other live, through the log tail, and by catch-up. Every
 * operation must be stored once and every client must end with the server's state of every message.
 */
import { afterEach, describe, expect, it } from "vitest";
import { accountsHttp } from "../support/accounts-http";
import { expectConverged, newLedger, runScript, seededRandom } from "../support/change-chaos";
import { spawnInstance, type InstanceProcess } from "../support/instance-process";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { TestClient } from "../support/test-client";
import { clusterSkipReason, createTestCluster, type TestCluster } from "../support/test-server";

const skipReason = clusterSkipReason();

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe.skipIf(skipReason !== null)(`two instances as real processes${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, { timeout: 120_000 }, () => {
  it("converges every client to the server's state while clients are cut and moved between instances", async () => {
    const cluster: TestCluster = await createTestCluster();
    const instances: InstanceProcess[] = [];
    const proxies: TcpProxy[] = [];
    const clients: TestClient[] = [];
    cleanup = async () => {
      for (const c of clients) c.close();
      for (const proxy of proxies) await proxy.close();
      for (const instance of instances) instance.kill("SIGKILL");
      await Promise.all(instances.map((instance) => instance.exited));
      await cluster.close();
    };
    const env = { DATABASE_URL: cluster.database.url, REDIS_URL: cluster.redisUrl, REDIS_KEY_PREFIX: cluster.keyPrefix };
    instances.push(...(await Promise.all([spawnInstance(env), spawnInstance(env)])));
    const http = accountsHttp(instances[0]!.url);
    const names = ["ann", "ben", "cat", "dan"];
    const cookies = await Promise.all(names.map((name) => http.account(name)));

    const seeder = new TestClient(instances[0]!.url, { cookie: cookies[0] });
    clients.push(seeder);
    await seeder.ready();
    const seed = await seeder.send("general", "seed", "seed");
    const seedId = "data" in seed ? seed.data.id : 0;
    seeder.close();

    const paths = await Promise.all(
      cookies.map(async (cookie, i) => {
        const proxy = await startTcpProxy(instances[i % 2]!.port);
        proxies.push(proxy);
        const client = new TestClient(proxy.url, { cookie, serverOffset: seedId });
        clients.push(client);
        return { proxy, client };
      }),
    );
    const scripted = paths.map((path) => path.client);
    await Promise.all(scripted.map((c) => c.ready()));

    const ledger = newLedger();
    let scripting = true;
    const scripts = Promise.all(scripted.map((c, i) => runScript(c, names[i]!, 2000 + i, 30, ledger))).finally(() => (scripting = false));
    const random = seededRandom(11);
    for (let fault = 0; fault < 40 && (scripting || fault < 8); fault++) {
      const { proxy, client } = paths[Math.floor(random() * paths.length)]!;
      proxy.retarget(instances[Math.floor(random() * 2)]!.port);
      if (random() < 0.7) proxy.cut();
      else if (client.socket.connected) client.socket.disconnect().connect();
      await new Promise((resolve) => setTimeout(resolve, 30 + random() * 70));
    }
    await scripts;

    await expectConverged(scripted, scripted[0]!, ledger, (sql) => cluster.database.query(sql), seedId);
    expect(scripted.reduce((sessions, c) => sessions + c.sessions.length, 0)).toBeGreaterThan(scripted.length);
  });
});
