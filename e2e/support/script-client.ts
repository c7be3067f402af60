/**
 * Scenario set-up without a browser (seeding a long history, creating channels), through the suites' one test
 * client (test/support/test-client.ts), which speaks the same wire contract as the web client.
 */
import type { Ack } from "../../lib/shared/ack";
import { TestClient } from "../../test/support/test-client";

function unwrap<T>(ack: Ack<T>): T {
  if ("error" in ack) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

export async function withScriptClient<T>(url: string, name: string, work: (client: TestClient) => Promise<T>): Promise<T> {
  const client = new TestClient(url, { name });
  try {
    await client.ready();
    return await work(client);
  } finally {
    client.close();
  }
}

export async function createChannel(client: TestClient, name: string): Promise<void> {
  unwrap((await client.emitRaw("channel:create", { name })) as Ack<unknown>);
}

/** Sends the messages one after another (each acknowledged before the next), so they are stored in this order. */
export async function sendAll(client: TestClient, channel: string, contents: string[], offsetPrefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, content] of contents.entries()) ids.push(unwrap(await client.send(channel, content, `${offsetPrefix}-${i}`, 10_000)).id);
  return ids;
}

/** A script that connects with a personal access token, as a bot would: `io(url, { auth: { token } })`. */
export function connectWithToken(url: string, token: string): TestClient {
  return new TestClient(url, { token, socketOptions: { reconnection: false } });
}
