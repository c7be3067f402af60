"use client";

import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { channelTitle } from "../lib/client/channel-directory";
import { draftChanged, sendMessage } from "../lib/client/chat-client";
import { applyMention, mentionQueryAt, suggestMentions, type MentionQuery } from "../lib/client/mention-query";
import { useReplyDraft } from "../lib/client/reply-draft";
import { useTetherStore } from "../lib/client/store";
import { countCharacters } from "../lib/shared/limits";
import { useChannelMembers } from "./use-channel-members";

const OPTION_ID = (index: number) => `mention-option-${index}`;

export function Composer() {
  const channel = useTetherStore((s) => s.activeChannel);
  const title = useTetherStore((s) => channelTitle(s.channelInfo[s.activeChannel], s.activeChannel, s.me?.id ?? null));
  const isDirect = useTetherStore((s) => s.channelInfo[s.activeChannel]?.visibility === "dm");
  const myId = useTetherStore((s) => s.me?.id ?? null);
  const maxLength = useTetherStore((s) => s.maxMessageLength);
  // A draft per channel: text written for one channel never goes to another — not when the person switches, and
  // not when they are removed from a private channel mid-sentence and the view moves to general.
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const text = drafts[channel] ?? "";
  const setText = (value: string) => {
    setDrafts((all) => ({ ...all, [channel]: value }));
    draftChanged(channel, value);
  };
  const length = countCharacters(text);
  const tooLong = length > maxLength;
  const empty = text.trim().length === 0;
  const replying = useReplyDraft((s) => s.byChannel[channel]);
  const setReply = useReplyDraft((s) => s.replyTo);

  // The `@username` at the caret, its suggestions, and which one is chosen; Escape dismisses that one `@`.
  const input = useRef<HTMLTextAreaElement>(null);
  const [query, setQuery] = useState<MentionQuery | null>(null);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [chosen, setChosen] = useState(0);
  const members = useChannelMembers(channel, query !== null);
  const suggestions = query && query.start !== dismissedAt ? suggestMentions(members, query.text, { myId, channelMention: !isDirect }) : [];
  const open = suggestions.length > 0;
  const active = Math.min(chosen, suggestions.length - 1);

  function follow(value: string, caret: number) {
    const next = mentionQueryAt(value, caret);
    if (next?.start !== query?.start || next?.text !== query?.text) setChosen(0);
    if (next?.start !== dismissedAt) setDismissedAt(null);
    setQuery(next);
  }

  function pick(username: string) {
    if (!query) return;
    const { value, caret } = applyMention(text, query, username);
    setText(value);
    setQuery(null);
    requestAnimationFrame(() => input.current?.setSelectionRange(caret, caret));
  }

  function submit() {
    if (sendMessage(channel, text, replying?.id)) {
      setText("");
      setQuery(null);
      setReply(channel, undefined);
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    submit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setChosen((active + step + suggestions.length) % suggestions.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.nativeEvent.isComposing) {
        event.preventDefault();
        pick(suggestions[active]!.username);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setDismissedAt(query!.start);
        return;
      }
    }
    // Enter sends; Shift+Enter is a newline; Enter that confirms an IME composition is not a send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && replying) {
      event.preventDefault();
      setReply(channel, undefined);
    }
  }

  return (
    <form className={`composer${replying ? " composer-replying" : ""}`} onSubmit={onSubmit}>
      {replying && (
        <div className="replying-to">
          <span>Replying to {replying.authorName}</span>
          <button type="button" className="button-quiet" onClick={() => setReply(channel, undefined)}>
            Cancel reply
          </button>
        </div>
      )}
      <div className="composer-input">
        {open && (
          <ul id="mention-suggestions" role="listbox" aria-label="Mention suggestions" className="mention-suggestions">
            {suggestions.map((suggestion, index) => (
              <li
                key={suggestion.username}
                id={OPTION_ID(index)}
                role="option"
                aria-selected={index === active}
                // Picked on mousedown: a click would first take the focus (and the caret) from the textarea.
                onMouseDown={(event) => {
                  event.preventDefault();
                  pick(suggestion.username);
                }}
              >
                <span className="mention-option-username">@{suggestion.username}</span>{" "}
                <span className="mention-option-label">{suggestion.label}</span>
              </li>
            ))}
          </ul>
        )}
        <textarea
          ref={input}
          aria-label="Message"
          aria-describedby="composer-counter"
          aria-autocomplete="list"
          aria-controls={open ? "mention-suggestions" : undefined}
          aria-activedescendant={open ? OPTION_ID(active) : undefined}
          placeholder={`Message ${title}`}
          rows={1}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            follow(event.target.value, event.target.selectionStart);
          }}
          onSelect={(event) => follow(event.currentTarget.value, event.currentTarget.selectionStart)}
          onBlur={() => setQuery(null)}
          onKeyDown={onKeyDown}
        />
      </div>
      <div className="composer-side">
        <span id="composer-counter" className={`counter${tooLong ? " counter-over" : ""}`}>
          {tooLong ? `${length - maxLength} too many · ` : ""}
          {length} / {maxLength}
        </span>
        <button type="submit" disabled={empty || tooLong}>
          Send
        </button>
      </div>
    </form>
  );
}
