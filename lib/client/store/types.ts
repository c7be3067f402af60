import type { StateCreator } from "zustand";
import type { ChannelsSlice } from "./channels-slice";
import type { ConnectionSlice } from "./connection-slice";
import type { MessagesSlice } from "./messages-slice";
import type { OutboxSlice } from "./outbox-slice";
import type { PresenceSlice } from "./presence-slice";
import type { ProfileSlice } from "./profile-slice";
import type { ReadStateSlice } from "./read-state-slice";
import type { TypingSlice } from "./typing-slice";

export type TetherState = ChannelsSlice & ConnectionSlice & MessagesSlice & OutboxSlice & ProfileSlice & ReadStateSlice & TypingSlice & PresenceSlice;

/** A slice creator that sees the whole store (slices cooperate) inside the persist middleware. */
export type SliceCreator<Slice> = StateCreator<TetherState, [["zustand/persist", unknown]], [], Slice>;
