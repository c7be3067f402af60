"use client";

import { memo, useRef, useState } from "react";
import { discardMessage, retryMessage } from "../lib/client/chat-client";
import type { MessageRow } from "../lib/client/message-rows";
import { useTetherStore } from "../lib/client/store";
import { EditedMark, EditForm, MessageActions, Reactions, ReplyQuote, useEditing } from "./message-actions";
import { MessageText } from "./message-text";

/** How long a touch must rest on a message to show its actions (a phone has no hover). */
const LONG_PRESS_MS = 500;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

const STATUS_LABEL = { pending: "Sending…", sent: "Sent", failed: "Not sent" } as const;

function DeliveryState({ row }: { row: MessageRow }) {
  if (!row.status) return null;
  return <span className={`delivery delivery-${row.status}`}>{STATUS_LABEL[row.status]}</span>;
}

/** Rows are rebuilt on every change of the channel; a row shown the same way is not rendered again. */
function sameRow(a: { row: MessageRow; highlighted?: boolean }, b: { row: MessageRow; highlighted?: boolean }): boolean {
  const x = a.row;
  const y = b.row;
  return (
    a.highlighted === b.highlighted &&
    x.key === y.key &&
    x.id === y.id &&
    x.content === y.content &&
    x.authorName === y.authorName &&
    x.createdAt === y.createdAt &&
    x.status === y.status &&
    x.error?.message === y.error?.message &&
    x.continuesGroup === y.continuesGroup &&
    x.clientOffset === y.clientOffset &&
    x.editedAt === y.editedAt &&
    x.deleted === y.deleted &&
    x.reactions === y.reactions &&
    x.replyTo === y.replyTo &&
    x.quote?.authorName === y.quote?.authorName &&
    x.quote?.text === y.quote?.text &&
    x.changePending === y.changePending &&
    x.changeError?.message === y.changeError?.message
  );
}

export const MessageItem = memo(function MessageItem({ row, highlighted = false }: { row: MessageRow; highlighted?: boolean }) {
  const date = new Date(row.createdAt);
  const channel = useTetherStore((s) => s.activeChannel);
  const editing = useEditing((s) => s.key === row.key);
  const [pressed, setPressed] = useState(false);
  const pressTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const endPress = () => clearTimeout(pressTimer.current);
  return (
    <div
      role="listitem"
      className={`message${row.continuesGroup ? " continues" : ""}${row.status ? " own" : ""}${highlighted ? " highlighted" : ""}${pressed ? " actions-open" : ""}`}
      data-status={row.status}
      data-message-id={row.id}
      aria-current={highlighted ? "true" : undefined}
      onTouchStart={() => {
        endPress();
        pressTimer.current = setTimeout(() => setPressed(true), LONG_PRESS_MS);
      }}
      onTouchEnd={endPress}
      onTouchMove={endPress}
      onMouseLeave={() => setPressed(false)}
    >
      {row.continuesGroup ? (
        <span className="visually-hidden">{row.authorName}</span>
      ) : (
        <div className="message-meta">
          <span className="message-author">{row.authorName}</span>
          <time dateTime={row.createdAt} title={fullFormat.format(date)}>
            {timeFormat.format(date)}
          </time>
        </div>
      )}
      <ReplyQuote row={row} channel={channel} />
      {editing && !row.deleted ? (
        <EditForm row={row} channel={channel} />
      ) : (
        <div className="message-body">
          {row.deleted ? <p className="message-deleted">This message was deleted</p> : <MessageText text={row.content} />}
          <EditedMark editedAt={row.deleted ? null : row.editedAt} />
          <DeliveryState row={row} />
          {row.changePending && <span className="delivery delivery-pending">Saving…</span>}
        </div>
      )}
      <Reactions row={row} channel={channel} />
      {!editing && <MessageActions row={row} channel={channel} own={row.status !== undefined} />}
      {row.changeError && (
        <div className="message-failure" role="alert">
          <span>
            {row.changeError.label}: {row.changeError.message}
          </span>
          <button type="button" className="button-secondary" onClick={() => discardMessage(row.changeError!.clientOffset)}>
            Dismiss
          </button>
        </div>
      )}
      {row.status === "failed" && (
        <div className="message-failure" role="alert">
          <span>{row.error?.message ?? "The server refused this message."}</span>
          <button type="button" onClick={() => retryMessage(row.clientOffset)}>
            Retry
          </button>
          <button type="button" className="button-secondary" onClick={() => discardMessage(row.clientOffset)}>
            Discard
          </button>
        </div>
      )}
    </div>
  );
}, sameRow);
