/**
 * Delivery by audience: 100 private channels of 10 members (100 accounts, each in 10 channels), messages sent at a
 * fixed rate to one channel after another, against the same server sending the same rate to a public channel read
 * by 10 connections. Both deliver every message to 10 connections, so server CPU per delivered message compares
 * what routing by audience costs over a broadcast to everyone. Tether only: the ceiling has no accounts.
 * Also checks privacy: every member receives each message of its channels exactly once, nobody else any.
 */
import { closeAll, connectClient, sendMessage, type BenchSocket } from "../support/clients";
import { waitUntil } from "../support/load";
import { round, summarize, type LatencySummary } from "../support/stats";
import type { Target } from "../support/targets";

export interface PrivateChannelsOptions {
  channels: number;
  members: number;
  rate: number;
  durationMs: number;
}

interface Phase {
  messages: number;
  deliveries: number;
  deliveryLatency: LatencySummary;
  serverCpuMsPerDelivery: number;
}

export interface PrivateChannelsResult extends PrivateChannelsOptions {
  private: Phase;
  public: Phase;
  /** Private CPU per delivered message over public. */
  cpuRatio: number;
}

async function signUp(url: string, username: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { origin: url, "content-type": "application/json" },
    body: JSON.stringify({ username, password: `${username}-password` }),
  });
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("tether.session_token="));
  if (!response.ok || !cookie) throw new Error(`sign-up of ${username} failed: ${response.status} ${await response.text()}`);
  return cookie.split(";")[0]!;
}

function request(socket: BenchSocket, event: string, payload: unknown): Promise<unknown> {
  return (socket.timeout(30_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<{ error?: { code: string } }> })
    .emitWithAck(event, payload)
    .then((ack) => {
      if (ack.error) throw new Error(`${event} ${JSON.stringify(payload)}: ${ack.error.code}`);
      return ack;
    });
}

/** Sends `rate` messages a second for `durationMs`, the k-th to `channelOf(k)` from `senderOf(k)`; resolves when all are acked. */
async function sendPhase(
  prefix: string,
  options: { rate: number; durationMs: number },
  senderOf: (k: number) => BenchSocket,
  channelOf: (k: number) => string,
  sentAt: Map<string, number>,
): Promise<string[]> {
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const offsets: string[] = [];
  const acks: Array<Promise<number>> = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000));
      while (offsets.length < due) {
        const k = offsets.length;
        const offset = `${prefix}${k}`;
        offsets.push(offset);
        sentAt.set(offset, performance.now());
        acks.push(sendMessage(senderOf(k), offset, 30_000, channelOf(k)));
      }
      if (offsets.length >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(acks);
  return offsets;
}

export async function runPrivateChannels(target: Target, options: PrivateChannelsOptions): Promise<PrivateChannelsResult> {
  const users = Array.from({ length: options.channels }, (_, i) => `bench-user-${i}`);
  const cookies: string[] = [];
  for (const username of users) cookies.push(await signUp(target.url, username));
  const received = users.map(() => new Map<string, number>());
  const latencies = { private: [] as number[], public: [] as number[] };
  const sentAt = new Map<string, number>();
  const sockets = await Promise.all(
    cookies.map(
      async (cookie, i) =>
        (
          await connectClient(target.url, {
            cookie,
            onMessage: (message) => {
              received[i]!.set(message.clientOffset, (received[i]!.get(message.clientOffset) ?? 0) + 1);
              const sent = sentAt.get(message.clientOffset);
              if (sent === undefined) return;
              if (message.clientOffset.startsWith("priv-run-")) latencies.private.push(performance.now() - sent);
              if (message.clientOffset.startsWith("pub-run-")) latencies.public.push(performance.now() - sent);
            },
          })
        ).socket,
    ),
  );
  try {
    // Channel i belongs to user i, with users i+1 … i+members-1 (mod channels) invited.
    const channel = (i: number) => `bench-private-${i}`;
    const membersOf = (i: number) => Array.from({ length: options.members }, (_, m) => (i + m) % options.channels);
    for (let i = 0; i < options.channels; i++) {
      await request(sockets[i]!, "channel:create", { name: channel(i), visibility: "private" });
      for (const member of membersOf(i).slice(1)) await request(sockets[i]!, "channel:invite", { channel: channel(i), username: users[member] });
    }

    const phase = async (
      prefix: string,
      senderOf: (k: number) => BenchSocket,
      channelOf: (k: number) => string,
      recipients: (k: number) => number[],
    ) => {
      await sendPhase(`${prefix}warm-`, { rate: options.rate, durationMs: 1000 }, senderOf, channelOf, sentAt);
      await target.server.resetLoopDelay();
      const offsets = await sendPhase(`${prefix}run-`, options, senderOf, channelOf, sentAt);
      const { cpuMs } = await target.server.readLoopDelay();
      const expected = offsets.map((offset, k) => ({ offset, to: new Set(recipients(k)) }));
      await waitUntil(`${prefix} delivery`, () => expected.every(({ offset, to }) => [...to].every((u) => received[u]!.has(offset))), 120_000);
      const problems: string[] = [];
      for (const { offset, to } of expected) {
        for (let u = 0; u < users.length; u++) {
          const count = received[u]!.get(offset) ?? 0;
          if (count !== (to.has(u) ? 1 : 0) && problems.length < 10) problems.push(`${offset}: user ${u} received it ${count} times`);
        }
      }
      if (problems.length > 0) throw new Error(`private channels: delivery by audience violated:\n${problems.join("\n")}`);
      const deliveries = expected.reduce((sum, { to }) => sum + to.size, 0);
      return { messages: offsets.length, deliveries, cpuMs };
    };

    const priv = await phase(
      "priv-",
      (k) => sockets[k % options.channels]!,
      (k) => channel(k % options.channels),
      (k) => membersOf(k % options.channels),
    );
    // The public comparison: the same server, the same rate, a public channel read by `members` connections.
    const readers = sockets.slice(0, options.members);
    closeAll(sockets.slice(options.members));
    await waitUntil("the other connections to close", () => sockets.slice(options.members).every((s) => !s.connected), 10_000);
    const pub = await phase(
      "pub-",
      () => readers[0]!,
      () => "general",
      () => readers.map((_, u) => u),
    );
    const perDelivery = (p: { cpuMs: number; deliveries: number }) => round(p.cpuMs / p.deliveries, 4);
    const result = {
      ...options,
      private: {
        messages: priv.messages,
        deliveries: priv.deliveries,
        deliveryLatency: summarize(latencies.private),
        serverCpuMsPerDelivery: perDelivery(priv),
      },
      public: {
        messages: pub.messages,
        deliveries: pub.deliveries,
        deliveryLatency: summarize(latencies.public),
        serverCpuMsPerDelivery: perDelivery(pub),
      },
    };
    return { ...result, cpuRatio: round(result.private.serverCpuMsPerDelivery / result.public.serverCpuMsPerDelivery, 2) };
  } finally {
    closeAll(sockets);
  }
}

/**
 * Two sessions of the scenario as one: each phase keeps its session with the lower CPU per delivered message (a
 * busy machine only adds to it), and the ratio is taken between those.
 */
export function betterPrivatePhases(a: PrivateChannelsResult, b: PrivateChannelsResult): PrivateChannelsResult {
  const lower = (x: Phase, y: Phase) => (x.serverCpuMsPerDelivery <= y.serverCpuMsPerDelivery ? x : y);
  const priv = lower(a.private, b.private);
  const pub = lower(a.public, b.public);
  return { ...a, private: priv, public: pub, cpuRatio: round(priv.serverCpuMsPerDelivery / pub.serverCpuMsPerDelivery, 2) };
}
