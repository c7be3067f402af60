/**
 * How channels are shown: the sidebar's two lists (channels, then direct messages) and the name a channel goes by.
 * A DM's server-made name means nothing to people: it is called by its other participants' display names.
 */
import { GENERAL_CHANNEL } from "../shared/limits";
import type { ChannelInfo } from "./store/channels-slice";

export interface ChannelDirectory {
  /** Public and private channels: general first, then by name. */
  channels: ChannelInfo[];
  /** Direct messages, by what they are called. */
  directMessages: ChannelInfo[];
}

export function buildChannelDirectory(channelInfo: Record<string, ChannelInfo>, myId: string | null): ChannelDirectory {
  const all = Object.values(channelInfo);
  const channels = all
    .filter((channel) => channel.visibility !== "dm")
    .sort((a, b) => (a.name === GENERAL_CHANNEL ? -1 : b.name === GENERAL_CHANNEL ? 1 : a.name.localeCompare(b.name)));
  const directMessages = all
    .filter((channel) => channel.visibility === "dm")
    .map((channel) => ({ channel, title: directMessageTitle(channel, myId) }))
    .sort((a, b) => a.title.localeCompare(b.title) || a.channel.name.localeCompare(b.channel.name))
    .map(({ channel }) => channel);
  return { channels, directMessages };
}

/** The other participants' display names, comma-separated (the person's own name only when alone in it). */
export function directMessageTitle(channel: ChannelInfo, myId: string | null): string {
  const members = channel.members ?? [];
  const others = members.filter((member) => member.id !== myId);
  if (others.length > 0) return others.map((member) => member.name).join(", ");
  return members.length > 0 ? `${members.map((member) => member.name).join(", ")} (only you)` : "Direct message";
}

/** What a channel is called in headings and placeholders: `#name`, or a DM's participants. */
export function channelTitle(channel: ChannelInfo | undefined, name: string, myId: string | null): string {
  return channel?.visibility === "dm" ? directMessageTitle(channel, myId) : `#${name}`;
}
