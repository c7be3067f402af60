/**
 * GET /healthz (database and adapter reachable → 200, otherwise 503) and GET /metrics (Prometheus text), served
 * by the custom server before Next.js sees the request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";

export interface HealthCheck {
  name: string;
  check: () => Promise<void>;
}

const HEALTHZ = "/healthz";
const METRICS = "/metrics";
/** The paths served here, before anything else. */
export const OPERATIONAL_PATHS: readonly string[] = [HEALTHZ, METRICS];

export function createOperationalRoutes({ checks, metrics, logger }: { checks: HealthCheck[]; metrics: Metrics; logger: Logger }) {
  async function healthz(res: ServerResponse) {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return [name, "ok"] as const;
        } catch (error) {
          logger.warn({ err: error, check: name }, "health check failed");
          return [name, "failing"] as const;
        }
      }),
    );
    const healthy = results.every(([, status]) => status === "ok");
    res.writeHead(healthy ? 200 : 503, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    res.end(JSON.stringify({ status: healthy ? "ok" : "failing", checks: Object.fromEntries(results) }));
  }

  async function metricsText(res: ServerResponse) {
    res.writeHead(200, { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" });
    res.end(await metrics.registry.metrics());
  }

  /** Serves the request when it is one of these routes; returns false to let Next.js handle it. */
  return function handleOperationalRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const pathname = (req.url ?? "").split("?")[0];
    if (pathname === HEALTHZ) void healthz(res);
    else if (pathname === METRICS) void metricsText(res);
    else return false;
    return true;
  };
}
