/**
 * Registers a client event so that hostile input can never crash the server or make it call a non-function:
 * the ack is taken only when it is a function, the payload is handed over as `unknown` for validation, and any
 * thrown error becomes an `internal` error ack while its details go to the log.
 */
import { fail, type Ack } from "../../shared/ack";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { TetherSocket } from "./types";

/** Counts running handlers, so a shutdown can wait for in-flight writes and their acks. */
export function createInFlightTracker() {
  let count = 0;
  let waiters: Array<() => void> = [];
  return {
    /** Set at shutdown: new events are refused with a retryable error instead of starting work. */
    draining: false,
    get count() {
      return count;
    },
    start() {
      count++;
    },
    end() {
      count--;
      if (count === 0) {
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve();
      }
    },
    whenIdle(): Promise<void> {
      return count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

export type AckHandler<T> = (payload: unknown) => Promise<Ack<T>>;

export function registerAckHandler<T>(
  socket: TetherSocket,
  event: string,
  handler: AckHandler<T>,
  deps: { logger: Logger; metrics: Metrics; inFlight: ReturnType<typeof createInFlightTracker> },
): void {
  const listener = async (...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as (response: Ack<T>) => void) : undefined;
    const payload = ack && args.length === 1 ? undefined : args[0];
    if (deps.inFlight.draining) {
      deps.metrics.acks.inc({ event, code: "unavailable" });
      ack?.(fail("unavailable", "The server is restarting; try again."));
      return;
    }
    deps.inFlight.start();
    let response: Ack<T>;
    try {
      response = await handler(payload);
    } catch (error) {
      deps.logger.error({ err: error, event, socketId: socket.id }, "handler failed");
      deps.metrics.errors.inc({ kind: "handler" });
      response = fail("internal", "Something went wrong on the server.");
    }
    deps.metrics.acks.inc({ event, code: "error" in response ? response.error.code : "ok" });
    try {
      ack?.(response);
    } finally {
      deps.inFlight.end();
    }
  };
  // The typed `on` cannot express "anything may arrive"; the listener accepts unknown arguments on purpose. Its
  // promise is not Socket.IO's to handle: the listener answers every failure of the handler itself.
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => unknown): void }).on(event, listener);
}
