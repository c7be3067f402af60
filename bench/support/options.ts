/** Command-line options of `npm run bench`: scenario sizes, a `--quick` smoke profile, and what to run. */
import path from "node:path";
import { ROOT } from "./server-process";
import type { MixedOptions } from "../scenarios/mixed";
import type { TargetName } from "./targets";

const SCENARIOS = ["ingest", "fanout", "private", "catch-up", "mixed", "connections", "cold-start", "browser"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  strict: boolean;
  /** True when nothing but --quick/--strict was given: only such a run may replace the committed figures. */
  isDefaultRun: boolean;
  scenarios: Set<ScenarioName>;
  targets: TargetName[];
  tetherNodeFlags: string[];
  ingest: { clients: number; messagesPerClient: number; window: number; runs: number };
  rate: { clients: number; rate: number; durationMs: number };
  fanout: { receivers: number; rate: number; durationMs: number };
  /** Rounds of the live scenarios (ingest, rate, fan-out): each round is one session per target, on a fresh server. */
  liveRounds: number;
  privateChannels: { channels: number; members: number; rate: number; durationMs: number };
  catchUp: { sizes: number[]; runs: number };
  mixed: MixedOptions;
  connections: { connections: number };
  coldStart: { runs: number };
  /** Messages a browser page missed in its open channel, one run each, and in another channel. */
  browser: { sizes: number[]; other: number };
}

const HELP = `npm run bench -- [options]
  --quick                  small sizes, a smoke run under a minute
  --strict                 exit 3 when a target is missed (exactly-once violations always exit 1)
  --only=a,b               scenarios: ${SCENARIOS.join(", ")}
  --targets=a,b            ceiling, tether (default both)
  --cpu-prof               profile Tether's server process (.cpuprofile files in bench/results/profiles)
  --node-flags=a,b         extra node flags for Tether's server, after those of \`npm start\` (to try a V8 setting)
  --ingest-clients=N --ingest-messages=N --ingest-window=N --ingest-runs=N
  --rate=N --rate-seconds=N          open-loop ingest (msgs/s over all ingest clients)
  --fanout-receivers=N --fanout-rate=N --fanout-seconds=N
  --live-rounds=N          sessions per target of the live scenarios, and of the private and mixed ones (default 3, 1 with --quick)
  --private-channels=N --private-members=N   private channels (Tether only), each of N members
  --catchup=N,N --catchup-runs=N     missed-message counts, repetitions of each
  --mixed-ops=N --mixed-catchup=N    mixed scenario (Tether): operations per ingest client, log entries missed
  --connections=N --cold-runs=N
  --browser=N,N --browser-other=N    messages a web page missed in its open channel (one run each), and in another`;

export function parseOptions(argv: string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}\n${HELP}`);
    flags.set(match[1]!, match[2] ?? "true");
  }
  if (flags.has("help")) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = flags.has("quick");
  const used = new Set(["quick", "strict"]);
  const num = (name: string, full: number, smoke: number) => {
    used.add(name);
    const raw = flags.get(name);
    if (raw === undefined) return quick ? smoke : full;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const list = (name: string, all: readonly string[]) => {
    used.add(name);
    const raw = flags.get(name);
    const chosen = raw ? raw.split(",") : [...all];
    for (const item of chosen) if (!all.includes(item)) throw new Error(`--${name}: unknown "${item}" (one of ${all.join(", ")})`);
    return chosen;
  };

  const options: BenchOptions = {
    quick,
    strict: flags.has("strict"),
    isDefaultRun: false,
    scenarios: new Set(list("only", SCENARIOS) as ScenarioName[]),
    targets: list("targets", ["ceiling", "tether"]) as TargetName[],
    tetherNodeFlags: [],
    ingest: {
      clients: num("ingest-clients", 20, 20),
      messagesPerClient: num("ingest-messages", 500, 50),
      window: num("ingest-window", 16, 16),
      runs: num("ingest-runs", 2, 1),
    },
    rate: { clients: num("ingest-clients", 20, 20), rate: num("rate", 1000, 1000), durationMs: num("rate-seconds", 5, 1) * 1000 },
    fanout: { receivers: num("fanout-receivers", 100, 20), rate: num("fanout-rate", 200, 200), durationMs: num("fanout-seconds", 8, 1) * 1000 },
    liveRounds: num("live-rounds", 3, 1),
    privateChannels: {
      channels: num("private-channels", 100, 20),
      members: num("private-members", 10, 5),
      rate: num("fanout-rate", 200, 200),
      durationMs: num("fanout-seconds", 8, 1) * 1000,
    },
    catchUp: {
      sizes: (flags.get("catchup") ?? (quick ? "1000,5000" : "10000,100000")).split(",").map(Number),
      runs: num("catchup-runs", 5, 1),
    },
    mixed: {
      clients: num("ingest-clients", 20, 20),
      opsPerClient: num("mixed-ops", 500, 50),
      window: num("ingest-window", 16, 16),
      runs: num("ingest-runs", 2, 1),
      catchUpEntries: num("mixed-catchup", 100_000, 5_000),
      catchUpRuns: num("catchup-runs", 5, 1),
    },
    connections: { connections: num("connections", 5000, 200) },
    coldStart: { runs: num("cold-runs", 3, 1) },
    browser: {
      sizes: (flags.get("browser") ?? (quick ? "2000" : "10000,100000")).split(",").map(Number),
      other: num("browser-other", 10_000, 1_000),
    },
  };
  used.add("catchup");
  used.add("browser");
  if (options.browser.sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("--browser takes positive integers, e.g. 10000,100000");
  if (options.catchUp.sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("--catchup takes positive integers, e.g. 10000,100000");
  if (flags.has("cpu-prof")) {
    used.add("cpu-prof");
    options.tetherNodeFlags = ["--cpu-prof", `--cpu-prof-dir=${path.join(ROOT, "bench", "results", "profiles")}`];
  }
  if (flags.has("node-flags")) {
    used.add("node-flags");
    options.tetherNodeFlags.push(...flags.get("node-flags")!.split(",").filter(Boolean));
  }
  for (const name of flags.keys()) if (!used.has(name)) throw new Error(`unknown option --${name}\n${HELP}`);
  options.isDefaultRun = [...flags.keys()].every((name) => name === "quick" || name === "strict");
  return options;
}
