/**
 * Starts the real production server (server.ts after `next build`) as a child process on a fresh SQLite file,
 * and can kill it with SIGKILL and start it again on the same file.
 */
import Database from "better-sqlite3";
import { test } from "./test";
import { attachConnectionDiaries } from "./connection-diary";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface TetherServerOptions {
  env?: Record<string, string>;
}

/** A stored row as the tests check it: what the database holds, not what any page shows. */
export interface StoredMessage {
  id: number;
  channel: string;
  content: string;
  clientOffset: string;
  authorName: string;
}

/**
 * Ports for this worker's servers: a block of its own, below the kernel's ephemeral range. A port picked with
 * listen(0) could be handed to another worker's server while this one restarts (its pages know only the old port),
 * and the browser would silently talk to the wrong server. No other worker uses this block, and the kernel never
 * gives out ports below the ephemeral range, so a restart finds its port free.
 */
const PORTS_PER_WORKER = 200;
let nextPortInBlock = 0;

function ephemeralRangeStart(): number {
  try {
    const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    return Number(low) || 32768;
  } catch {
    return 32768;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function workerPort(): Promise<number> {
  const worker = Number(process.env.TEST_PARALLEL_INDEX ?? 0);
  const blockStart = ephemeralRangeStart() - PORTS_PER_WORKER * (worker + 1);
  for (let tried = 0; tried < PORTS_PER_WORKER; tried++) {
    const port = blockStart + (nextPortInBlock++ % PORTS_PER_WORKER);
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}..${blockStart + PORTS_PER_WORKER - 1}`);
}

class PortTakenError extends Error {}

export class TetherServer {
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tether-e2e-"));
  readonly dbPath = path.join(this.dataDir, "tether.db");
  port = 0;
  private child: ChildProcess | null = null;
  private output = "";

  constructor(private readonly options: TetherServerOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The processes the server started (its pages process), by pid, from /proc (Linux only). */
  childPids(): number[] {
    const pid = this.child?.pid;
    if (!pid) return [];
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
      } catch {
        return []; // the thread ended between the listing and the read
      }
    });
  }

  /**
   * Starts the server and resolves once it has said it is ready (its own log line, not just any answer on the
   * port). The first start takes a free port of this worker's block (workerPort); if something else binds it
   * first, it tries another one. A restart keeps its port: the pages know it.
   */
  async start(): Promise<void> {
    const firstStart = this.port === 0;
    for (let attempt = 1; ; attempt++) {
      if (firstStart) this.port = await workerPort();
      try {
        return await this.launch();
      } catch (error) {
        if (!(firstStart && error instanceof PortTakenError && attempt < 5)) throw error;
      }
    }
  }

  private async launch(): Promise<void> {
    this.output = "";
    const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        PORT: String(this.port),
        HOST: "127.0.0.1",
        DATABASE_URL: `file:${this.dbPath}`,
        SESSION_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e!",
        // No test here relies on the heartbeat to notice a cut, and a busy machine must not make a browser miss one.
        SOCKET_PING_INTERVAL_MS: "5000",
        SOCKET_PING_TIMEOUT_MS: "5000",
        // Info is the level of the "ready" line start() waits for (and of little else).
        LOG_LEVEL: "info",
        // Every browser and script in the suite shares 127.0.0.1 and seeds history quickly; the limits have
        // their own tests (test/hardening/limits.test.ts).
        RATE_LIMIT_PER_SECOND: "0",
        MAX_CONNECTIONS_PER_IP: "0",
        ...this.options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${this.output}`)), 60_000);
      const onOutput = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes("EADDRINUSE")) child.kill("SIGKILL");
        if (!this.output.includes(`Tether ready on http://localhost:${this.port}`)) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout.on("data", onOutput);
      child.stderr.on("data", onOutput);
      child.once("exit", (code) => {
        clearTimeout(timer);
        const message = `server exited early (${code}):\n${this.output}`;
        reject(this.output.includes("EADDRINUSE") ? new PortTakenError(message) : new Error(message));
      });
    });
  }

  /** SIGKILL: no shutdown code runs, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) await this.kill();
  }

  /** Stops the server for good and removes its data directory. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Deletes the SQLite file (with its WAL): the next start() begins with an empty database. */
  wipeDatabase(): void {
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(this.dbPath + suffix, { force: true });
  }

  logs(): string {
    return this.output;
  }

  /** Every stored message (optionally of one channel), ascending by id, read from the SQLite file read-only. */
  storedMessages(channel?: string): StoredMessage[] {
    const db = new Database(this.dbPath, { readonly: true, fileMustExist: true });
    try {
      const sql =
        "SELECT id, channel, content, client_offset AS clientOffset, author_name AS authorName FROM messages" +
        (channel ? " WHERE channel = ?" : "") +
        " ORDER BY id";
      const statement = db.prepare(sql);
      return (channel ? statement.all(channel) : statement.all()) as StoredMessage[];
    } finally {
      db.close();
    }
  }

  /** The value of one sample of GET /metrics, such as `tether_connections` or `tether_recoveries_total{result="missed"}`; 0 when absent. */
  async metric(sample: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  }

  /** The stored contents of a channel, in id order. */
  storedContents(channel: string): string[] {
    return this.storedMessages(channel).map((m) => m.content);
  }
}

/** One server on a fresh SQLite file for the spec file that calls this at its top level. */
export function serverForThisFile(options?: TetherServerOptions): TetherServer {
  const server = new TetherServer(options);
  test.beforeAll(async () => {
    await server.start();
  });
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a hook uses from this pattern; `{}` asks for none.
  test.afterEach(async ({}, testInfo) => {
    await attachConnectionDiaries(testInfo);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach("server log", { body: server.logs(), contentType: "text/plain" });
    }
  });
  test.afterAll(async () => {
    await server.dispose();
  });
  return server;
}
