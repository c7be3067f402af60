/**
 * Guards lib/server/internals/redis-streams-subscriptions.ts: it must be removed or re-checked as soon as the
 * library versions change or the adapter stops leaving its subscription promise unhandled.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clusterSkipReason } from "../../../test/support/test-server";
import { TEST_REDIS_URL } from "../../../test/support/scale-out-services";
import { CHECKED_AGAINST } from "./redis-streams-subscriptions";

const root = path.resolve(__dirname, "../../..");
const installedVersion = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

function closeRightAway(withHandler: boolean): { unhandled: boolean; subscribed: boolean } {
  const script = path.join(__dirname, "fixtures", "close-adapter-right-away.ts");
  const output = execFileSync(process.execPath, ["--import", "tsx", script, ...(withHandler ? ["--with-handler"] : [])], {
    cwd: root,
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL },
    encoding: "utf8",
  });
  return JSON.parse(output.trim().split("\n").pop()!) as { unhandled: boolean; subscribed: boolean };
}

describe("the Redis Streams adapter's unhandled subscription (internal reliance)", () => {
  it("is checked against the installed versions", () => {
    for (const [name, version] of Object.entries(CHECKED_AGAINST)) expect(installedVersion(name), name).toBe(version);
  });

  const skipReason = clusterSkipReason();
  it.skipIf(skipReason !== null)(
    `still rejects unhandled without the handler, and not with it${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`,
    () => {
      // If the first expectation fails, the adapter handles it itself now: delete the internal and this test.
      expect(closeRightAway(false)).toMatchObject({ unhandled: true });
      expect(closeRightAway(true)).toEqual({ unhandled: false, subscribed: true });
    },
  );
});
