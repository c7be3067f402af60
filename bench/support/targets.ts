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
  /** Client offsets of the message changes stored under a prefix, one entry per row; null for the ceiling. */
  storedChangeOffsets(prefix: string): string[] | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Messages that already exist when the server starts (ids 1..seed), for catch-up. */
  seed?: number;
  /**
   * Tether only: the `seed` log entries are mixed — about 70% messages, 20% reactions and 10% edits of recent
   * messages — as `npm run bench`'s mixed catch-up replays them.
   */
  mixedSeed?: boolean;
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

/** Emoji the mixed seed and the mixed scenario react with. */
export const BENCH_EMOJI = ["👍", "🎉", "❤️", "😂", "👀"] as const;

/**
 * A mixed log of `count` entries, ids and offsets 1..count of one sequence: messages, and changes to one of the
 * 1,000 newest messages (two reactions for each edit), each written as the store writes it — a message_changes row
 * and the message row's new state. Deterministic (a fixed linear congruential sequence).
 */
function seedMixedSqlite(dbPath: string, count: number): void {
  const store = openSqliteMessageStore(dbPath);
  void store.close();
  const sqlite = new Database(dbPath);
  const insertMessage = sqlite.prepare(
    "INSERT INTO messages (id, client_offset, channel, author_id, author_name, content, created_at, version) VALUES (?, ?, ?, 'seed', 'Seed', ?, ?, ?)",
  );
  const insertChange = sqlite.prepare(
    'INSERT INTO message_changes ("offset", message_id, channel, kind, actor_id, data, client_offset, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const updateEdited = sqlite.prepare("UPDATE messages SET content = ?, edited_at = ?, version = ? WHERE id = ?");
  const updateReactions = sqlite.prepare("UPDATE messages SET reactions = ?, version = ? WHERE id = ?");
  let random = 12345;
  const next = () => (random = (random * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const reactions = new Map<number, Array<[string, string[]]>>();
  const ids: number[] = [];
  sqlite.transaction(() => {
    const first = Date.now() - count;
    for (let offset = 1; offset <= count; offset++) {
      const at = first + offset;
      const roll = next();
      if (roll < 0.7 || ids.length === 0) {
        insertMessage.run(offset, `seed-${offset}`, GENERAL_CHANNEL, MESSAGE_CONTENT, at, offset);
        ids.push(offset);
        continue;
      }
      const id = ids[Math.max(0, ids.length - 1 - Math.floor(next() * 1000))]!;
      if (roll < 0.9) {
        const emoji = BENCH_EMOJI[Math.floor(next() * BENCH_EMOJI.length)]!;
        const held = reactions.get(id) ?? [];
        const entry = held.find(([e]) => e === emoji);
        if (entry) entry[1].push(`seed-user-${offset}`);
        else held.push([emoji, [`seed-user-${offset}`]]);
        reactions.set(id, held);
        insertChange.run(offset, id, GENERAL_CHANNEL, "reaction_add", `seed-user-${offset}`, JSON.stringify({ emoji }), `seed-change-${offset}`, at);
        updateReactions.run(JSON.stringify(held), offset, id);
      } else {
        const content = `${MESSAGE_CONTENT} (edited at ${offset})`;
        insertChange.run(offset, id, GENERAL_CHANNEL, "edit", "seed", JSON.stringify({ content }), `seed-change-${offset}`, at);
        updateEdited.run(content, at, offset, id);
      }
    }
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
  if (options.seed) (options.mixedSeed ? seedMixedSqlite : seedSqlite)(dbPath, options.seed);
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
    storedChangeOffsets(prefix) {
      reader ??= new Database(dbPath, { readonly: true });
      const rows = reader.prepare("SELECT client_offset AS offset FROM message_changes WHERE client_offset LIKE ? || '%'").all(prefix) as {
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
  return {
    name: "ceiling",
    url: `http://127.0.0.1:${port}`,
    server,
    storedClientOffsets: () => null,
    storedChangeOffsets: () => null,
    stop: () => server.stop(),
  };
}

export function startTarget(name: TargetName, options: StartOptions = {}): Promise<Target> {
  return name === "tether" ? startTether(options) : startCeiling(options);
}
