/**
 * Starts a server under test as its own process — Tether's production server.ts or the ceiling — with the
 * event-loop monitor preloaded, and reads its memory from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  /** CPU time (user + system) the server used in the window, ms: its own and its child processes' (threadTimes). */
  cpuMs: number;
  /** Longest and total garbage-collection pause in the window, ms. */
  gcMaxMs: number;
  /** What the longest pause collected: "minor" (young generation), "major" (everything), … */
  gcMaxKind: string;
  gcTotalMs: number;
  /**
   * CPU time of the window, ms, by thread and user/system: "main.user" is the event loop's own work; the other threads
   * (V8's GC and compiler helpers, worker threads) go by their name, e.g. "node.user".
   */
  cpuByThread?: Record<string, number>;
}

/**
 * Each thread's CPU time so far, user and system apart, by thread id, with its name — from /proc (Linux only) — of
 * the process and of every process it started (Tether's pages process, tsx's esbuild), whose threads are named
 * "child:<command>…": a server's CPU is what its whole process tree spends.
 */
export function threadTimes(pid: number, prefix = ""): Map<string, { name: string; userMs: number; sysMs: number }> {
  const times = new Map<string, { name: string; userMs: number; sysMs: number }>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return times;
  }
  const msPerTick = 1000 / 100; // USER_HZ is 100 on Linux
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // The name is in parentheses and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(")");
      const command = stat.slice(stat.indexOf("(") + 1, close);
      const name = prefix ? `${prefix}${command}${tid === String(pid) ? "" : ":thread"}` : tid === String(pid) ? "main" : command;
      const fields = stat.slice(close + 2).split(" ");
      // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
      times.set(tid, { name, userMs: Number(fields[11]) * msPerTick, sysMs: Number(fields[12]) * msPerTick });
    } catch {
      // The thread ended between the listing and the read.
    }
    let children: string[] = [];
    try {
      children = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean);
    } catch {
      // As above.
    }
    for (const child of children) for (const [key, value] of threadTimes(Number(child), "child:")) times.set(key, value);
  }
  return times;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly startedAt = performance.now();
  output = "";

  constructor(script: string, env: Record<string, string>, nodeFlags: string[] = []) {
    this.child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", "--import", "./bench/support/loop-monitor.ts", script], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resident memory of the server process, in bytes (VmRSS). */
  rssBytes(): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    if (!kb) throw new Error("no VmRSS in /proc status");
    return Number(kb[1]) * 1024;
  }

  private request<T>(type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { type?: string } & T) => {
        if (reply?.type !== `${type}:done`) return;
        this.child.off("message", onMessage);
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        this.child.off("message", onMessage);
        reject(new Error(`server did not answer ${type}`));
      }, 10_000);
      this.child.on("message", onMessage);
      this.child.send({ type });
    });
  }

  private threadsAtReset: ReturnType<typeof threadTimes> = new Map();

  resetLoopDelay(): Promise<unknown> {
    this.threadsAtReset = threadTimes(this.child.pid!);
    return this.request("eld:reset");
  }

  async readLoopDelay(): Promise<LoopDelay> {
    const { p50, p99, max, cpuMs, gcMaxMs, gcMaxKind, gcTotalMs } = await this.request<LoopDelay>("eld:read");
    const cpuByThread: Record<string, number> = {};
    const add = (key: string, spent: number) => {
      if (spent > 0) cpuByThread[key] = (cpuByThread[key] ?? 0) + spent;
    };
    // The server's own CPU comes from the process itself (finer than /proc's ticks); its child processes' from /proc.
    let childrenMs = 0;
    for (const [tid, now] of threadTimes(this.child.pid!)) {
      const before = this.threadsAtReset.get(tid);
      const user = now.userMs - (before?.userMs ?? 0);
      const sys = now.sysMs - (before?.sysMs ?? 0);
      add(`${now.name}.user`, user);
      add(`${now.name}.sys`, sys);
      if (now.name.startsWith("child:")) childrenMs += user + sys;
    }
    return { p50, p99, max, cpuMs: cpuMs + childrenMs, gcMaxMs, gcMaxKind, gcTotalMs, cpuByThread };
  }

  /** Polls until `probe` succeeds, failing early with the server's output if it exits. */
  async waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`server exited before ${what}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`server: no ${what} within ${timeoutMs} ms:\n${this.output}`);
      if (await probe().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
