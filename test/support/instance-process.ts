/**
 * Tether realtime instances as real child processes (test/support/realtime-server-process.ts), for tests that
 * run several of them against one PostgreSQL database and one Redis, and kill them with real signals.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { TEST_SESSION_SECRET } from "./test-server";

const ENTRY = path.join(__dirname, "realtime-server-process.ts");

export interface InstanceProcess {
  readonly port: number;
  readonly url: string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  output(): string;
}

export async function spawnInstance(env: Record<string, string>, startTimeoutMs = 30_000): Promise<InstanceProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: {
      ...process.env,
      NODE_ENV: "test",
      PORT: "0",
      SESSION_SECRET: TEST_SESSION_SECRET,
      SOCKET_PING_INTERVAL_MS: "2000",
      SOCKET_PING_TIMEOUT_MS: "2000",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
    const onData = () => {
      const match = /LISTENING (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve(Number(match[1]));
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    output: () => output,
  };
}
