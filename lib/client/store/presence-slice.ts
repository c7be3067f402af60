/** Presence of the people this client shows (member lists, DMs), from `presence:list` answers and `presence` pushes. */
import type { PresenceNotice, PresenceState } from "../../shared/dto";
import type { SliceCreator } from "./types";

export interface PresenceSlice {
  /** By user id; someone not listed is shown as offline. */
  presence: Record<string, PresenceState>;
  presenceChanged(notices: readonly PresenceNotice[]): void;
}

export const createPresenceSlice: SliceCreator<PresenceSlice> = (set) => ({
  presence: {},
  presenceChanged: (notices) =>
    set((s) => {
      const changed = notices.filter((notice) => s.presence[notice.userId] !== notice.state);
      if (changed.length === 0) return {};
      const presence = { ...s.presence };
      for (const notice of changed) presence[notice.userId] = notice.state;
      return { presence };
    }),
});
