/**
 * PostgreSQL and Redis for the scale-out suite: whether they can be reached, and a fresh database and Redis key
 * prefix per test server, removed afterwards. Addresses come from TEST_POSTGRES_URL (an admin connection to an
 * existing database) and TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { createClient } from "redis";

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export type ServiceProbe = { available: true } | { available: false; reason: string };

function describeError(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

export async function probeScaleOutServices(): Promise<ServiceProbe> {
  const problems: string[] = [];
  const pg = new Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  let pgConnected = false;
  try {
    await pg.connect();
    pgConnected = true;
    await pg.query("SELECT 1");
  } catch (error) {
    problems.push(`PostgreSQL at ${TEST_POSTGRES_URL}: ${describeError(error)}`);
  } finally {
    if (pgConnected) await pg.end();
  }
  const redis = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  // Without a listener a connection error would be thrown as an 'error' event; connect() reports it anyway.
  let redisError: unknown = null;
  redis.on("error", (error: unknown) => (redisError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(`Redis at ${TEST_REDIS_URL}: ${describeError(redisError ?? error)}`);
  } finally {
    if (redis.isOpen) await redis.close();
  }
  return problems.length === 0 ? { available: true } : { available: false, reason: problems.join("; ") };
}

function randomName(): string {
  return `${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  /** Runs one query on the test database (for assertions on stored rows). */
  query<T extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A new, empty database on the test server (migrations are applied by the store that opens it). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tether_test_${randomName()}`;
  // template0: copying template1 fails while anyone else happens to be connected to it.
  await withAdminClient((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE template0`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async query<T extends Record<string, unknown>>(text: string, values?: unknown[]) {
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      await withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A Redis key prefix no other test uses, and a way to delete its keys afterwards. */
export function createRedisNamespace(): { keyPrefix: string; clear(): Promise<void> } {
  const keyPrefix = `tether-test:${randomName()}:`;
  return {
    keyPrefix,
    async clear() {
      const redis = createClient({ url: TEST_REDIS_URL });
      await redis.connect();
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 500 })) keys.push(...batch);
        if (keys.length > 0) await redis.del(keys);
      } finally {
        await redis.close();
      }
    },
  };
}
