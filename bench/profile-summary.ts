/**
 * Reads a V8 .cpuprofile (from `npm run bench -- --cpu-prof`) and prints where the server spent its time:
 * self time per function, and time per source area (our code, socket.io, drizzle, better-sqlite3, …).
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top]
 */
import fs from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]");
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; startTime: number; endTime: number };
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;

function area(url: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith("node:")) return "node core";
  if (url === "") return "(native/gc/idle)";
  return url.includes("/lib/") || url.includes("/db/") ? "tether" : "other";
}

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const node of profile.nodes) {
  const count = hits.get(node.id) ?? 0;
  if (count === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || "(anonymous)"}  ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/wt-[^/]+\//, "")}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  byArea.set(area(url), (byArea.get(area(url)) ?? 0) + count);
}
const pct = (count: number) => `${((count / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s\n\nby area:`);
for (const [name, count] of [...byArea].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(count)}  ${name}`);
console.log("\nby function (self time):");
for (const [name, count] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 30))) console.log(`  ${pct(count)}  ${name}`);
