/**
 * The Socket.IO cluster adapter on Redis Streams: broadcasts reach every instance, and a session saved on one
 * instance can be restored on another (the plain Redis pub/sub adapter cannot do the latter).
 */
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import type { ServerOptions } from "socket.io";
import type { Logger } from "../logger";

export interface RedisStreamsCluster {
  adapter: ServerOptions["adapter"];
  /** Throws when Redis does not answer (for /healthz). */
  ping(): Promise<void>;
  /** Closes the publishing connection; the adapter closes its reading connections when Socket.IO closes. */
  close(): Promise<void>;
}

export interface RedisStreamsOptions {
  /** Prefix of every Redis key and channel used, so several deployments (or test runs) can share one Redis. */
  keyPrefix: string;
  logger: Logger;
}

interface SubscribingClient {
  subscribe(...args: unknown[]): Promise<unknown>;
}

/**
 * The adapter subscribes on a duplicate of our client and never handles that promise. When Socket.IO closes
 * before the subscription is confirmed (a quick shutdown), destroying the duplicate rejects it, and an unhandled
 * rejection would take the process down. Each duplicate's subscriptions therefore get a handler here.
 */
function handleAdapterSubscriptions(client: unknown, logger: Logger): void {
  const hookable = client as { duplicate(...args: unknown[]): SubscribingClient };
  const duplicate = hookable.duplicate.bind(client);
  hookable.duplicate = (...args) => {
    const copy = duplicate(...args);
    const subscribe = copy.subscribe.bind(copy);
    copy.subscribe = (...subscribeArgs) => {
      const subscribed = subscribe(...subscribeArgs);
      subscribed.catch((error: unknown) => logger.debug({ err: error }, "Redis subscription ended before it was confirmed"));
      return subscribed;
    };
    return copy;
  };
}

export async function connectRedisStreamsAdapter(url: string, { keyPrefix, logger }: RedisStreamsOptions): Promise<RedisStreamsCluster> {
  const client = createClient({ url });
  client.on("error", (error: unknown) => logger.error({ err: error }, "Redis connection error"));
  await client.connect();
  handleAdapterSubscriptions(client, logger);
  const adapter = createAdapter(client, {
    streamName: `${keyPrefix}stream`,
    channelPrefix: `${keyPrefix}channel`,
    sessionKeyPrefix: `${keyPrefix}session:`,
    onlyPlaintext: true,
  });
  return {
    adapter,
    async ping() {
      await client.ping();
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
