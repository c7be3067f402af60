#!/usr/bin/env node
/**
 * The proof that the suite does not flake: `npm run test:repeat -- 10 [--load]`.
 *
 * Clones the current commit (HEAD, not uncommitted changes) into a fresh temp directory, installs it once with
 * `npm ci`, then runs the README's test command, `npm test`, N times there with CI=true, as .ci/run does. Each run
 * writes its log and its Vitest and Playwright JSON results (TEST_REPORT_DIR, read by vitest.config.mts and
 * playwright.config.ts) to a directory of its own, with Playwright's test-results when the run failed. Prints,
 * per run, passed or failed with the name of every failed test, then "N/N passed".
 *
 * --load keeps one core busy for the whole time with a busy loop in a child process, as on a shared CI machine.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const USAGE = `usage: npm run test:repeat -- [runs] [--load] [--keep-clone]
  runs          how many times to run \`npm test\` (default 10)
  --load        keep one core busy with a busy-loop process while the runs go
  --keep-clone  keep the clone (with its node_modules) instead of removing it at the end`;

function fail(message) {
  console.error(`test:repeat: ${message}\n${USAGE}`);
  process.exit(2);
}

let options;
try {
  options = parseArgs({
    allowPositionals: true,
    options: {
      load: { type: "boolean", default: false },
      "keep-clone": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  fail(error.message);
}
if (options.values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (options.positionals.length > 1) fail(`one number of runs expected, got: ${options.positionals.join(" ")}`);
const runs = options.positionals.length === 0 ? 10 : Number(options.positionals[0]);
if (!Number.isInteger(runs) || runs < 1) fail(`the number of runs must be a whole number of at least 1, got "${options.positionals[0]}"`);

const git = (...args) => execFileSync("git", args, { encoding: "utf8" }).trim();
const repo = git("rev-parse", "--show-toplevel");
const head = git("-C", repo, "rev-parse", "HEAD");
if (git("-C", repo, "status", "--porcelain", "--untracked-files=no") !== "") {
  console.warn("test:repeat: the work tree has uncommitted changes; they are not tested (the clone is of HEAD).");
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "tether-repeat-"));
const clone = path.join(root, "clone");
const artifacts = path.join(root, "runs");
fs.mkdirSync(artifacts);
console.log(`test:repeat: ${runs} run(s) of \`npm test\` on ${head.slice(0, 12)}${options.values.load ? ", with one core kept busy" : ""}`);
console.log(`test:repeat: logs and results in ${artifacts}`);

/** The environment of a run: this one, less what npm put there for the `npm run` that started this script. */
function runEnvironment(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_") && key !== "INIT_CWD"));
  return { ...env, CI: "true", NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

/** Runs a command in the clone with its output to `logFile`; resolves with the exit code. */
function run(command, args, logFile, env) {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, "w");
    const child = spawn(command, args, { cwd: clone, env, stdio: ["ignore", log, log] });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      fs.closeSync(log);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

const readJson = (file) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null);

/** Failed Vitest tests as "file › describe › test", and whole files that failed without a failed test. */
function vitestFailures(report) {
  const failures = [];
  for (const file of report.testResults ?? []) {
    const name = path.relative(clone, file.name);
    const failed = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of failed) failures.push(`vitest: ${[name, ...test.ancestorTitles, test.title].join(" › ")}`);
    if (file.status === "failed" && failed.length === 0) failures.push(`vitest: ${name} (${(file.message || "failed to run").split("\n")[0]})`);
  }
  if (!report.success && failures.length === 0) failures.push("vitest: the run failed outside any test (an unhandled error; see the log)");
  return failures;
}

/** Failed (or flaky, which is failed once) Playwright tests as "file › describe › test". */
function playwrightFailures(report) {
  const failures = [];
  const visit = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === "unexpected" || test.status === "flaky") {
          failures.push(`playwright: ${[...titles, spec.title].join(" › ")}${test.status === "flaky" ? " (flaky)" : ""}`);
        }
      }
    }
    for (const child of suite.suites ?? []) visit(child, [...titles, child.title]);
  };
  for (const suite of report.suites ?? []) visit(suite, [suite.file ?? suite.title]);
  for (const error of report.errors ?? []) failures.push(`playwright: ${(error.message ?? "error outside any test").split("\n")[0]}`);
  return failures;
}

/** What failed in a run, from its JSON results; a stage that left none failed before its tests ran. */
function failuresOf(runDir, logFile) {
  const vitest = readJson(path.join(runDir, "vitest.json"));
  const playwright = readJson(path.join(runDir, "playwright.json"));
  if (!vitest) {
    const log = fs.readFileSync(logFile, "utf8");
    return [/error TS\d+/.test(log) ? "typecheck: `tsc --noEmit` failed (see the log)" : "the run failed before Vitest reported (see the log)"];
  }
  const failures = [...vitestFailures(vitest), ...(playwright ? playwrightFailures(playwright) : [])];
  if (vitest.success && !playwright)
    failures.push("the end-to-end stage failed before Playwright reported (browser set-up or `next build`; see the log)");
  return failures.length > 0 ? failures : ["`npm test` failed, though no test did (see the log)"];
}

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

let busy = null;
function stopLoad() {
  if (busy && busy.exitCode === null && busy.signalCode === null) {
    busy.kill("SIGKILL");
    console.log(`test:repeat: stopped the busy-loop process (pid ${busy.pid})`);
  }
  busy = null;
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopLoad();
    process.exit(130);
  });
}

async function main() {
  console.log(`test:repeat: cloning into ${clone}`);
  execFileSync("git", ["clone", "--quiet", "--no-local", repo, clone], { stdio: "inherit" });
  execFileSync("git", ["-C", clone, "checkout", "--quiet", "--detach", head], { stdio: "inherit" });

  const env = runEnvironment({});
  console.log("test:repeat: npm ci (once)");
  const installLog = path.join(artifacts, "npm-ci.log");
  if ((await run("npm", ["ci", "--no-audit", "--no-fund"], installLog, env)) !== 0) {
    throw new Error(`npm ci failed; see ${installLog}`);
  }

  if (options.values.load) {
    busy = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    console.log(`test:repeat: started a busy-loop process (pid ${busy.pid}) to keep one core busy`);
  }

  const results = [];
  for (let i = 1; i <= runs; i++) {
    const runDir = path.join(artifacts, `run-${i}`);
    fs.mkdirSync(runDir);
    const logFile = path.join(runDir, "npm-test.log");
    const started = Date.now();
    process.stdout.write(`run ${i}/${runs} … `);
    const code = await run("npm", ["test"], logFile, runEnvironment({ TEST_REPORT_DIR: runDir }));
    const took = formatDuration(Date.now() - started);
    if (code === 0) {
      console.log(`passed (${took})`);
      results.push({ run: i, passed: true });
      continue;
    }
    const failures = failuresOf(runDir, logFile);
    console.log(`FAILED (${took}, exit code ${code}); log: ${logFile}`);
    for (const failure of failures) console.log(`    ✗ ${failure}`);
    // The traces, screenshots and connection diaries of the failed end-to-end tests.
    const testResults = path.join(clone, "test-results");
    if (fs.existsSync(testResults)) fs.cpSync(testResults, path.join(runDir, "test-results"), { recursive: true });
    results.push({ run: i, passed: false, failures });
  }
  stopLoad();

  const passed = results.filter((r) => r.passed).length;
  console.log(`\n${passed}/${runs} passed${options.values.load ? " (with one core kept busy)" : ""}`);
  for (const r of results.filter((r) => !r.passed)) console.log(`  run ${r.run}: ${r.failures.join("; ")}`);
  console.log(`logs and results: ${artifacts}`);
  return passed === runs ? 0 : 1;
}

main()
  .then((code) => {
    if (!options.values["keep-clone"]) fs.rmSync(clone, { recursive: true, force: true });
    else console.log(`clone kept: ${clone}`);
    process.exit(code);
  })
  .catch((error) => {
    stopLoad();
    console.error(`test:repeat: ${error.message}`);
    console.error(`test:repeat: the clone is kept for a look: ${clone}`);
    process.exit(2);
  });
