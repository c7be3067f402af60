/**
 * Moving a channel's window (message-index.ts) with `history:fetch`: older pages above it, a gap's pages from its
 * newest end, newer pages below a detached window, and the jumps — to a message (`around`) and back to the newest.
 * One request per direction at a time; each page is applied only if the window still ends where it was asked for.
 */
import { isAckError } from "../shared/ack";
import type { HistoryPage } from "../shared/dto";
import type { HistoryFetchPayload } from "../shared/events";
import { applyGapPage, applyNewerPage, applyOlderPage, newestId, oldestId, replaceWindow, topGap, type ChannelMessages } from "./message-index";
import { request, REQUEST_TIMEOUT_MS, type TetherClientSocket } from "./socket";
import type { TetherStore } from "./store";

/** Messages per page when scrolling: a few screens, so a fast scroll seldom waits. */
export const SCROLL_PAGE_SIZE = 100;

async function fetchPage(socket: TetherClientSocket, payload: HistoryFetchPayload): Promise<HistoryPage | "refused" | "no-answer"> {
  try {
    const ack = await request(socket, REQUEST_TIMEOUT_MS, "history:fetch", payload);
    if (!isAckError(ack)) return ack.data;
    console.warn("history:fetch failed", ack.error);
    return "refused";
  } catch (error) {
    // No answer in time (the connection dropped): the next scroll or reconnect asks again.
    console.warn("history:fetch got no answer", error);
    return "no-answer";
  }
}

type Flag = "loadingOlder" | "loadingGap" | "loadingNewer";

const inFlight = new Set<string>();

/** Runs one request for a channel with `flag` raised, unless one is already under way or the socket is down. */
async function withFlag(
  socket: TetherClientSocket,
  store: TetherStore,
  name: string,
  flag: Flag,
  run: (channel: ChannelMessages | undefined) => Promise<void>,
): Promise<void> {
  const channel = store.getState().channels[name];
  if (channel?.[flag] || inFlight.has(`${flag}:${name}`) || !socket.connected) return;
  // The flag in the store shows the loading; this set guards the request itself (a page lowers the flag as it
  // lands, and the view may ask again before this request has finished).
  inFlight.add(`${flag}:${name}`);
  store.getState().updateChannel(name, (c) => ({ ...c, [flag]: true }));
  try {
    await run(channel);
  } finally {
    inFlight.delete(`${flag}:${name}`);
    store.getState().updateChannel(name, (c) => (c[flag] ? { ...c, [flag]: false } : c));
  }
}

/**
 * Older messages above the window: the top gap's newest page when the window starts with a gap, else the page
 * below the oldest held message (the newest page when nothing is held).
 */
export async function loadOlderMessages(socket: TetherClientSocket, store: TetherStore, name: string): Promise<void> {
  const channel = store.getState().channels[name];
  const gap = channel && topGap(channel);
  if (gap) return loadGap(socket, store, name, gap.beforeId);
  if (channel && !channel.hasMoreOlder) return;
  return withFlag(socket, store, name, "loadingOlder", async (held) => {
    const before = held ? oldestId(held) : undefined;
    const page = await fetchPage(
      socket,
      before === undefined ? { channel: name, limit: SCROLL_PAGE_SIZE } : { channel: name, before, limit: SCROLL_PAGE_SIZE },
    );
    if (page === "no-answer") return;
    // A refused page (say, a channel this server does not know) is not asked for again and again.
    const [messages, hasMore] = page === "refused" ? [[], false] : [page.messages, page.hasMoreBefore];
    store.getState().updateChannel(name, (c) => applyOlderPage(c, before, messages, hasMore));
  });
}

/** The newest page of a recorded gap (the part next to what is held below it). */
export async function loadGap(socket: TetherClientSocket, store: TetherStore, name: string, beforeId: number): Promise<void> {
  return withFlag(socket, store, name, "loadingGap", async () => {
    const page = await fetchPage(socket, { channel: name, before: beforeId, limit: SCROLL_PAGE_SIZE });
    if (page === "no-answer") return;
    const [messages, hasMore] = page === "refused" ? [[], false] : [page.messages, page.hasMoreBefore];
    store.getState().updateChannel(name, (c) => applyGapPage(c, beforeId, messages, hasMore));
  });
}

/** The page after a detached window's newest message. */
export async function loadNewerMessages(socket: TetherClientSocket, store: TetherStore, name: string): Promise<void> {
  const channel = store.getState().channels[name];
  const after = channel && newestId(channel);
  if (!channel?.hasMoreNewer || after === undefined) return;
  return withFlag(socket, store, name, "loadingNewer", async () => {
    const page = await fetchPage(socket, { channel: name, after, limit: SCROLL_PAGE_SIZE });
    if (page === "no-answer" || page === "refused") return;
    store.getState().updateChannel(name, (c) => applyNewerPage(c, after, page.messages, page.hasMoreAfter));
  });
}

/**
 * The window starts over at `around` (a message id), or at the newest page when `around` is undefined. Live
 * messages that arrive while the page is on its way are not held by a detached window but remembered, so the
 * window knows whether it reaches the live end (applyNewerPage pages on to them).
 */
export async function jumpTo(socket: TetherClientSocket, store: TetherStore, name: string, around?: number): Promise<boolean> {
  if (!socket.connected) return false;
  // Detach first: from now on live messages for this channel are remembered, not appended to the old window.
  store.getState().updateChannel(name, (c) => ({ ...c, hasMoreNewer: true, loadingNewer: true }));
  const page = await fetchPage(
    socket,
    around === undefined ? { channel: name, limit: SCROLL_PAGE_SIZE } : { channel: name, around, limit: SCROLL_PAGE_SIZE },
  );
  if (page === "no-answer" || page === "refused") {
    store.getState().updateChannel(name, (c) => ({ ...c, loadingNewer: false }));
    return false;
  }
  store
    .getState()
    .updateChannel(name, (c) =>
      replaceWindow(c, page.messages, { hasMoreBefore: page.hasMoreBefore, hasMoreAfter: page.hasMoreAfter, focusId: around ?? null }),
    );
  return true;
}
