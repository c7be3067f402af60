/**
 * The two servers the bench compares, started fresh for each group of scenarios: Tether (the production
 * server.ts on a new SQLite file in a temp dir) and the ceiling (bench/ceiling-server.ts, stores nothing).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { openSqliteMessageStore } from "../../db/sqlite-message-store";
import { GENERAL_CHANNEL } from "../../lib/shared/limits";
import { MESSAGE_CONTENT } from "./clients";
import { freePort, ROOT, ServerProcess } from "./server-process";

export type TargetName = "ceiling" | "tether";

export interface Target {
  name: TargetName;
  url: string;
  server: ServerProcess;
  /** Client offsets stored under a prefix, one entry per row; null for a server that stores nothing. */
  storedClientOffsets(prefix: string): string[] | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Messages that already exist when the server starts (ids 1..seed), for catch-up. */
  seed?: number;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Return right after spawning instead of once the first page is served (cold start times that itself). */
  noWait?: boolean;
  /** Environment overrides for the server (Tether), applied last. */
  env?: Record<string, string>;
}

/** `next build` once, when this checkout has no production build yet. */
export function ensureProductionBuild(): void {
  if (fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return;
  console.log("No production build (.next/BUILD_ID): running next build…");
  const result = spawnSync("npx", ["next", "build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) throw new Error("next build failed");
}

/**
 * Seeds the backlog straight into the SQLite file before the server opens it: the schema comes from the
 * store's own migrations, the rows from one transaction. Much faster than sending 100k messages through
 * sockets, and the server then reads them exactly as it reads rows it stored itself.
 */
function seedSqlite(dbPath: string, count: number): void {
  const store = openSqliteMessageStore(dbPath);
  void store.close();
  const sqlite = new Database(dbPath);
  const insert = sqlite.prepare(
    "INSERT INTO messages (client_offset, channel, author_id, author_name, content, created_at) VALUES (?, ?, 'seed', 'Seed', ?, ?)",
  );
  sqlite.transaction(() => {
    // One millisecond apart, as if sent at 1,000 msgs/s: no two rows share a timestamp a formatter could reuse.
    const first = Date.now() - count;
    for (let i = 1; i <= count; i++) insert.run(`seed-${i}`, GENERAL_CHANNEL, MESSAGE_CONTENT, first + i);
  })();
  sqlite.close();
}

/**
 * The node flags `npm start` runs the production server with (package.json), so that the bench measures the
 * server as it is deployed. They tune the heap, which moves the fan-out tail (docs/performance.md).
 */
export function productionNodeFlags(): string[] {
  const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const start = packageJson.scripts.start ?? "";
  const match = /\bnode((?: --[\w-]+(?:=\S+)?)*) --import tsx server\.ts$/.exec(start);
  if (!match) throw new Error(`package.json "start" is not "… node [flags] --import tsx server.ts": ${start}`);
  return match[1]!.split(" ").filter(Boolean);
}

export async function startTether(options: StartOptions = {}): Promise<Target> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tether-bench-"));
  const dbPath = path.join(dataDir, "tether.db");
  if (options.seed) seedSqlite(dbPath, options.seed);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = new ServerProcess(
    "server.ts",
    {
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: `file:${dbPath}`,
      SESSION_SECRET: "bench-secret-bench-secret-bench-secret!",
      LOG_LEVEL: "warn",
      // Every bench client shares one address: per-address limits would measure the limiter, not the server.
      RATE_LIMIT_PER_SECOND: "0",
      MAX_CONNECTIONS_PER_IP: "0",
      ...options.env,
    },
    [...productionNodeFlags(), ...(options.nodeFlags ?? [])],
  );
  if (!options.noWait) await server.waitFor("first page", async () => (await fetch(`${url}/`)).status === 200);
  let reader: Database.Database | null = null;
  return {
    name: "tether",
    url,
    server,
    storedClientOffsets(prefix) {
      reader ??= new Database(dbPath, { readonly: true });
      const rows = reader.prepare("SELECT client_offset AS offset FROM messages WHERE client_offset LIKE ? || '%'").all(prefix) as {
        offset: string;
      }[];
      return rows.map((row) => row.offset);
    },
    async stop() {
      reader?.close();
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startCeiling(options: StartOptions = {}): Promise<Target> {
  const server = new ServerProcess("bench/ceiling-server.ts", { PORT: "0", CEILING_SEED: String(options.seed ?? 0) }, options.nodeFlags);
  let port = 0;
  await server.waitFor("listening", async () => {
    port = Number(/listening (\d+)/.exec(server.output)?.[1] ?? 0);
    return port > 0;
  });
  return { name: "ceiling", url: `http://127.0.0.1:${port}`, server, storedClientOffsets: () => null, stop: () => server.stop() };
}

export function startTarget(name: TargetName, options: StartOptions = {}): Promise<Target> {
  return name === "tether" ? startTether(options) : startCeiling(options);
}
