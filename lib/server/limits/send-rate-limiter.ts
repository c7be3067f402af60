/**
 * Flood control for message:send: one token bucket per connection and one per identity (a signed-in user's
 * tabs share theirs), so neither many sockets nor one busy socket can flood the channel. Per process: with N
 * instances a user behind a sticky load balancer meets the same limit, without one more round trip to Redis.
 */
import { createKeyedTokenBuckets } from "./keyed-token-buckets";

export interface SendRateLimiter {
  /** null when the send may proceed, otherwise how long to wait. */
  check(socketId: string, userId: string): { retryAfterMs: number } | null;
  forgetSocket(socketId: string): void;
}

export function createSendRateLimiter(burst: number, perSecond: number): SendRateLimiter {
  const bySocket = createKeyedTokenBuckets(burst, perSecond);
  // Identity buckets outlive sockets: a reconnect must not refill them.
  const byUser = createKeyedTokenBuckets(burst, perSecond);
  return {
    check: (socketId, userId) => bySocket.take(socketId) ?? byUser.take(userId),
    forgetSocket: (socketId) => bySocket.forget(socketId),
  };
}
