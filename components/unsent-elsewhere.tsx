"use client";

import { useMemo } from "react";
import { discardMessage } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import { DM_NAME_PATTERN } from "../lib/shared/schemas";

const CHANGE_LABEL_ELSEWHERE = { delete: "a deletion", react: "a reaction", unreact: "a reaction removed" } as const;

const STATUS = { pending: "Waiting to send", sent: "Sent", failed: "Not sent" } as const;

/**
 * The person's own messages to channels they can no longer read (they left, or were removed, before these were
 * sent). The outbox keeps them — nothing typed is ever lost — and the server refuses them when they are sent; they
 * are shown here, with the server's reason, since their channel is no longer on screen.
 */
export function UnsentElsewhere() {
  const outbox = useTetherStore((s) => s.outbox);
  const channelInfo = useTetherStore((s) => s.channelInfo);
  const orphans = useMemo(() => outbox.filter((entry) => entry.status !== "sent" && !(entry.channel in channelInfo)), [outbox, channelInfo]);
  if (orphans.length === 0) return null;

  return (
    <section className="unsent-elsewhere" aria-label="Messages to channels you left">
      <ul>
        {orphans.map((entry) => (
          <li key={entry.clientOffset} className="unsent-entry" data-status={entry.status}>
            <span className="unsent-where">
              {STATUS[entry.status]} to {DM_NAME_PATTERN.test(entry.channel) ? "a direct conversation you left" : `#${entry.channel}`}:
            </span>{" "}
            <span className="unsent-content">
              {entry.kind === "send" || entry.kind === "edit" ? entry.content : CHANGE_LABEL_ELSEWHERE[entry.kind]}
            </span>
            {entry.status === "failed" && (
              <span className="unsent-reason" role="alert">
                {entry.error?.message ?? "The server refused this message."}
              </span>
            )}
            <button type="button" className="button-secondary" onClick={() => discardMessage(entry.clientOffset)}>
              Discard
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
