import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket";

describe("TokenBucket", () => {
  it("allows a burst, then refills at the configured rate", () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()].every((r) => r.ok)).toBe(true);
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 500 });
    now = 499;
    expect(bucket.take().ok).toBe(false);
    now = 1000;
    expect(bucket.take().ok).toBe(true);
    expect(bucket.isFull()).toBe(false);
    now = 10_000;
    expect(bucket.isFull()).toBe(true);
  });
});
