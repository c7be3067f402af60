/**
 * The Socket.IO cluster adapter on Redis Streams: broadcasts reach every instance, and a session saved on one
 * instance can be restored on another (the plain Redis pub/sub adapter cannot do the latter).
 */
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import type { ServerOptions } from "socket.io";
import { createRedisPresence } from "../activity/redis-presence";
import type { SharedPresence } from "../activity/presence";
import { handleAdapterSubscriptionErrors } from "../internals/redis-streams-subscriptions";
import type { Logger } from "../logger";

export interface RedisStreamsCluster {
  adapter: ServerOptions["adapter"];
  /** Presence shared by the instances, on the same Redis connection and key prefix. */
  presence: SharedPresence;
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

export async function connectRedisStreamsAdapter(url: string, { keyPrefix, logger }: RedisStreamsOptions): Promise<RedisStreamsCluster> {
  const client = createClient({ url });
  client.on("error", (error: unknown) => logger.error({ err: error }, "Redis connection error"));
  await client.connect();
  handleAdapterSubscriptionErrors(client, logger);
  const adapter = createAdapter(client, {
    streamName: `${keyPrefix}stream`,
    channelPrefix: `${keyPrefix}channel`,
    sessionKeyPrefix: `${keyPrefix}session:`,
    onlyPlaintext: true,
  });
  return {
    adapter,
    presence: createRedisPresence(client, keyPrefix),
    async ping() {
      await client.ping();
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
