"use client";

import { forwardRef, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from "react";
import { Virtualizer, type VirtualizerHandle } from "virtua";
import { channelTitle } from "../lib/client/channel-directory";
import { dropFarMessages, focusShown, jumpToLatest, loadGapBefore, loadNewer, loadOlder } from "../lib/client/chat-client";
import { MAX_HELD_PER_CHANNEL } from "../lib/client/message-index";
import { buildListRows, buildMessageRows, type ListRow } from "../lib/client/message-rows";
import { useTetherStore } from "../lib/client/store";
import { useReadMarking } from "../lib/client/use-read-marking";
import { MessageItem } from "./message-item";

/** Within this many pixels of the bottom counts as "at the bottom": new messages keep the view pinned there. */
const PINNED_SLACK_PX = 48;
/**
 * Pixels rendered (and so measured) above and below the view. virtua's default, 200, is less than one Page Up: rows
 * scrolled onto were then measured only once on screen, and a message row with its author line is twice the height
 * of the estimate, so what the person was reading moved down (by 60 px for two such rows, in the bench's scroll
 * back). Measured beforehand, above the view, their height is absorbed where nobody looks.
 */
const BUFFER_PX = 1200;
/** Rows this close to the visible ones count as reached: older (or newer) history is asked for before it shows. */
const EDGE_ROWS = 8;

/** Each row in a `<div>` that virtua positions; the row itself (a `<li>` for messages) is inside it. */
const RowSlot = forwardRef<HTMLDivElement, { style: CSSProperties; index: number; children: ReactNode }>(function RowSlot(
  { style, index, children },
  ref,
) {
  return (
    <div ref={ref} style={style} data-index={index} role="none" className="message-slot">
      {children}
    </div>
  );
});

const ListContainer = forwardRef<HTMLDivElement, { style: CSSProperties; children: ReactNode }>(function ListContainer({ style, children }, ref) {
  return (
    <div ref={ref} style={style} className="message-list" role="list">
      {children}
    </div>
  );
});

function GapRow({ count, loading, onLoad }: { count: number; loading: boolean; onLoad: () => void }) {
  const row = useRef<HTMLDivElement>(null);
  const wasLoading = useRef(loading);
  // A page landed and the view still rests on the gap: the next page follows (scrolling onto it starts the first).
  useEffect(() => {
    const landed = wasLoading.current && !loading;
    wasLoading.current = loading;
    const el = row.current;
    const view = el?.closest('[role="log"]')?.getBoundingClientRect();
    const box = el?.getBoundingClientRect();
    if (landed && view && box && box.bottom > view.top && box.top < view.bottom) onLoad();
  }, [loading, onLoad]);
  return (
    <div ref={row} className="history-gap">
      <button type="button" className="button-secondary" aria-busy={loading} onClick={onLoad}>
        Load older messages
      </button>
      <span className="history-gap-count">
        {loading ? "Loading…" : `${count.toLocaleString("en-US")} older ${count === 1 ? "message" : "messages"} not loaded yet`}
      </span>
    </div>
  );
}

/** The keys of the first and last message rows, and where they are. */
function messageSpan(rows: readonly ListRow[]): { first: string; last: string; firstAt: number; tail: number } | null {
  const firstAt = rows.findIndex((row) => row.kind === "message");
  if (firstAt === -1) return null;
  let lastAt = rows.length - 1;
  while (rows[lastAt]!.kind !== "message") lastAt--;
  return { first: rows[firstAt]!.key, last: rows[lastAt]!.key, firstAt, tail: rows.length - 1 - lastAt };
}

/**
 * Whether rows were added or removed only above the newest message shown (older pages, a gap's page, the oldest
 * dropped): then the view is anchored to the end. Anything else (new messages, the newest dropped) keeps the usual
 * anchoring to the start.
 */
function changedAtStartOnly(before: readonly ListRow[], after: readonly ListRow[]): boolean {
  const was = messageSpan(before);
  const now = messageSpan(after);
  if (!was || !now) return false;
  const lastAt = after.findIndex((row) => row.key === was.last);
  if (lastAt === -1 || after.length - 1 - lastAt !== was.tail) return false;
  // The newest shown stayed where it was from the end: whatever changed (older messages, a gap's messages between
  // older ones, the oldest dropped) lies above it.
  return after.length !== before.length || after[0]?.key !== before[0]?.key || now.first !== was.first;
}

export function MessageList() {
  const channelName = useTetherStore((s) => s.activeChannel);
  const channel = useTetherStore((s) => s.channels[s.activeChannel]);
  const title = useTetherStore((s) => channelTitle(s.channelInfo[s.activeChannel], s.activeChannel, s.me?.id ?? null));
  const isDirect = useTetherStore((s) => s.channelInfo[s.activeChannel]?.visibility === "dm");
  const outbox = useTetherStore((s) => s.outbox);
  const me = useTetherStore((s) => s.me);
  const displayName = useTetherStore((s) => s.displayName);
  const ready = useTetherStore((s) => s.ready);
  const following = useTetherStore((s) => s.followingLatest);
  const messageRows = useMemo(
    () => buildMessageRows(channel, outbox, channelName, me, displayName || "You"),
    [channel, outbox, channelName, me, displayName],
  );
  const rows = useMemo(() => buildListRows(channel, messageRows, channel?.dividerAfterId ?? null), [channel, messageRows]);
  const hasMoreOlder = channel?.hasMoreOlder ?? true;
  const loadingOlder = channel?.loadingOlder ?? false;
  const hasMoreNewer = channel?.hasMoreNewer ?? false;
  const newBelow = channel?.newBelow ?? 0;
  const focusId = channel?.focusId ?? null;
  const highlighted = channel?.highlightId ?? null;

  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<VirtualizerHandle>(null);
  useReadMarking(scroller, channelName);

  // Rows added or removed at the start only (older pages, a gap's page, the oldest dropped) keep the view where
  // it is by anchoring it to the end: virtua's `shift`. Any change at the end anchors it to the start as usual. A
  // window that starts over (a jump) gets a list of its own (`layout`), measured anew.
  const layout = `${channelName}:${channel?.epoch ?? 0}`;
  const [edges, setEdges] = useState({ layout, rows, shift: false });
  if (edges.layout !== layout || edges.rows !== rows)
    setEdges({ layout, rows, shift: edges.layout === layout && changedAtStartOnly(edges.rows, rows) });

  /**
   * Asks for what the view is near: older messages above, newer ones below a detached window, and — once the view
   * rests on it (`settled`) — a gap; drops what is far from the view.
   */
  const reachEdges = useCallback(
    (settled: boolean) => {
      const handle = list.current;
      if (!handle || !ready || rows.length === 0) return;
      const first = handle.findItemIndex(handle.scrollOffset);
      const last = handle.findItemIndex(handle.scrollOffset + handle.viewportSize);
      for (let i = Math.max(0, first - EDGE_ROWS); i <= Math.min(rows.length - 1, last + EDGE_ROWS); i++) {
        const row = rows[i]!;
        if (row.kind === "start" && hasMoreOlder && !loadingOlder) void loadOlder(channelName);
        else if (row.kind === "newer") void loadNewer(channelName);
        // A gap loads once it is on screen and the scrolling stopped there: its row is seen, then filled.
        else if (row.kind === "gap" && settled && i >= first && i <= last && !channel?.loadingGap) void loadGapBefore(channelName, row.gap.beforeId);
      }
      if ((channel?.ids.length ?? 0) > MAX_HELD_PER_CHANNEL) dropFarMessages(channelName, first + last < rows.length ? "older" : "newer");
    },
    [ready, rows, hasMoreOlder, loadingOlder, channel, channelName],
  );

  function onScroll(offset: number) {
    const handle = list.current;
    if (!handle) return;
    const atBottom = handle.scrollSize - offset - handle.viewportSize <= PINNED_SLACK_PX;
    useTetherStore.getState().setFollowingLatest(atBottom && !hasMoreNewer);
    reachEdges(false);
  }

  /**
   * Keeps the newest in view: one scroll to the bottom, now. Not virtua's scrollToIndex, which goes on scrolling to
   * its target whenever rows are measured in the next moments — and so snapped someone who started scrolling up
   * right after a send back to the bottom as the rows they scrolled onto were measured. Rows measured later (the
   * newest one's real height) are followed by the observer below, which asks whether the view still follows first.
   */
  const pinToBottom = useCallback(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // The list's height changes as virtua measures rows: while the view follows the newest, it stays at the bottom.
  // Read from the store at that moment, not from this render: a scroll up a moment ago has already turned it off.
  useEffect(() => {
    const content = scroller.current?.querySelector(':scope > [role="list"]');
    if (!content) return;
    const observer = new ResizeObserver(() => {
      const state = useTetherStore.getState();
      const shown = state.channels[state.activeChannel];
      if (state.followingLatest && !shown?.hasMoreNewer && (shown?.focusId ?? null) === null) pinToBottom();
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, [layout, pinToBottom]);

  // The newest stays in view while following, and a jumped-to message is brought into view. In a microtask: a list
  // just laid out (another channel, a jump) attaches to its scroller in one, and must have before it scrolls.
  useLayoutEffect(() => {
    if (rows.length === 0) return;
    queueMicrotask(() => {
      const handle = list.current;
      if (!handle) return;
      if (focusId !== null) {
        const index = rows.findIndex((row) => row.kind === "message" && row.row.id === focusId);
        if (index !== -1) {
          handle.scrollToIndex(index, { align: "center" });
          focusShown(channelName);
        }
        return;
      }
      if (following && !hasMoreNewer) pinToBottom();
    });
  }, [rows, following, hasMoreNewer, focusId, channelName, pinToBottom]);

  // A view that does not fill the screen cannot be scrolled: it asks for what it is next to by itself.
  useEffect(() => reachEdges(true), [reachEdges]);

  function onResize() {
    // A taller or shorter viewport must not push the newest out of view.
    if (following && !hasMoreNewer && focusId === null && rows.length > 0) pinToBottom();
  }

  function renderRow(row: ListRow) {
    switch (row.kind) {
      case "message":
        return <MessageItem key={row.key} row={row.row} highlighted={row.row.id !== undefined && row.row.id === highlighted} />;
      case "gap":
        return (
          <GapRow
            key={row.key}
            count={row.gap.count}
            loading={channel?.loadingGap ?? false}
            onLoad={() => void loadGapBefore(channelName, row.gap.beforeId)}
          />
        );
      case "divider":
        return (
          <div key={row.key} className="unread-divider" role="separator" aria-label="New messages">
            <span>New messages</span>
          </div>
        );
      case "newer":
        return (
          <p key={row.key} className="history-marker">
            Loading newer messages…
          </p>
        );
      case "start":
        return (
          <div key={row.key}>
            <p className="history-marker">
              {hasMoreOlder
                ? loadingOlder
                  ? "Loading older messages…"
                  : "Scroll up for older messages"
                : `This is the beginning of ${isDirect ? `your conversation with ${title}` : title}.`}
            </p>
            {messageRows.length === 0 && !hasMoreOlder && !hasMoreNewer && <p className="empty-channel">No messages yet. Say hello!</p>}
          </div>
        );
    }
  }

  const showJump = !following || hasMoreNewer;
  const jumpLabel = `Jump to latest${newBelow > 0 ? `, ${newBelow.toLocaleString("en-US")} new ${newBelow === 1 ? "message" : "messages"}` : ""}`;

  return (
    <div className="message-pane">
      <div
        ref={scroller}
        className="message-scroller"
        role="log"
        aria-label="Messages"
        aria-busy={loadingOlder || (channel?.loadingGap ?? false) || (channel?.loadingNewer ?? false)}
        tabIndex={0}
        data-rows={rows.length}
      >
        <Virtualizer
          key={layout}
          ref={list}
          scrollRef={scroller}
          data={rows}
          shift={edges.shift}
          bufferSize={BUFFER_PX}
          as={ListContainer}
          item={RowSlot}
          onScroll={onScroll}
          onScrollEnd={() => reachEdges(true)}
          onResize={onResize}
        >
          {renderRow}
        </Virtualizer>
      </div>
      {showJump && (
        <button
          type="button"
          className="jump-to-latest"
          aria-label={jumpLabel}
          onClick={() => {
            void jumpToLatest(channelName);
            // A window that holds the newest scrolls to it; a detached one is replaced by the newest page first.
            if (!hasMoreNewer) list.current?.scrollToIndex(rows.length - 1, { align: "end" });
          }}
        >
          Jump to latest{newBelow > 0 && <span className="jump-count">{newBelow > 999 ? "999+" : newBelow}</span>} ↓
        </button>
      )}
    </div>
  );
}
