"use client";

import { memo } from "react";
import { discardMessage, retryMessage } from "../lib/client/chat-client";
import type { MessageRow } from "../lib/client/message-rows";
import { MessageText } from "./message-text";

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
    x.clientOffset === y.clientOffset
  );
}

export const MessageItem = memo(function MessageItem({ row, highlighted = false }: { row: MessageRow; highlighted?: boolean }) {
  const date = new Date(row.createdAt);
  return (
    <div
      role="listitem"
      className={`message${row.continuesGroup ? " continues" : ""}${row.status ? " own" : ""}${highlighted ? " highlighted" : ""}`}
      data-status={row.status}
      data-message-id={row.id}
      aria-current={highlighted ? "true" : undefined}
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
      <div className="message-body">
        <MessageText text={row.content} />
        <DeliveryState row={row} />
      </div>
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
