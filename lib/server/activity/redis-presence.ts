/**
 * SharedPresence on Redis: per instance one hash (`<prefix>presence:<instance>`: user id → "online" | "away") that
 * expires unless renewed, and one sorted set (`<prefix>presence:instances`) of instances scored by when their entries
 * lapse, so a reader finds the live instances without scanning keys. Scores are the writer's clock: instances of a
 * cluster are assumed to agree on the time to well within PRESENCE_TTL_MS.
 */
import type { createClient } from "redis";
import type { InstancePresence, SharedPresence } from "./presence";

type RedisClient = ReturnType<typeof createClient>;

export function createRedisPresence(client: RedisClient, keyPrefix: string): SharedPresence {
  const instances = `${keyPrefix}presence:instances`;
  const keyOf = (instanceId: string) => `${keyPrefix}presence:${instanceId}`;

  return {
    async set(instanceId, userId, state, ttlMs) {
      const key = keyOf(instanceId);
      const multi = client.multi();
      if (state === null) multi.hDel(key, userId);
      else multi.hSet(key, userId, state);
      await multi
        .pExpire(key, ttlMs)
        .zAdd(instances, { score: Date.now() + ttlMs, value: instanceId })
        .exec();
    },

    async renew(instanceId, states, ttlMs) {
      const key = keyOf(instanceId);
      const multi = client.multi().del(key);
      if (states.size > 0) multi.hSet(key, Object.fromEntries(states)).pExpire(key, ttlMs);
      await multi.zAdd(instances, { score: Date.now() + ttlMs, value: instanceId }).exec();
    },

    async readOthers(instanceId) {
      const now = Date.now();
      await client.zRemRangeByScore(instances, "-inf", now);
      const live = (await client.zRangeByScore(instances, now, "+inf")).filter((id) => id !== instanceId);
      const found = new Map<string, Map<string, InstancePresence>>();
      for (const id of live) {
        const users = new Map<string, InstancePresence>();
        for (const [userId, state] of Object.entries(await client.hGetAll(keyOf(id)))) {
          if (state === "online" || state === "away") users.set(userId, state);
        }
        found.set(id, users);
      }
      return found;
    },

    async remove(instanceId) {
      await client.multi().del(keyOf(instanceId)).zRem(instances, instanceId).exec();
    },
  };
}
