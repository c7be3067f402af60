"use client";

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { channelTitle } from "../lib/client/channel-directory";
import { loadOlder } from "../lib/client/chat-client";
import { buildMessageRows } from "../lib/client/message-rows";
import { useTetherStore } from "../lib/client/store";
import { MessageItem } from "./message-item";

/** Within this many pixels of the bottom counts as "at the bottom": new messages keep the view pinned there. */
const PINNED_SLACK_PX = 48;
/** Older history is requested when the view is scrolled this close to the top. */
const LOAD_OLDER_PX = 160;

export function MessageList() {
  const channelName = useTetherStore((s) => s.activeChannel);
  const channel = useTetherStore((s) => s.channels[s.activeChannel]);
  const title = useTetherStore((s) => channelTitle(s.channelInfo[s.activeChannel], s.activeChannel, s.me?.id ?? null));
  const isDirect = useTetherStore((s) => s.channelInfo[s.activeChannel]?.visibility === "dm");
  const outbox = useTetherStore((s) => s.outbox);
  const me = useTetherStore((s) => s.me);
  const displayName = useTetherStore((s) => s.displayName);
  const ready = useTetherStore((s) => s.ready);
  const rows = useMemo(
    () => buildMessageRows(channel, outbox, channelName, me, displayName || "You"),
    [channel, outbox, channelName, me, displayName],
  );
  const hasMoreOlder = channel?.hasMoreOlder ?? true;
  const loadingOlder = channel?.loadingOlder ?? false;

  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const previous = useRef<{ channel: string; firstKey?: string; lastKey?: string; height: number }>({ channel: "", height: 0 });
  // Set when messages arrive below while the person reads older ones: offers a way down instead of a jump.
  const [newBelow, setNewBelow] = useState(false);

  // Runs before paint, so neither pinning nor keeping the reading position ever shows a jump.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = previous.current;
    const firstKey = rows[0]?.key;
    const lastKey = rows[rows.length - 1]?.key;
    if (before.channel !== channelName) {
      el.scrollTop = el.scrollHeight;
      pinned.current = true;
      setNewBelow(false);
    } else if (pinned.current || (lastKey !== before.lastKey && lastKey?.startsWith("o"))) {
      // At the bottom, or the person just sent something: show the newest.
      el.scrollTop = el.scrollHeight;
      pinned.current = true;
    } else {
      // Older messages were added above what the person is reading: keep that in place.
      if (firstKey !== before.firstKey) el.scrollTop += el.scrollHeight - before.height;
      if (lastKey !== before.lastKey) setNewBelow(true);
    }
    previous.current = { channel: channelName, firstKey, lastKey, height: el.scrollHeight };
  }, [rows, channelName]);

  // A view that does not fill the screen cannot be scrolled up: it asks for older history by itself.
  useEffect(() => {
    const el = scroller.current;
    if (el && ready && hasMoreOlder && !loadingOlder && el.scrollHeight <= el.clientHeight + LOAD_OLDER_PX) void loadOlder(channelName);
  }, [rows, ready, hasMoreOlder, loadingOlder, channelName]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight <= PINNED_SLACK_PX;
    if (pinned.current) setNewBelow(false);
    if (el.scrollTop <= LOAD_OLDER_PX && hasMoreOlder && !loadingOlder && ready) void loadOlder(channelName);
  }

  function jumpToLatest() {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    pinned.current = true;
    setNewBelow(false);
  }

  return (
    <div className="message-pane">
      <div ref={scroller} className="message-scroller" role="log" aria-label="Messages" tabIndex={0} onScroll={onScroll}>
        <p className="history-marker">
          {hasMoreOlder
            ? loadingOlder
              ? "Loading older messages…"
              : "Scroll up for older messages"
            : `This is the beginning of ${isDirect ? `your conversation with ${title}` : title}.`}
        </p>
        <ul className="message-list">
          {rows.map((row) => (
            <MessageItem key={row.key} row={row} />
          ))}
        </ul>
        {rows.length === 0 && !hasMoreOlder && <p className="empty-channel">No messages yet. Say hello!</p>}
      </div>
      {newBelow && (
        <button type="button" className="jump-to-latest" onClick={jumpToLatest}>
          New messages below ↓
        </button>
      )}
    </div>
  );
}
