/**
 * `npm run bench:paired`: two servers under the same fan-out load *at the same time*, and the ratio of their server CPU
 * per message. An A/B tool for a server change, not a target check (that is `npm run bench`).
 *
 * Why: on this kind of machine the speed of the host drifts by 20–40% between sessions a minute apart, so two servers
 * measured one after the other (as `npm run bench` does, best of three sessions each) can only be told apart when they
 * differ by more than that. Run side by side, both see the same drift: one sender per server sends each message to
 * both in the same tick (alternately first), and each server's CPU time comes from /proc over the same window.
 * Measured this way, the ceiling against itself came out 0.99–1.02, Tether against itself 1.01 (three rounds each).
 *
 *   npm run bench:paired -- --a=tether --b=ceiling [--receivers=100] [--rate=200] [--seconds=8] [--warm-seconds=15] [--rounds=3]
 *   npm run bench:paired -- --a=tether --b=tether --a-env=SOME_SWITCH=1     # a change behind an environment switch
 *   npm run bench:paired -- --a=tether --b=tether --a-node-flags=--min-semi-space-size=64
 *
 * Each round starts both servers fresh, connects the receivers and one sender to each, sends for `--warm-seconds`
 * (which lets V8 optimise the hot paths and the young generation settle), then measures for `--seconds`. Each
 * message of the window must reach each receiver of its server once, or the round fails. The servers share the two
 * cores with each other and with this load generator, so absolute figures are higher than in `npm run bench`; the
 * ratio is what counts.
 */
import type { ChatMessage } from "../lib/shared/dto";
import { closeAll, connectMany, sendMessage, type BenchSocket } from "./support/clients";
import { waitUntil } from "./support/load";
import { threadTimes } from "./support/server-process";
import { ensureProductionBuild, startCeiling, startTether, type Target, type TargetName } from "./support/targets";

interface Side {
  target: TargetName;
  env: Record<string, string>;
  nodeFlags: string[];
}

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg} (see the header of bench/paired.ts)`);
    flags.set(match[1]!, match[2]!);
  }
  const side = (name: "a" | "b", fallback: TargetName): Side => {
    const target = (flags.get(name) ?? fallback) as TargetName;
    if (target !== "tether" && target !== "ceiling") throw new Error(`--${name} must be tether or ceiling`);
    const env = Object.fromEntries(
      (flags.get(`${name}-env`) ?? "")
        .split(",")
        .filter(Boolean)
        .map((pair): [string, string] => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    if (target === "ceiling" && Object.keys(env).length > 0) throw new Error(`--${name}-env applies to tether only`);
    const nodeFlags = (flags.get(`${name}-node-flags`) ?? "").split(",").filter(Boolean);
    return { target, env, nodeFlags };
  };
  const number = (name: string, fallback: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  return {
    sides: [side("a", "tether"), side("b", "ceiling")] as const,
    receivers: number("receivers", 100),
    rate: number("rate", 200),
    seconds: number("seconds", 8),
    warmSeconds: number("warm-seconds", 15),
    rounds: number("rounds", 3),
  };
}

/** CPU time (user + system, every thread, child processes included) a server has used so far, ms. */
function cpuMs(pid: number): number {
  let total = 0;
  for (const { userMs, sysMs } of threadTimes(pid).values()) total += userMs + sysMs;
  return total;
}

const start = (side: Side): Promise<Target> =>
  side.target === "tether" ? startTether({ env: side.env, nodeFlags: side.nodeFlags }) : startCeiling({ nodeFlags: side.nodeFlags });

/** Both servers, or neither: one that started is stopped when the other fails, rather than left running. */
async function startBoth(sides: readonly Side[]): Promise<Target[]> {
  const started = await Promise.allSettled(sides.map(start));
  const failed = started.find((result) => result.status === "rejected");
  if (!failed) return started.map((result) => (result as PromiseFulfilledResult<Target>).value);
  await Promise.all(started.flatMap((result) => (result.status === "fulfilled" ? [result.value.stop()] : [])));
  throw failed.reason;
}

/** Sends `count` messages to each sender at `rate` per second, each message to all of them in the same tick. */
async function sendToAll(senders: readonly BenchSocket[], rate: number, count: number, prefix: string): Promise<void> {
  const acks: Promise<number>[] = [];
  const began = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(count, Math.floor(((performance.now() - began) * rate) / 1000));
      for (; sent < due; sent++) {
        // Alternately first: whichever server is sent to first gets a slight head start over the load generator.
        const order = sent % 2 === 0 ? senders : [...senders].reverse();
        for (const sender of order) acks.push(sendMessage(sender, `${prefix}-${sent}`));
      }
      if (sent >= count) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(acks);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  ensureProductionBuild();
  const describe = (side: Side) => [side.target, ...Object.entries(side.env).map(([k, v]) => `${k}=${v}`), ...side.nodeFlags].join(" ");
  console.log(`A: ${describe(options.sides[0])}\nB: ${describe(options.sides[1])}`);
  const ratios: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const targets = await startBoth(options.sides);
    /** Per server, per receiver: how often each message arrived. */
    const received = targets.map(() => Array.from({ length: options.receivers }, () => new Map<string, number>()));
    const sockets: BenchSocket[] = [];
    try {
      const receivers = await Promise.all(
        targets.map((target, i) =>
          connectMany(target.url, options.receivers, (j) => ({
            onMessage: (message: ChatMessage) => {
              const seen = received[i]![j]!;
              seen.set(message.clientOffset, (seen.get(message.clientOffset) ?? 0) + 1);
            },
          })),
        ),
      );
      const senders = await Promise.all(targets.map((target) => connectMany(target.url, 1)));
      sockets.push(...receivers.flat(), ...senders.flat());
      const all = senders.map((s) => s[0]!);
      await sendToAll(all, options.rate, Math.round(options.rate * options.warmSeconds), `warm-${round}`);
      const count = Math.round(options.rate * options.seconds);
      const before = targets.map((target) => cpuMs(target.server.child.pid!));
      await sendToAll(all, options.rate, count, `run-${round}`);
      const perMessage = targets.map((target, i) => (cpuMs(target.server.child.pid!) - before[i]!) / count);
      // Each receiver got each message of the window once: a lost or duplicated delivery makes the figures
      // incomparable, so the round fails.
      const complete = (i: number) =>
        received[i]!.every((seen) => {
          let messages = 0;
          for (const [offset, times] of seen) {
            if (!offset.startsWith(`run-${round}-`)) continue;
            if (times !== 1) return false;
            messages++;
          }
          return messages === count;
        });
      for (const [i, target] of targets.entries()) {
        await waitUntil(
          `${target.name}: every message of round ${round} at each of its ${options.receivers} receivers, once`,
          () => complete(i),
          30_000,
        );
      }
      const ratio = perMessage[0]! / perMessage[1]!;
      ratios.push(ratio);
      console.log(`round ${round}: A ${perMessage[0]!.toFixed(3)} ms/msg, B ${perMessage[1]!.toFixed(3)} ms/msg, A ÷ B ${ratio.toFixed(3)}`);
    } finally {
      closeAll(sockets);
      await Promise.all(targets.map((target) => target.stop()));
    }
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  console.log(`A ÷ B: ${sorted.map((r) => r.toFixed(3)).join(", ")}; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
