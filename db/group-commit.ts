/**
 * Group commit, shared by the stores: every write requested in one event-loop turn, or while the previous batch
 * was committing, goes into the next batch — one transaction and one commit for all of them. Batches commit one
 * at a time, and each caller's promise settles only after its batch committed, in the batch's order: callers
 * that broadcast on resolution therefore broadcast in id order.
 */
import { StorageUnavailableError } from "./message-store";

export interface GroupCommit<Input, Result> {
  submit(input: Input): Promise<Result>;
  /** Resolves once everything submitted so far is committed (or rejected). */
  drain(): Promise<void>;
}

interface Pending<Input, Result> {
  input: Input;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/** `commitBatch` writes the inputs in one transaction and returns one result per input, in order. */
export function createGroupCommit<Input, Result>(commitBatch: (inputs: Input[]) => Result[] | Promise<Result[]>): GroupCommit<Input, Result> {
  let queue: Array<Pending<Input, Result>> = [];
  let scheduled = false;
  let flushing: Promise<void> | null = null;

  const flush = async () => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let results: Result[];
    try {
      results = await commitBatch(batch.map((pending) => pending.input));
    } catch (error) {
      // The transaction rolled back (or its outcome is unknown, and a retry is deduplicated by clientOffset):
      // every caller may retry.
      const failure = new StorageUnavailableError("The message could not be stored.", { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    batch.forEach((pending, i) => pending.resolve(results[i]!));
  };

  const startFlush = (): Promise<void> => {
    flushing = flush().finally(() => {
      flushing = null;
      schedule();
    });
    return flushing;
  };

  function schedule() {
    if (scheduled || flushing || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!flushing) void startFlush();
    });
  }

  return {
    submit(input) {
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (flushing || queue.length > 0) await (flushing ?? startFlush());
    },
  };
}
