/**
 * Group commit alone, with a scheduler the test runs by hand (the "end of the turn" happens when the test says so)
 * and a commitBatch whose transactions the test commits or fails one by one. No timers, no database.
 */
import { describe, expect, it } from "vitest";
import { createGroupCommit, type GroupCommit } from "./group-commit";
import { StorageUnavailableError } from "../lib/storage/message-store";

/** Lets every promise reaction already queued run (the microtask queue empties before the next macrotask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Transaction {
  inputs: string[];
  commit(): void;
  fail(error?: unknown): void;
}

interface Caller {
  input: string;
  outcome: { result: string } | { error: unknown } | null;
}

/** A group commit over fakes, and a log of everything observable, in the order it happened. */
function harness() {
  let scheduled: Array<() => void> = [];
  const transactions: Transaction[] = [];
  /** Transactions started and not yet committed or failed. */
  const open: Transaction[] = [];
  const log: string[] = [];
  let maxOpen = 0;

  const commits: GroupCommit<string, string> = createGroupCommit<string, string>(
    (inputs) =>
      new Promise<string[]>((resolve, reject) => {
        const transaction: Transaction = {
          inputs: [...inputs],
          commit() {
            open.splice(open.indexOf(transaction), 1);
            log.push(`commit ${inputs.join(",")}`);
            resolve(inputs.map((input) => `stored ${input}`));
          },
          fail(error: Error = new Error("disk full")) {
            open.splice(open.indexOf(transaction), 1);
            log.push(`fail ${inputs.join(",")}`);
            reject(error);
          },
        };
        log.push(`begin ${inputs.join(",")}`);
        transactions.push(transaction);
        open.push(transaction);
        maxOpen = Math.max(maxOpen, open.length);
      }),
    { schedule: (flush) => void scheduled.push(flush) },
  );

  const callers: Caller[] = [];
  return {
    commits,
    transactions,
    open,
    log,
    callers,
    maxOpen: () => maxOpen,
    hasScheduled: () => scheduled.length > 0,
    submit(input: string): Caller {
      const caller: Caller = { input, outcome: null };
      callers.push(caller);
      log.push(`submit ${input}`);
      commits.submit(input).then(
        (result) => {
          caller.outcome = { result };
          log.push(`resolved ${input}`);
        },
        (error: unknown) => {
          caller.outcome = { error };
          log.push(`rejected ${input}`);
        },
      );
      return caller;
    },
    /** The event-loop turn ends: run what was scheduled for after it. */
    async endTurn() {
      const due = scheduled;
      scheduled = [];
      for (const flush of due) flush();
      await settle();
    },
  };
}

describe("group commit", () => {
  it("puts every submit of one turn into one batch", async () => {
    const h = harness();
    h.submit("a");
    h.submit("b");
    h.submit("c");
    await settle();
    expect(h.transactions).toEqual([]); // nothing before the turn ends
    await h.endTurn();
    expect(h.transactions.map((t) => t.inputs)).toEqual([["a", "b", "c"]]);
  });

  it("queues submits made while a batch commits for the next batch, and commits one batch at a time", async () => {
    const h = harness();
    h.submit("a");
    await h.endTurn();
    h.submit("b");
    await h.endTurn();
    h.submit("c");
    await h.endTurn();
    // b and c wait: the first transaction is still open, and nothing else began.
    expect(h.transactions.map((t) => t.inputs)).toEqual([["a"]]);
    h.transactions[0]!.commit();
    await settle();
    await h.endTurn();
    expect(h.transactions.map((t) => t.inputs)).toEqual([["a"], ["b", "c"]]);
    expect(h.open).toHaveLength(1);
    expect(h.maxOpen()).toBe(1);
  });

  it("resolves each caller only after its batch committed, with its own result, in batch order", async () => {
    const h = harness();
    const [a, b] = [h.submit("a"), h.submit("b")];
    await h.endTurn();
    const c = h.submit("c");
    await h.endTurn();
    expect([a.outcome, b.outcome, c.outcome]).toEqual([null, null, null]);
    h.transactions[0]!.commit();
    await settle();
    expect([a.outcome, b.outcome, c.outcome]).toEqual([{ result: "stored a" }, { result: "stored b" }, null]);
    await h.endTurn();
    h.transactions[1]!.commit();
    await settle();
    expect(c.outcome).toEqual({ result: "stored c" });
    expect(h.log).toEqual([
      "submit a",
      "submit b",
      "begin a,b",
      "submit c",
      "commit a,b",
      "resolved a",
      "resolved b",
      "begin c",
      "commit c",
      "resolved c",
    ]);
  });

  it("rejects every caller of a failed batch with StorageUnavailableError, and still commits the next batch", async () => {
    const h = harness();
    const [a, b] = [h.submit("a"), h.submit("b")];
    await h.endTurn();
    const c = h.submit("c");
    const cause = new Error("database is locked");
    h.transactions[0]!.fail(cause);
    await settle();
    for (const caller of [a, b]) {
      const outcome = caller.outcome as { error: unknown };
      expect(outcome.error).toBeInstanceOf(StorageUnavailableError);
      expect((outcome.error as Error).cause).toBe(cause);
    }
    expect(c.outcome).toBeNull();
    await h.endTurn();
    h.transactions[1]!.commit();
    await settle();
    expect(c.outcome).toEqual({ result: "stored c" });
  });

  it("rejects the batch when a synchronous commitBatch throws (the SQLite store's shape)", async () => {
    const scheduled: Array<() => void> = [];
    let calls = 0;
    const commits = createGroupCommit<string, string>(
      (inputs) => {
        if (calls++ === 0) throw new Error("SQLITE_BUSY");
        return inputs.map((input) => `stored ${input}`);
      },
      { schedule: (flush) => void scheduled.push(flush) },
    );
    const first = commits.submit("a");
    scheduled.shift()!();
    await expect(first).rejects.toBeInstanceOf(StorageUnavailableError);
    const second = commits.submit("b");
    scheduled.shift()!();
    await expect(second).resolves.toBe("stored b");
  });

  it("drain waits for everything submitted so far, without waiting for the scheduler, including work queued meanwhile", async () => {
    const h = harness();
    const a = h.submit("a");
    let drained = false;
    void h.commits.drain().then(() => (drained = true));
    await settle();
    // drain starts the batch itself: close() must not depend on the scheduler running again.
    expect(h.transactions.map((t) => t.inputs)).toEqual([["a"]]);
    const b = h.submit("b"); // queued during the drain
    h.transactions[0]!.commit();
    await settle();
    expect(a.outcome).toEqual({ result: "stored a" });
    expect(drained).toBe(false);
    expect(h.transactions.map((t) => t.inputs)).toEqual([["a"], ["b"]]);
    h.transactions[1]!.fail();
    await settle();
    expect(b.outcome).toMatchObject({ error: expect.any(StorageUnavailableError) });
    expect(drained).toBe(true);
    // The scheduled flush that drain overtook finds nothing to do.
    await h.endTurn();
    expect(h.transactions).toHaveLength(2);
  });

  it("drain resolves at once when nothing was submitted", async () => {
    const h = harness();
    await h.commits.drain();
    expect(h.transactions).toEqual([]);
  });

  describe("under interleavings of submits, turn ends, commits, failures and drains", () => {
    const ACTIONS = ["submit", "endTurn", "commit", "fail", "drain"] as const;
    type Action = (typeof ACTIONS)[number];

    /**
     * Runs one interleaving, then lets it run to the end, and checks every promise group commit makes. Returns
     * which actions would do something next after the interleaving (before it was run to the end).
     */
    async function check(actions: readonly Action[]): Promise<Action[]> {
      const h = harness();
      const drains: Array<{ done: boolean }> = [];
      let next = 0;
      const apply = async (action: Action) => {
        if (action === "submit") h.submit(`m${next++}`);
        else if (action === "endTurn") await h.endTurn();
        // Committing or failing needs an open transaction; without one the step does nothing.
        else if (action === "commit") h.open[0]?.commit();
        else if (action === "fail") h.open[0]?.fail();
        else {
          const drain = { done: false };
          drains.push(drain);
          void h.commits.drain().then(() => {
            drain.done = true;
            // How many callers submitted by now are still unsettled: none, including those submitted meanwhile.
            h.log.push(`drained ${h.callers.filter((c) => c.outcome === null).length}`);
          });
        }
        await settle();
      };
      for (const action of actions) await apply(action);
      const possible = ACTIONS.filter((action) => (action !== "commit" && action !== "fail") || h.open.length > 0).filter(
        (action) => action !== "endTurn" || h.hasScheduled(),
      );
      for (;;) {
        if (h.open.length > 0) await apply("commit");
        else if (h.hasScheduled()) await apply("endTurn");
        else break;
      }

      // Plain comparisons, and one expect with the whole story when one fails: thousands of runs stay fast.
      const problems: string[] = [];
      const require = (ok: boolean, what: string) => void (ok || problems.push(what));
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      require(h.maxOpen() <= 1, "two transactions were open at once");
      require(h.transactions.every((t) => t.inputs.length > 0), "an empty transaction began");
      // A transaction holds exactly what was submitted since the previous one began (so the batches, in order,
      // are exactly the submits, in order: nothing lost, duplicated or reordered).
      let waiting: string[] = [];
      for (const line of h.log) {
        if (line.startsWith("submit ")) waiting.push(line.slice("submit ".length));
        if (line.startsWith("begin ")) {
          require(line === `begin ${waiting.join(",")}`, `"${line}" did not take exactly [${waiting.join(",")}]`);
          waiting = [];
        }
      }
      require(same(
        h.transactions.flatMap((t) => t.inputs),
        h.callers.map((c) => c.input),
      ), "batches are not the submits in order");
      // Every caller settled once, in submit order, after its transaction ended, as its transaction ended.
      const settled = h.log.filter((line) => /^(resolved|rejected) /.test(line)).map((line) => line.split(" ")[1]);
      require(same(
        settled,
        h.callers.map((c) => c.input),
      ), "callers did not settle once each, in submit order");
      for (const caller of h.callers) {
        const batch = h.transactions.find((t) => t.inputs.includes(caller.input))?.inputs.join(",");
        const ended = h.log.findIndex((line) => line === `commit ${batch}` || line === `fail ${batch}`);
        const settledAt = h.log.findIndex((line) => line === `resolved ${caller.input}` || line === `rejected ${caller.input}`);
        require(ended >= 0 && settledAt > ended, `${caller.input} settled before its transaction ended`);
        const expected = ended >= 0 && h.log[ended]!.startsWith("fail ") ? "error" : `stored ${caller.input}`;
        const outcome = caller.outcome;
        const actual =
          outcome && "result" in outcome ? outcome.result : outcome?.error instanceof StorageUnavailableError ? "error" : JSON.stringify(outcome);
        require(actual === expected, `${caller.input} settled with ${actual}, expected ${expected}`);
      }
      // Every drain resolved, and when it did, nothing submitted so far was unsettled.
      require(drains.every((d) => d.done), "a drain never resolved");
      require(same(
        h.log.filter((line) => line.startsWith("drained ")),
        drains.map(() => "drained 0"),
      ), "a drain resolved while a caller was unsettled");
      if (problems.length > 0) expect(problems, `for [${actions.join(" ")}]: ${h.log.join(" | ")}`).toEqual([]);
      return possible;
    }

    it("every sequence of up to eight steps that do something", async () => {
      // Depth-first; each prefix is replayed from scratch, since a group commit cannot be copied.
      let runs = 0;
      const explore = async (prefix: Action[]): Promise<void> => {
        const possible = await check(prefix);
        runs++;
        if (prefix.length < 8) for (const action of possible) await explore([...prefix, action]);
      };
      await explore([]);
      expect(runs).toBeGreaterThan(10_000);
    });

    it("seeded random sequences of forty steps", async () => {
      // A fixed-seed LCG: the same sequences every run, so a failure reproduces (its sequence is in the message).
      let seed = 12;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      for (let run = 0; run < 300; run++) {
        // Submits weighted up, so that batches grow beyond one or two messages.
        const weighted: Action[] = ["submit", "submit", "submit", ...ACTIONS];
        await check(Array.from({ length: 40 }, () => weighted[Math.floor(random() * weighted.length)]!));
      }
    });
  });
});
