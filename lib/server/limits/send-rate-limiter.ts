/**
 * Flood control for message:send: one token bucket per connection and one per identity (a signed-in user's
 * tabs share theirs), so neither many sockets nor one busy socket can flood the channel. Per process: with N
 * instances a user behind a sticky load balancer meets the same limit, without one more round trip to Redis.
 */
import { TokenBucket } from "./token-bucket";

export interface SendRateLimiter {
  /** null when the send may proceed, otherwise how long to wait. */
  check(socketId: string, userId: string): { retryAfterMs: number } | null;
  forgetSocket(socketId: string): void;
}

export function createSendRateLimiter(burst: number, perSecond: number): SendRateLimiter {
  if (perSecond === 0) return { check: () => null, forgetSocket: () => {} };
  const bySocket = new Map<string, TokenBucket>();
  const byUser = new Map<string, TokenBucket>();
  const bucket = (map: Map<string, TokenBucket>, key: string) => {
    let found = map.get(key);
    if (!found) {
      found = new TokenBucket(burst, perSecond);
      map.set(key, found);
    }
    return found;
  };
  // Identity buckets outlive sockets (a reconnect must not refill them); full ones are swept now and then.
  const sweep = setInterval(() => {
    for (const [key, b] of byUser) if (b.isFull()) byUser.delete(key);
  }, 60_000);
  sweep.unref();

  return {
    check(socketId, userId) {
      const socketResult = bucket(bySocket, socketId).take();
      if (!socketResult.ok) return { retryAfterMs: socketResult.retryAfterMs };
      const userResult = bucket(byUser, userId).take();
      return userResult.ok ? null : { retryAfterMs: userResult.retryAfterMs };
    },
    forgetSocket(socketId) {
      bySocket.delete(socketId);
    },
  };
}
