"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { channelTitle } from "../lib/client/channel-directory";
import { jumpToMessage, searchMessages } from "../lib/client/chat-client";
import { excerpt, highlightParts } from "../lib/client/search-highlight";
import { useTetherStore } from "../lib/client/store";
import type { ChatMessage } from "../lib/shared/dto";
import { MAX_SEARCH_QUERY_LENGTH } from "../lib/shared/limits";

/** Typing pauses this long before the search goes out (the server rate-limits searches). */
const SEARCH_DEBOUNCE_MS = 300;

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function Highlighted({ text, query }: { text: string; query: string }) {
  return (
    <span className="search-result-text">
      {highlightParts(excerpt(text, query), query).map((part, i) =>
        part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
      )}
    </span>
  );
}

type SearchState =
  | { status: "idle" }
  | { status: "searching"; query: string }
  | { status: "done"; query: string; messages: ChatMessage[]; hasMore: boolean }
  | { status: "failed"; message: string };

/** The search box, an optional channel filter, and the results (newest first), each a way to jump to its message. */
export function MessageSearch() {
  const channelInfo = useTetherStore((s) => s.channelInfo);
  const myId = useTetherStore((s) => s.me?.id ?? null);
  const ready = useTetherStore((s) => s.ready);
  const [query, setQuery] = useState("");
  const [channel, setChannel] = useState("");
  const [state, setState] = useState<SearchState>({ status: "idle" });
  // Only the newest search's answer is shown: answers can come back out of order.
  const latest = useRef(0);

  async function run(text: string, inChannel: string, before?: number) {
    const trimmed = text.trim();
    const id = ++latest.current;
    if (trimmed === "") {
      setState({ status: "idle" });
      return;
    }
    if (before === undefined) setState({ status: "searching", query: trimmed });
    const outcome = await searchMessages(trimmed, inChannel || undefined, before);
    if (id !== latest.current) return;
    if (!outcome.ok) setState({ status: "failed", message: outcome.message });
    else
      setState((previous) => ({
        status: "done",
        query: trimmed,
        messages: before !== undefined && previous.status === "done" ? [...previous.messages, ...outcome.data.messages] : outcome.data.messages,
        hasMore: outcome.data.hasMore,
      }));
  }

  // Searches as the person types, once typing pauses.
  useEffect(() => {
    if (!ready) return;
    const timer = setTimeout(() => void run(query, channel), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, channel, ready]);

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(query, channel);
  }

  function close() {
    latest.current++;
    setQuery("");
    setState({ status: "idle" });
  }

  const names = Object.values(channelInfo);
  return (
    <section className="message-search" aria-label="Search">
      <form role="search" className="search-form" onSubmit={submit}>
        <input
          type="search"
          aria-label="Search messages"
          placeholder="Search messages"
          value={query}
          maxLength={MAX_SEARCH_QUERY_LENGTH}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => event.key === "Escape" && close()}
        />
        <select aria-label="Search in" value={channel} onChange={(event) => setChannel(event.target.value)}>
          <option value="">All channels</option>
          {names.map((info) => (
            <option key={info.name} value={info.name}>
              {channelTitle(info, info.name, myId)}
            </option>
          ))}
        </select>
        {state.status !== "idle" && (
          <button type="button" className="button-secondary" onClick={close}>
            Close search
          </button>
        )}
      </form>
      {state.status === "searching" && <p className="search-note">Searching…</p>}
      {state.status === "failed" && (
        <p className="search-note form-error" role="alert">
          {state.message}
        </p>
      )}
      {state.status === "done" && (
        <div className="search-results-pane">
          <p className="search-note" role="status">
            {state.messages.length === 0
              ? `No messages match “${state.query}”.`
              : `${state.messages.length.toLocaleString("en-US")}${state.hasMore ? "+" : ""} ${state.messages.length === 1 ? "message" : "messages"} match “${state.query}”.`}
          </p>
          <ul className="search-results" aria-label="Search results">
            {state.messages.map((message) => (
              <li key={message.id} className="search-result">
                <div className="search-result-meta">
                  <span className="search-result-channel">{channelTitle(channelInfo[message.channel], message.channel, myId)}</span>
                  <span className="message-author">{message.author.name}</span>
                  <time dateTime={message.createdAt}>{timeFormat.format(new Date(message.createdAt))}</time>
                </div>
                <Highlighted text={message.content} query={state.query} />
                <button type="button" className="button-secondary" onClick={() => void jumpToMessage(message.channel, message.id)}>
                  Jump to message
                </button>
              </li>
            ))}
          </ul>
          {state.hasMore && (
            <button
              type="button"
              className="button-secondary"
              onClick={() => void run(state.query, channel, state.messages[state.messages.length - 1]?.id)}
            >
              More results
            </button>
          )}
        </div>
      )}
    </section>
  );
}
