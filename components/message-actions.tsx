"use client";
/**
 * What a person can do to a message: reply, react, and for their own messages (the admin: anyone's) edit and
 * delete. The buttons are always in the accessibility tree and reachable by keyboard; they show on hover, focus,
 * or a long press on a touch screen.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { deleteMessage, editMessage, isAdmin, jumpToMessage, setReaction, type MessageRef } from "../lib/client/chat-client";
import type { MessageRow } from "../lib/client/message-rows";
import { useReplyDraft } from "../lib/client/reply-draft";
import { useTetherStore } from "../lib/client/store";
import { create } from "zustand";

/** The emoji offered by "Add reaction". */
export const REACTION_CHOICES = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "🙏", "✅", "🔥"] as const;

const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A native modal dialog (focus trapped, Escape closes, the rest inert), open while mounted. */
function Modal({ label, onClose, children }: { label: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-label={label} className="message-dialog" onClose={onClose}>
      {children}
    </dialog>
  );
}

function refOf(row: MessageRow, channel: string): MessageRef {
  return { channel, id: row.id, clientOffset: row.clientOffset };
}

export function MessageActions({ row, channel, own }: { row: MessageRow; channel: string; own: boolean }) {
  const [dialog, setDialog] = useState<"delete" | "react" | null>(null);
  const replyTo = useReplyDraft((s) => s.replyTo);
  const startEdit = useEditing((s) => s.start);
  if (row.deleted) return null;
  const mayDelete = own || isAdmin();
  const mine = useTetherStore.getState().me?.id ?? null;
  return (
    <div className="message-actions" role="group" aria-label="Message actions">
      {row.id !== undefined && (
        <button type="button" className="button-quiet" onClick={() => replyTo(channel, { id: row.id!, authorName: row.authorName })}>
          Reply
        </button>
      )}
      <button type="button" className="button-quiet" onClick={() => setDialog("react")}>
        Add reaction
      </button>
      {own && (
        <button type="button" className="button-quiet" onClick={() => startEdit(row.key)}>
          Edit
        </button>
      )}
      {mayDelete && (
        <button type="button" className="button-quiet" onClick={() => setDialog("delete")}>
          Delete
        </button>
      )}
      {dialog === "delete" && (
        <Modal label="Delete message" onClose={() => setDialog(null)}>
          <p>Delete this message for everyone?</p>
          <div className="dialog-buttons">
            <button
              type="button"
              className="button-danger"
              onClick={() => {
                deleteMessage(refOf(row, channel));
                setDialog(null);
              }}
            >
              Delete
            </button>
            <button type="button" className="button-secondary" onClick={() => setDialog(null)}>
              Cancel
            </button>
          </div>
        </Modal>
      )}
      {dialog === "react" && (
        <Modal label="Choose a reaction" onClose={() => setDialog(null)}>
          <div className="reaction-choices">
            {REACTION_CHOICES.map((emoji) => (
              <button
                key={emoji}
                type="button"
                className="button-quiet reaction-choice"
                onClick={() => {
                  const has = mine !== null && row.reactions.some((r) => r.emoji === emoji && r.userIds.includes(mine));
                  if (!has) setReaction(refOf(row, channel), emoji, true);
                  setDialog(null);
                }}
              >
                {emoji}
              </button>
            ))}
          </div>
          <button type="button" className="button-secondary" onClick={() => setDialog(null)}>
            Cancel
          </button>
        </Modal>
      )}
    </div>
  );
}

/** Which message (by row key) is being edited: one at a time. */
export const useEditing = create<{ key: string | null; start: (key: string) => void; stop: () => void }>()((set) => ({
  key: null,
  start: (key) => set({ key }),
  stop: () => set({ key: null }),
}));

export function EditForm({ row, channel }: { row: MessageRow; channel: string }) {
  const [text, setText] = useState(row.content);
  const stop = useEditing((s) => s.stop);
  function save() {
    if (text === row.content) stop();
    else if (editMessage(refOf(row, channel), text)) stop();
  }
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      stop();
    }
  }
  return (
    <form
      className="edit-form"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <textarea aria-label="Edit message" value={text} autoFocus rows={2} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} />
      <div className="edit-buttons">
        <button type="submit" disabled={text.trim().length === 0}>
          Save
        </button>
        <button type="button" className="button-secondary" onClick={stop}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The reactions under a message: toggle buttons named emoji and count, pressed when this person reacted. */
export function Reactions({ row, channel }: { row: MessageRow; channel: string }) {
  const mine = useTetherStore((s) => s.me?.id ?? null);
  if (row.reactions.length === 0) return null;
  const names = nameLookup(channel);
  return (
    <div className="reactions">
      {row.reactions.map((r) => {
        const pressed = mine !== null && r.userIds.includes(mine);
        return (
          <button
            key={r.emoji}
            type="button"
            className="reaction"
            aria-pressed={pressed}
            aria-label={`${r.emoji} ${r.count}`}
            title={r.userIds.map(names).join(", ")}
            onClick={() => setReaction(refOf(row, channel), r.emoji, !pressed)}
          >
            <span aria-hidden="true">{r.emoji}</span> <span aria-hidden="true">{r.count}</span>
          </button>
        );
      })}
    </div>
  );
}

/** Names of people by id, from the authors this client holds (who reacted is not sent with names). */
function nameLookup(channel: string): (id: string) => string {
  const s = useTetherStore.getState();
  const known = new Map<string, string>();
  if (s.me) known.set(s.me.id, "You");
  const held = s.channels[channel];
  if (held) for (const id of held.ids) known.set(held.byId[id]!.author.id, held.byId[id]!.author.name);
  for (const member of s.channelInfo[channel]?.members ?? []) known.set(member.id, member.name);
  if (s.me) known.set(s.me.id, "You");
  return (id) => known.get(id) ?? "someone";
}

export function ReplyQuote({ row, channel }: { row: MessageRow; channel: string }) {
  if (row.replyTo === null) return null;
  const text = row.quote === undefined ? "an earlier message" : row.quote.text === null ? "deleted message" : row.quote.text;
  const short = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return (
    <button type="button" className="reply-quote" aria-label="Jump to message" onClick={() => void jumpToMessage(channel, row.replyTo!)}>
      {row.quote && row.quote.text !== null && <span className="reply-quote-author">{row.quote.authorName}</span>}{" "}
      <span className="reply-quote-text">{short}</span>
    </button>
  );
}

export function EditedMark({ editedAt }: { editedAt: string | null }) {
  if (editedAt === null) return null;
  return (
    <span className="edited" title={`Edited ${fullFormat.format(new Date(editedAt))}`}>
      edited
    </span>
  );
}
