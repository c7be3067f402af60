/**
 * The exactly-once check every scenario runs: one client's received stream must be strictly ascending by id
 * (so nothing arrived twice or out of order) and must contain every expected message exactly once.
 */
export interface Received {
  id: number;
  clientOffset: string;
}

/** Records one client's stream and notes any id that does not exceed the previous one as it arrives. */
export class FeedRecorder {
  readonly received: Received[] = [];
  private lastId = 0;
  readonly orderViolations: string[] = [];

  constructor(readonly label: string) {}

  record(id: number, clientOffset: string): void {
    if (id <= this.lastId && this.orderViolations.length < 5) {
      this.orderViolations.push(`${this.label}: id ${id} arrived after id ${this.lastId} (duplicate or reordered)`);
    }
    this.lastId = Math.max(this.lastId, id);
    this.received.push({ id, clientOffset });
  }

  /** Problems found against the set of client offsets this client had to receive (empty when correct). */
  verify(expected: ReadonlySet<string>): string[] {
    const problems = [...this.orderViolations];
    const seen = new Set<string>();
    for (const { clientOffset } of this.received) {
      if (!expected.has(clientOffset)) continue;
      if (seen.has(clientOffset) && problems.length < 10) problems.push(`${this.label}: ${clientOffset} received twice`);
      seen.add(clientOffset);
    }
    const missing = expected.size - seen.size;
    if (missing > 0) problems.push(`${this.label}: ${missing} of ${expected.size} messages never arrived`);
    return problems;
  }
}

/** Fails the scenario loudly: the bench must never report a figure obtained while losing messages. */
export function assertExactlyOnce(scenario: string, problems: string[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 20).join("\n  ");
  throw new Error(`EXACTLY-ONCE VIOLATED in ${scenario} (${problems.length} problems):\n  ${shown}`);
}
