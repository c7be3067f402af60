/**
 * Pure bookkeeping for the messages of one channel that this client holds: a bounded *window* of them, kept by id
 * (a message seen twice is kept once) and displayed in id order.
 *
 * The window is a contiguous run of the channel's messages except where a recorded gap says otherwise. Around it:
 * - older messages than the window (`hasMoreOlder`): paged back with `history:fetch { before: oldest held }`;
 * - gaps: ranges a bounded catch-up skipped (`message:gaps`), each with its exact count, loaded from its newest end
 *   with `history:fetch { before: gap.beforeId }` until a page reaches its `afterId`;
 * - newer messages than the window (`hasMoreNewer`): the window is a detached segment (after a jump to a message, or
 *   once its newest end was dropped while the person read old messages); paged forward with `after`. Live messages
 *   that arrive meanwhile are not held, only remembered by their highest id, so that paging forward knows where the
 *   live end is.
 * Nothing outside the window is ever shown as if it were next to it: that is what makes "each message once, in
 * order" hold however the window moves.
 *
 * The socket can deliver a message more than once (recovery buffers, catch-up after a partial recovery, history
 * pages overlapping live messages), so every path goes through `mergeMessages`. Every function returns the same
 * object when nothing changed, so subscribers do not re-render. Costs are linear in the batch plus the window,
 * which is bounded (`MAX_HELD_PER_CHANNEL`), never in everything the channel ever received.
 */
import type { ChatMessage } from "../shared/dto";
import { isNewerState } from "./message-changes";

/** The most messages held per channel; farther ones are dropped and paged back when the person scrolls to them. */
export const MAX_HELD_PER_CHANNEL = 1500;

/** A skipped range: exactly `count` messages of the channel with `afterId < id < beforeId` are not held. */
export interface HeldGap {
  afterId: number;
  beforeId: number;
  count: number;
}

export interface ChannelMessages {
  byId: Record<number, ChatMessage>;
  /** Ascending ids: the display order. */
  ids: number[];
  /** False once a history page said there is nothing older than the oldest held. */
  hasMoreOlder: boolean;
  loadingOlder: boolean;
  /** Recorded gaps inside the window, ascending. */
  gaps: HeldGap[];
  loadingGap: boolean;
  /** The channel holds newer messages than the window: it is a detached segment, not the live end. */
  hasMoreNewer: boolean;
  loadingNewer: boolean;
  /** Highest id of a live message that arrived while the window was detached (0: none). */
  newestNotHeldId: number;
  /** Messages that arrived below while the person was not at the live end ("Jump to latest, N new messages"). */
  newBelow: number;
  unread: number;
  /** A message to bring into view and highlight (a search result the person chose). */
  focusId: number | null;
  /** The jumped-to message, highlighted while the window around it is shown. */
  highlightId: number | null;
  /** Counts the times the window started over (a jump): the list lays itself out anew for each. */
  epoch: number;
  /** Where the "New messages" divider goes (before the first row with a higher id); set when the channel opens. */
  dividerAfterId: number | null;
  /**
   * Held messages shown with their author line that keep it though the message above is now one of the same author
   * (message-rows.ts): the oldest held message when an older page came in above it, and the one below a gap's page.
   * Losing the line would shrink a row that may be on screen as rows are added above it — virtua keeps the view still
   * for rows added above, not for a row that changes height there, so what the person reads would move.
   */
  keepsAuthorLine: number[];
}

export function emptyChannel(): ChannelMessages {
  return {
    byId: {},
    ids: [],
    hasMoreOlder: true,
    loadingOlder: false,
    gaps: [],
    loadingGap: false,
    hasMoreNewer: false,
    loadingNewer: false,
    newestNotHeldId: 0,
    newBelow: 0,
    unread: 0,
    focusId: null,
    highlightId: null,
    epoch: 0,
    dividerAfterId: null,
    keepsAuthorLine: [],
  };
}

/** Adds the messages this channel does not hold yet; returns the new channel state and what was new. */
export function mergeMessages(channel: ChannelMessages, incoming: readonly ChatMessage[]): { channel: ChannelMessages; added: ChatMessage[] } {
  const added: ChatMessage[] = [];
  const seen = new Set<number>();
  // A message held already may come with a newer state (a history page, a catch-up): the version rule decides.
  const newer: ChatMessage[] = [];
  // A catch-up batch holds up to a thousand messages: look repeats up in a set, not by scanning `added`.
  for (const message of incoming) {
    const held = channel.byId[message.id];
    if (held !== undefined) {
      if (isNewerState(held, message)) newer.push(message);
      continue;
    }
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    added.push(message);
  }
  if (added.length === 0 && newer.length === 0) return { channel, added };
  const byId = { ...channel.byId };
  for (const message of newer) if (isNewerState(byId[message.id], message)) byId[message.id] = message;
  if (added.length === 0) return { channel: { ...channel, byId }, added };
  for (const message of added) byId[message.id] = message;
  const addedIds = added.map((m) => m.id).sort((a, b) => a - b);
  const first = channel.ids[0];
  const last = channel.ids[channel.ids.length - 1];
  // The common cases append (live messages, catch-up) or prepend (older pages): no sort needed for either.
  const ids =
    last === undefined || addedIds[0]! > last
      ? [...channel.ids, ...addedIds]
      : addedIds[addedIds.length - 1]! < first!
        ? [...addedIds, ...channel.ids]
        : [...channel.ids, ...addedIds].sort((a, b) => a - b);
  return { channel: { ...channel, byId, ids }, added };
}

/**
 * Records skipped ranges; returns how many messages they add to what this client knows it has not seen. A range
 * announced again (a connection cut before its replay was processed, then caught up from the same offset) is
 * merged with the one recorded, and counted once.
 */
export function recordGaps(channel: ChannelMessages, incoming: readonly HeldGap[]): { channel: ChannelMessages; counted: number } {
  let gaps = channel.gaps;
  let counted = 0;
  for (const gap of incoming) {
    if (gap.count <= 0 || gap.beforeId <= gap.afterId + 1) continue;
    const overlapping = gaps.filter((g) => g.afterId < gap.beforeId && gap.afterId < g.beforeId);
    if (overlapping.length === 0) {
      gaps = [...gaps, gap].sort((a, b) => a.afterId - b.afterId);
      counted += gap.count;
      continue;
    }
    // The union of the ranges. Its exact count is known when one contains the others (the same offset presented
    // again); otherwise the larger count is the closest bound known.
    const union: HeldGap = {
      afterId: Math.min(gap.afterId, ...overlapping.map((g) => g.afterId)),
      beforeId: Math.max(gap.beforeId, ...overlapping.map((g) => g.beforeId)),
      count: Math.max(
        gap.count,
        overlapping.reduce((sum, g) => sum + g.count, 0),
      ),
    };
    counted += union.count - overlapping.reduce((sum, g) => sum + g.count, 0);
    gaps = [...gaps.filter((g) => !overlapping.includes(g)), union].sort((a, b) => a.afterId - b.afterId);
  }
  return gaps === channel.gaps ? { channel, counted } : { channel: { ...channel, gaps }, counted };
}

/** The gap shown at the very top of the window (nothing held below it), if any: it stands for "older" until loaded. */
export function topGap(channel: ChannelMessages): HeldGap | undefined {
  const gap = channel.gaps[0];
  const first = channel.ids[0];
  return gap && (first === undefined || first >= gap.beforeId) ? gap : undefined;
}

/**
 * A page fetched `before: gap.beforeId` (the newest part of the gap). Its messages are held; the gap shrinks to
 * what is still below the page, and closes once a page reaches its `afterId` (or the channel's start) or its count
 * is used up. A page for a gap that changed since it was asked for is dropped: merging it could leave a hole.
 */
export function applyGapPage(channel: ChannelMessages, requestedBefore: number, messages: readonly ChatMessage[], hasMore: boolean): ChannelMessages {
  const gap = channel.gaps.find((g) => g.beforeId === requestedBefore);
  if (!gap) return channel.loadingGap ? { ...channel, loadingGap: false } : channel;
  const { channel: merged, added } = mergeMessages(channel, messages);
  const addedIds = new Set(added.map((m) => m.id));
  const inGap = messages.filter((m) => m.id > gap.afterId && m.id < gap.beforeId);
  const newlyHeld = inGap.filter((m) => addedIds.has(m.id)).length;
  const reachedEnd = !hasMore || messages.length === 0 || messages.some((m) => m.id <= gap.afterId);
  const rest: HeldGap = { afterId: gap.afterId, beforeId: inGap[0]?.id ?? gap.beforeId, count: gap.count - newlyHeld };
  const closes = reachedEnd || rest.count <= 0 || rest.beforeId <= rest.afterId + 1;
  const gaps = channel.gaps.flatMap((g) => (g !== gap ? [g] : closes ? [] : [rest]));
  return {
    ...merged,
    gaps,
    loadingGap: false,
    keepsAuthorLine: keepAuthorLine(merged, requestedBefore),
    // Nothing older than the page exists: the window reaches the channel's start.
    hasMoreOlder: !hasMore && topGap(channel) === gap ? false : merged.hasMoreOlder,
  };
}

/** An older page fetched `before: requestedBefore`; dropped when the window no longer starts there. */
export function applyOlderPage(
  channel: ChannelMessages,
  requestedBefore: number | undefined,
  messages: readonly ChatMessage[],
  hasMore: boolean,
): ChannelMessages {
  if (requestedBefore !== undefined && channel.ids[0] !== requestedBefore) return { ...channel, loadingOlder: false };
  const { channel: merged } = mergeMessages(channel, messages);
  const formerOldest = channel.ids[0];
  return {
    ...merged,
    hasMoreOlder: hasMore,
    loadingOlder: false,
    keepsAuthorLine: formerOldest === undefined ? merged.keepsAuthorLine : keepAuthorLine(merged, formerOldest),
  };
}

/** `keepsAuthorLine` with `id` added, and without ids no longer held (dropped from the window since). */
function keepAuthorLine(channel: ChannelMessages, id: number): number[] {
  return [...channel.keepsAuthorLine, id].filter((kept) => channel.byId[kept] !== undefined);
}

/** A newer page fetched `after: requestedAfter` (a detached window growing towards the live end). */
export function applyNewerPage(
  channel: ChannelMessages,
  requestedAfter: number,
  messages: readonly ChatMessage[],
  hasMore: boolean,
): ChannelMessages {
  if (channel.ids[channel.ids.length - 1] !== requestedAfter) return { ...channel, loadingNewer: false };
  const { channel: merged } = mergeMessages(channel, messages);
  const newest = merged.ids[merged.ids.length - 1] ?? 0;
  // A live message that arrived while the page was on its way may be newer than the page: keep paging to it.
  const hasMoreNewer = hasMore || channel.newestNotHeldId > newest;
  return { ...merged, hasMoreNewer, loadingNewer: false, newestNotHeldId: hasMoreNewer ? channel.newestNotHeldId : 0 };
}

/**
 * The window starts over as this one page (a jump to a message, or back to the newest): what was held is dropped,
 * gaps with it (they lie outside the page, in the older or newer parts that paging covers).
 */
export function replaceWindow(
  channel: ChannelMessages,
  messages: readonly ChatMessage[],
  { hasMoreBefore, hasMoreAfter, focusId }: { hasMoreBefore: boolean; hasMoreAfter: boolean; focusId: number | null },
): ChannelMessages {
  const fresh = mergeMessages({ ...emptyChannel(), unread: channel.unread, epoch: channel.epoch + 1 }, messages).channel;
  const newest = fresh.ids[fresh.ids.length - 1] ?? 0;
  const hasMoreNewer = hasMoreAfter || channel.newestNotHeldId > newest;
  return {
    ...fresh,
    hasMoreOlder: hasMoreBefore,
    hasMoreNewer,
    newestNotHeldId: hasMoreNewer ? channel.newestNotHeldId : 0,
    newBelow: hasMoreNewer ? channel.newBelow : 0,
    focusId,
    highlightId: focusId,
  };
}

function withoutIds(byId: Record<number, ChatMessage>, ids: readonly number[]): Record<number, ChatMessage> {
  const copy = { ...byId };
  for (const id of ids) delete copy[id];
  return copy;
}

/** Drops the oldest held messages beyond `max` (the person is at or near the newest). */
export function trimOldest(channel: ChannelMessages, max = MAX_HELD_PER_CHANNEL): ChannelMessages {
  if (channel.ids.length <= max) return channel;
  const cut = channel.ids.length - max;
  const ids = channel.ids.slice(cut);
  // Gaps below the new start are part of "older" now, which paging back covers.
  return {
    ...channel,
    ids,
    byId: withoutIds(channel.byId, channel.ids.slice(0, cut)),
    gaps: channel.gaps.filter((g) => g.beforeId > ids[0]!),
    hasMoreOlder: true,
  };
}

/** Drops the newest held messages beyond `max` (the person reads far older ones): the window becomes detached. */
export function trimNewest(channel: ChannelMessages, max = MAX_HELD_PER_CHANNEL): ChannelMessages {
  if (channel.ids.length <= max) return channel;
  const ids = channel.ids.slice(0, max);
  const dropped = channel.ids.slice(max);
  const last = ids[ids.length - 1]!;
  return {
    ...channel,
    ids,
    byId: withoutIds(channel.byId, dropped),
    gaps: channel.gaps.filter((g) => g.afterId < last),
    hasMoreNewer: true,
    newestNotHeldId: Math.max(channel.newestNotHeldId, dropped[dropped.length - 1]!),
  };
}

/**
 * The newest `limit` messages, ascending, that are contiguous up to the live end: nothing when the window is
 * detached, nothing below the newest gap. What a cache may keep so that paging back from it never skips anything.
 */
export function newestMessages(channel: ChannelMessages, limit: number): ChatMessage[] {
  if (channel.hasMoreNewer) return [];
  const lastGap = channel.gaps[channel.gaps.length - 1];
  let start = Math.max(0, channel.ids.length - limit);
  if (lastGap) {
    const above = channel.ids.findIndex((id) => id >= lastGap.beforeId);
    start = above === -1 ? channel.ids.length : Math.max(start, above);
  }
  return channel.ids.slice(start).map((id) => channel.byId[id]!);
}

export function oldestId(channel: ChannelMessages): number | undefined {
  return channel.ids[0];
}

export function newestId(channel: ChannelMessages): number | undefined {
  return channel.ids[channel.ids.length - 1];
}

/**
 * Where the first of the `unread` newest messages of others is: the divider goes after the returned id. Gaps count
 * with their whole count. When the unread messages reach beyond the window, the divider goes at its top.
 */
export function unreadBoundary(channel: ChannelMessages, unread: number, myId: string | null): number | null {
  if (unread <= 0) return null;
  let remaining = unread;
  let boundary = 0;
  let gap = channel.gaps.length - 1;
  for (let i = channel.ids.length - 1; i >= -1; i--) {
    const id = i >= 0 ? channel.ids[i]! : -Infinity;
    for (; gap >= 0 && channel.gaps[gap]!.afterId >= id; gap--) {
      remaining -= channel.gaps[gap]!.count;
      boundary = channel.gaps[gap]!.afterId;
      if (remaining <= 0) return boundary;
    }
    if (i < 0) break;
    if (channel.byId[id]!.author.id === myId) continue;
    remaining -= 1;
    boundary = id - 1;
    if (remaining <= 0) return boundary;
  }
  return 0;
}
