/**
 * INTERNAL — the one place where Tether relies on a library's private behaviour (see docs/architecture.md,
 * "Internals"). Checked against @socket.io/redis-streams-adapter 0.3.1 with redis (node-redis) 5.10.0, both pinned
 * in package.json; guarded by redis-streams-subscriptions.test.ts, which fails when either changes or when the
 * adapter stops behaving as described. No upstream issue was found; the fix upstream would be a `.catch` on the
 * `subscribe` in the adapter's constructor.
 *
 * The adapter subscribes to its Pub/Sub channels on a duplicate of the client we give it (`duplicate()`, then
 * `subscribe()` on the copy) and never handles that promise. When Socket.IO closes before the subscription is
 * confirmed (an instance stopping right after it started), the copy is destroyed, the promise rejects, and an
 * unhandled rejection ends the process. So each duplicate's `subscribe` gets a handler here, on our own client
 * object, before the adapter is created. Not in the message path: it only concerns start-up and shutdown.
 */
import type { Logger } from "../logger";

interface SubscribingClient {
  subscribe(...args: unknown[]): Promise<unknown>;
}

/** Versions this file was checked against (the guard test compares them with the installed ones). */
export const CHECKED_AGAINST = { "@socket.io/redis-streams-adapter": "0.3.1", redis: "5.10.0" } as const;

export function handleAdapterSubscriptionErrors(client: unknown, logger: Pick<Logger, "debug">, onSubscribe?: () => void): void {
  const hookable = client as { duplicate(...args: unknown[]): SubscribingClient };
  const duplicate = hookable.duplicate.bind(client);
  hookable.duplicate = (...args) => {
    const copy = duplicate(...args);
    const subscribe = copy.subscribe.bind(copy);
    copy.subscribe = (...subscribeArgs) => {
      onSubscribe?.();
      const subscribed = subscribe(...subscribeArgs);
      subscribed.catch((error: unknown) => logger.debug({ err: error }, "Redis subscription ended before it was confirmed"));
      return subscribed;
    };
    return copy;
  };
}
