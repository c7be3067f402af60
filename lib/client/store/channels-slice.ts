/**
 * The channels this client may read, as the server describes them: their visibility and, for a DM, its
 * participants. The server tells of changes as they happen (channel:created, channel:joined, channel:left) and
 * answers channel:list with the whole set; both can cross on the wire, so every local change is stamped, and a
 * list applies only to channels that did not change after it was requested.
 *
 * Leaving a channel (or being removed from it) drops everything of it the client holds — its description and its
 * cached messages — so nothing of it stays on screen or in storage. Its unsent messages stay in the outbox: they
 * are the person's own, and the server refuses them (`forbidden`) when they are sent, which the UI shows.
 */
import type { Channel } from "../../shared/dto";
import { GENERAL_CHANNEL } from "../../shared/limits";
import type { ChannelMessages } from "../message-index";
import type { SliceCreator } from "./types";

/** What the client keeps of a channel: a `Channel` without its creation time. */
export type ChannelInfo = Pick<Channel, "name" | "visibility" | "members">;

export const GENERAL_INFO: ChannelInfo = { name: GENERAL_CHANNEL, visibility: "public" };

export interface ChannelsSlice {
  /** Every channel this client knows it may read, by name; `general` always. */
  channelInfo: Record<string, ChannelInfo>;
  /** Counts local changes to the set of channels (not persisted): the stamp a list request is compared with. */
  channelChanges: number;
  /** The stamp of each channel's last local change (joined, left, a message received). */
  channelChangedAt: Record<string, number>;
  /** The server told of these channels (created, joined, opened): they are readable now. */
  channelsKnown(channels: readonly ChannelInfo[]): void;
  /**
   * The server's whole list, requested when `channelChanges` was `requestedAt`. Channels that changed since keep
   * their local state; every other channel is as the list says — one missing from it is dropped with its messages
   * (the person was removed while away, or the server's database is not the one this cache came from).
   */
  channelsListed(channels: readonly ChannelInfo[], requestedAt: number): void;
  /** This person can no longer read the channel: forget it, and leave it if it is open. */
  channelLeft(name: string): void;
}

function describe(channel: ChannelInfo): ChannelInfo {
  return channel.members
    ? { name: channel.name, visibility: channel.visibility, members: channel.members }
    : { name: channel.name, visibility: channel.visibility };
}

/** The state once `names` are dropped: their descriptions, their messages, and the view of them if open. */
function withoutChannels(
  s: { channelInfo: Record<string, ChannelInfo>; channels: Record<string, ChannelMessages>; activeChannel: string },
  names: ReadonlySet<string>,
) {
  const keep = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([name]) => !names.has(name)));
  return {
    channelInfo: keep(s.channelInfo),
    channels: keep(s.channels),
    activeChannel: names.has(s.activeChannel) ? GENERAL_CHANNEL : s.activeChannel,
  };
}

export const createChannelsSlice: SliceCreator<ChannelsSlice> = (set) => ({
  channelInfo: { [GENERAL_CHANNEL]: GENERAL_INFO },
  channelChanges: 0,
  channelChangedAt: {},
  channelsKnown: (channels) =>
    set((s) => {
      if (channels.length === 0) return {};
      const stamp = s.channelChanges + 1;
      const channelInfo = { ...s.channelInfo };
      const channelChangedAt = { ...s.channelChangedAt };
      for (const channel of channels) {
        channelInfo[channel.name] = describe(channel);
        channelChangedAt[channel.name] = stamp;
      }
      return { channelInfo, channelChangedAt, channelChanges: stamp };
    }),
  channelsListed: (channels, requestedAt) =>
    set((s) => {
      const changedSince = (name: string) => (s.channelChangedAt[name] ?? 0) > requestedAt;
      const listed = new Map(channels.map((channel) => [channel.name, channel]));
      const channelInfo: Record<string, ChannelInfo> = { [GENERAL_CHANNEL]: GENERAL_INFO };
      for (const [name, channel] of listed) if (!changedSince(name)) channelInfo[name] = describe(channel);
      for (const [name, channel] of Object.entries(s.channelInfo)) if (changedSince(name)) channelInfo[name] = channel;
      // Everything held of a channel that is neither listed nor newer than the list goes: descriptions and messages.
      const gone = new Set(
        [...Object.keys(s.channelInfo), ...Object.keys(s.channels)].filter((name) => !(name in channelInfo) && !changedSince(name)),
      );
      return { ...withoutChannels(s, gone), channelInfo };
    }),
  channelLeft: (name) =>
    set((s) => {
      if (name === GENERAL_CHANNEL) return {};
      const stamp = s.channelChanges + 1;
      return { ...withoutChannels(s, new Set([name])), channelChanges: stamp, channelChangedAt: { ...s.channelChangedAt, [name]: stamp } };
    }),
});
