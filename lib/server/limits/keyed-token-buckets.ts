/**
 * One token bucket per key (a connection, an identity), created on first use. A full bucket is the same as a new
 * one, so full buckets are swept now and then: nothing is remembered of a key that has not spent lately.
 */
import { TokenBucket } from "./token-bucket";

export interface KeyedTokenBuckets {
  /** null when `key` may proceed (a token was taken), otherwise how long to wait. Always null when perSecond is 0. */
  take(key: string): { retryAfterMs: number } | null;
  forget(key: string): void;
}

const SWEEP_INTERVAL_MS = 60_000;

export function createKeyedTokenBuckets(burst: number, perSecond: number): KeyedTokenBuckets {
  if (perSecond === 0) return { take: () => null, forget: () => {} };
  const buckets = new Map<string, TokenBucket>();
  const sweep = setInterval(() => {
    for (const [key, bucket] of buckets) if (bucket.isFull()) buckets.delete(key);
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  return {
    take(key) {
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = new TokenBucket(burst, perSecond);
        buckets.set(key, bucket);
      }
      const taken = bucket.take();
      return taken.ok ? null : { retryAfterMs: taken.retryAfterMs };
    },
    forget(key) {
      buckets.delete(key);
    },
  };
}
