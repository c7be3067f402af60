/** Runs bench/probe.ts as a separate process and exchanges windows of round-trip samples with it. */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "./server-process";

export class ProbeProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(url: string): Promise<ProbeProcess> {
    const child = fork(path.join(ROOT, "bench", "probe.ts"), [url], { execArgv: ["--import", "tsx"], cwd: ROOT });
    const probe = new ProbeProcess(child);
    await probe.reply("ready");
    return probe;
  }

  private reply<T>(type: string, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type?: string } & T) => {
        if (message?.type !== type) return;
        cleanup();
        resolve(message);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`probe exited (${code}) while waiting for ${type}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`probe: no ${type} in time`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
      };
      this.child.on("message", onMessage);
      this.child.on("exit", onExit);
    });
  }

  async newWindow(): Promise<void> {
    const done = this.reply("window:done");
    this.child.send({ type: "window" });
    await done;
  }

  async collect(): Promise<number[]> {
    const done = this.reply<{ samples: number[] }>("collect:done");
    this.child.send({ type: "collect" });
    return (await done).samples;
  }

  /** Stops the round trips (after the one in flight) until `resume`. */
  async pause(): Promise<void> {
    const done = this.reply("pause:done");
    this.child.send({ type: "pause" });
    await done;
  }

  async resume(): Promise<void> {
    const done = this.reply("resume:done");
    this.child.send({ type: "resume" });
    await done;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send({ type: "stop" });
    await exited;
  }
}
