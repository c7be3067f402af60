"use client";

import { useState, type FormEvent, type KeyboardEvent } from "react";
import { channelTitle } from "../lib/client/channel-directory";
import { sendMessage } from "../lib/client/chat-client";
import { useReplyDraft } from "../lib/client/reply-draft";
import { useTetherStore } from "../lib/client/store";
import { countCharacters } from "../lib/shared/limits";

export function Composer() {
  const channel = useTetherStore((s) => s.activeChannel);
  const title = useTetherStore((s) => channelTitle(s.channelInfo[s.activeChannel], s.activeChannel, s.me?.id ?? null));
  const maxLength = useTetherStore((s) => s.maxMessageLength);
  // A draft per channel: text written for one channel never goes to another — not when the person switches, and
  // not when they are removed from a private channel mid-sentence and the view moves to general.
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const text = drafts[channel] ?? "";
  const setText = (value: string) => setDrafts((all) => ({ ...all, [channel]: value }));
  const length = countCharacters(text);
  const tooLong = length > maxLength;
  const empty = text.trim().length === 0;
  const replying = useReplyDraft((s) => s.byChannel[channel]);
  const setReply = useReplyDraft((s) => s.replyTo);

  function submit() {
    if (sendMessage(channel, text, replying?.id)) {
      setText("");
      setReply(channel, undefined);
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    submit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
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
      <textarea
        aria-label="Message"
        aria-describedby="composer-counter"
        placeholder={`Message ${title}`}
        rows={1}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
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
