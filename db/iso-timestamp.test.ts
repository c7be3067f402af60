import { describe, expect, it } from "vitest";
import { formatIsoTimestamp } from "./iso-timestamp";

describe("formatIsoTimestamp", () => {
  it("matches Date#toISOString at the edges of days, months, leap years and the supported range", () => {
    const edges = [
      0,
      1,
      999,
      1000,
      59_999,
      86_399_999,
      86_400_000,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2025, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    for (const ms of edges) expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });

  it("matches Date#toISOString across a sweep of instants", () => {
    // A fixed stride (a prime number of ms) visits every field value without randomness in the test.
    for (let ms = 0; ms < 253_402_300_799_999; ms += 1_234_567_890_127) {
      expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7_777_777) {
      expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("falls back to Date outside four-digit years and for fractional values", () => {
    for (const ms of [-1, 253_402_300_800_000, 1.5]) expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
