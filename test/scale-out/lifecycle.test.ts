/**
 * An instance stopped right after it started (a crash-looping deploy, a quick test) must stop cleanly: the Redis
 * Streams adapter subscribes asynchronously, and a subscription cut short by the shutdown used to surface as an
 * unhandled rejection, which takes a Node process down (and fails this run).
 */
import { describe, expect, it } from "vitest";
import { clusterSkipReason, createTestCluster, startTestServer } from "../support/test-server";

const skipReason = clusterSkipReason();

describe.skipIf(skipReason !== null)(`instance lifecycle on a cluster${skipReason ? ` (SKIPPED: ${skipReason})` : ""}`, () => {
  it("starts and stops at once, repeatedly, without an unhandled rejection", async () => {
    const cluster = await createTestCluster();
    try {
      for (let i = 0; i < 6; i++) {
        const server = await startTestServer({ backend: "postgres", joinCluster: cluster });
        await server.close();
        // Vitest fails the run on any unhandled rejection, which is what this test is about.
        expect(server.realtime.io.engine.clientsCount).toBe(0);
      }
    } finally {
      await cluster.close();
    }
  });
});
