/**
 * A bounded catch-up (`auth.replay.perChannel`, docs/protocol.md): per channel, only the newest `perChannel`
 * missed messages are replayed, and what is skipped is announced first as a gap — a range and an exact count the
 * client loads on demand — so nothing is ever silently missing.
 *
 * The plan covers the messages up to the core's position when the catch-up starts (`through`); everything newer
 * is replayed in full by catch-up.ts as usual. A plan reads the store per channel, on the (channel, id) index:
 * a count and the start of the newest `perChannel` for each channel, then each channel's kept messages in
 * batches, merged by id. A 100,000-message backlog with perChannel 50 thus reads 50 rows per channel, not 100,000.
 * While the core's window still holds the range, the plan is made and served from memory instead.
 *
 * Changes to messages in the bounded range (issue 15) follow one rule: a change is replayed when its message is one
 * the client holds (`id <= fromOffset`) or one the replay sends; a change to a message inside a gap is skipped, since
 * the client pages that message in later, in its current state. Finding them reads the range's changes (a narrow
 * table, in offset order), not the messages in the gaps.
 */
import type { ChatMessage, Gap, MessageUpdate } from "../../shared/dto";
import type { ChannelBacklog, MessageEntry, MessageStore } from "../../storage/message-store";

export interface BoundedReplay {
  /** One per channel with skipped messages (never empty): sent before any batch. */
  gaps: Gap[];
  /** The bound applies to messages up to this id; later ones are all replayed. */
  through: number;
  /**
   * The next at most `limit` kept entries (messages and changes) with `after < offset <= through`, ascending, and
   * the offset up to which the range has been looked at (`through` once all were sent).
   */
  next(after: number, limit: number): Promise<{ entries: MessageEntry[]; inMemory: boolean; through: number }>;
}

export interface BoundedReplaySources {
  store: MessageStore;
  /** The channels the connection may read: the only ones counted, announced and replayed in the bounded range. */
  channels(): Promise<readonly string[]>;
  /** Delivered entries with `offset < o <= upTo` from the core's window, or null when it no longer holds them all. */
  fromWindow(offset: number, upTo: number): MessageEntry[] | null;
  /** Rows per store read of one channel. */
  batchSize: number;
}

/**
 * Plans the bounded catch-up of the messages in (`fromOffset`, `through`]: null when no channel has more than
 * `perChannel` of them, since the full replay then sends exactly what the bound would.
 *
 * `through` must be at most what the core has delivered, and is taken before the channels are listed: every
 * message up to it is committed, and so is the creation of its channel.
 */
export async function planBoundedReplay(
  sources: BoundedReplaySources,
  fromOffset: number,
  through: number,
  perChannel: number,
): Promise<BoundedReplay | null> {
  const readable = new Set(await sources.channels());
  const held = sources.fromWindow(fromOffset, through);
  const backlogs = held
    ? backlogsInMemory(held, readable, perChannel)
    : await sources.store.getChannelBacklogs([...readable], fromOffset, through, perChannel);
  const gaps = backlogs
    .filter((backlog) => backlog.count > perChannel)
    .map((backlog): Gap => ({ channel: backlog.channel, afterId: fromOffset, beforeId: backlog.newestFrom, count: backlog.count - perChannel }));
  if (gaps.length === 0) return null;

  // The first id each channel replays; a channel absent here has nothing in the range.
  const keptFrom = new Map(backlogs.map((backlog) => [backlog.channel, backlog.newestFrom]));
  const isKept = (message: ChatMessage) => message.id >= (keptFrom.get(message.channel) ?? Number.POSITIVE_INFINITY);
  // A change to a message the client holds, or to one replayed; not to a message in a gap.
  const isKeptUpdate = (update: MessageUpdate) => update.message.id <= fromOffset || isKept(update.message);
  const isKeptEntry = (entry: MessageEntry) => (entry.update ? isKeptUpdate(entry.update) : isKept(entry.message));
  const streams = backlogs.map((backlog) => channelStream(sources, backlog, Math.min(backlog.count, perChannel), through));

  return {
    gaps,
    through,
    async next(after, limit) {
      // The window only ever moves up: once it stops holding the range, the rest comes from the store.
      const inWindow = sources.fromWindow(after, through);
      if (inWindow) {
        const kept = inWindow.filter(isKeptEntry);
        if (kept.length <= limit) return { entries: kept, inMemory: true, through };
        return { entries: kept.slice(0, limit), inMemory: true, through: kept[limit - 1]!.offset };
      }
      // The changes first: when a full read of them stops short of `through`, so do the messages.
      const updates = await sources.store.getUpdatesAfter(after, limit, through);
      let readThrough = updates.length === limit ? updates[limit - 1]!.offset : through;
      const messages: ChatMessage[] = [];
      while (messages.length < limit) {
        let oldest: ChannelStream | null = null;
        for (const stream of streams) {
          const head = stream.peek(after) ?? (await stream.read(after));
          if (head && head.id <= readThrough && (!oldest || head.id < oldest.peek(after)!.id)) oldest = stream;
        }
        if (!oldest) break;
        messages.push(oldest.take());
      }
      if (messages.length === limit) readThrough = messages[limit - 1]!.id;
      const entries: MessageEntry[] = messages.map((message) => ({ offset: message.id, message }));
      for (const update of updates) if (update.offset <= readThrough && isKeptUpdate(update)) entries.push({ offset: update.offset, update });
      entries.sort((x, y) => x.offset - y.offset);
      return { entries, inMemory: false, through: readThrough };
    },
  };
}

/** The same as the store's getChannelBacklogs, over the messages among entries held in memory (ascending). */
function backlogsInMemory(entries: readonly MessageEntry[], channels: ReadonlySet<string>, newest: number): ChannelBacklog[] {
  const idsByChannel = new Map<string, number[]>();
  for (const { message } of entries) {
    if (!message || !channels.has(message.channel)) continue;
    const ids = idsByChannel.get(message.channel);
    if (ids) ids.push(message.id);
    else idsByChannel.set(message.channel, [message.id]);
  }
  return [...idsByChannel].map(([channel, ids]) => ({ channel, count: ids.length, newestFrom: ids[Math.max(0, ids.length - newest)]! }));
}

interface ChannelStream {
  /** The next unsent message above `after` already read, if any. */
  peek(after: number): ChatMessage | undefined;
  /** Reads the next batch above `after`; the first message of it, or undefined when the channel has no more. */
  read(after: number): Promise<ChatMessage | undefined>;
  take(): ChatMessage;
}

/** One channel's kept messages from the store, a batch at a time: each row is read once. */
function channelStream(sources: BoundedReplaySources, backlog: ChannelBacklog, kept: number, through: number): ChannelStream {
  let buffer: ChatMessage[] = [];
  let position = 0;
  let readThrough = backlog.newestFrom - 1;
  // An upper bound (messages may have been sent from the window meanwhile): a short read ends the stream.
  let unread = kept;
  const peek = (after: number) => {
    while (position < buffer.length && buffer[position]!.id <= after) position++;
    return buffer[position];
  };
  return {
    peek,
    async read(after) {
      if (unread <= 0) return undefined;
      const wanted = Math.min(sources.batchSize, unread);
      buffer = await sources.store.getChannelMessagesAfter(backlog.channel, Math.max(readThrough, after), wanted, through);
      position = 0;
      unread = buffer.length < wanted ? 0 : unread - buffer.length;
      if (buffer.length > 0) readThrough = buffer[buffer.length - 1]!.id;
      return peek(after);
    },
    take: () => buffer[position++]!,
  };
}
