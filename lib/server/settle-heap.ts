/**
 * One full garbage collection at start-up, before the port opens, when `node --expose-gc` made it callable (as
 * `npm start` does).
 *
 * Why: everything the start-up allocated — above all the store's message cache, up to 100,000 messages — is still in
 * V8's young generation, which `--max-semi-space-size=64` makes large on purpose (docs/performance.md, "9."). Its
 * first scavenge then has to copy all of it: a single 75–100 ms pause, measured during the first catch-up after a
 * start (`npm run bench -- --only=catch-up`: `gcMaxKind` "minor" in the result file). A full collection moves the
 * survivors to the old generation now, while no connection waits. Without the flag this does nothing.
 */
export function settleHeapBeforeServing(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
}
