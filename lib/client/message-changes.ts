/**
 * Messages that change (edits, deletions, reactions), client side and pure:
 * - the version rule: a held state is replaced only by one with a higher `version` (docs/protocol.md, "The client
 *   rule"), so a state never goes backwards whatever arrives twice or late;
 * - the optimistic view: this person's changes still waiting in the outbox are shown applied on top of the held
 *   state. Nothing optimistic is ever stored in place of a server state, so a refused change "rolls back" simply by
 *   no longer being applied, and its acknowledgement has nothing to reconcile: its `message:update` came first.
 */
import type { ChatMessage, Reaction } from "../shared/dto";
import type { ChangeEntry, OutboxEntry } from "./outbox";

/** Whether `incoming` may replace `held` (the version rule). */
export function isNewerState(held: ChatMessage | undefined, incoming: ChatMessage): boolean {
  return held === undefined || incoming.version > held.version;
}

/** The message a change is about, by id once known, else by the clientOffset of its send. */
export function changeTargets(entry: ChangeEntry, message: { id?: number; clientOffset: string }): boolean {
  return entry.messageId !== undefined && message.id !== undefined ? entry.messageId === message.id : entry.target === message.clientOffset;
}

/** The pending (not refused) changes of the outbox, in the order they were made. */
export function pendingChanges(outbox: readonly OutboxEntry[]): ChangeEntry[] {
  return outbox.filter((e): e is ChangeEntry => e.kind !== "send" && e.status === "pending");
}

export interface ShownState {
  content: string;
  editedAt: string | null;
  deleted: boolean;
  reactions: Reaction[];
}

/** A message's state with this person's pending changes applied, in order. */
export function applyPending(state: ShownState, changes: readonly ChangeEntry[], meId: string | null): ShownState {
  let shown = state;
  for (const change of changes) {
    if (shown.deleted) break;
    switch (change.kind) {
      case "edit":
        shown = { ...shown, content: change.content, editedAt: shown.editedAt ?? new Date(change.createdAt).toISOString() };
        break;
      case "delete":
        shown = { ...shown, content: "", deleted: true, reactions: [] };
        break;
      case "react":
      case "unreact":
        if (meId !== null) shown = { ...shown, reactions: toggled(shown.reactions, change.emoji, meId, change.kind === "react") };
        break;
    }
  }
  return shown;
}

function toggled(reactions: readonly Reaction[], emoji: string, meId: string, on: boolean): Reaction[] {
  const existing = reactions.find((r) => r.emoji === emoji);
  const has = existing?.userIds.includes(meId) ?? false;
  if (has === on) return reactions as Reaction[];
  if (on) {
    return existing
      ? reactions.map((r) => (r === existing ? { ...r, count: r.count + 1, userIds: [...r.userIds, meId] } : r))
      : [...reactions, { emoji, count: 1, userIds: [meId] }];
  }
  return reactions
    .map((r) => (r === existing ? { ...r, count: r.count - 1, userIds: r.userIds.filter((id) => id !== meId) } : r))
    .filter((r) => r.count > 0);
}

/** What a refused change was, for the message that says it was not applied. */
export const CHANGE_LABEL: Record<ChangeEntry["kind"], string> = {
  edit: "Edit not saved",
  delete: "Not deleted",
  react: "Reaction not added",
  unreact: "Reaction not removed",
};
