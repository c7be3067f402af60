/**
 * Runs test/support/realtime-server-process.ts as a child process on a given SQLite file and port, so a test
 * can SIGKILL it mid-traffic and start it again on the same file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export class RealtimeServerProcess {
  private child: ChildProcess | null = null;
  port = 0;

  constructor(private readonly env: Record<string, string>) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** null while running. */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "realtime-server-process.ts")], {
      env: {
        ...process.env,
        LOG_LEVEL: "warn",
        SOCKET_PING_INTERVAL_MS: "2000",
        SOCKET_PING_TIMEOUT_MS: "2000",
        // Load tests share one client address and send as fast as they can.
        RATE_LIMIT_PER_SECOND: "0",
        MAX_CONNECTIONS_PER_IP: "0",
        ...this.env,
        PORT: String(this.port),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /LISTENING (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`server process exited with ${code} before listening:\n${output}`)));
    });
  }

  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }
}
