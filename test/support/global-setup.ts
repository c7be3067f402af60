/**
 * Decides once per run whether the scale-out suite (PostgreSQL + Redis) can run. Without the services it is
 * skipped with the reason printed — except under CI, where the services are part of the contract and their
 * absence fails the run.
 */
import type { TestProject } from "vitest/node";
import { probeScaleOutServices, type ServiceProbe } from "./scale-out-services";

declare module "vitest" {
  export interface ProvidedContext {
    scaleOut: ServiceProbe;
  }
}

export default async function setup(project: TestProject) {
  const probe = await probeScaleOutServices();
  if (!probe.available) {
    if (process.env.CI) throw new Error(`CI is set, so the scale-out suite must run, but: ${probe.reason}`);
    console.warn(
      `\n[tether] SKIPPING the scale-out suite (PostgreSQL + Redis, multi-instance): ${probe.reason}\n` +
        "[tether] The SQLite suite runs. Start PostgreSQL and Redis (or set TEST_POSTGRES_URL / TEST_REDIS_URL) to run it.\n",
    );
  }
  project.provide("scaleOut", probe);
}
