/**
 * Who may read (and so write to) a channel, checked on every request path (send, history, members): a public
 * channel by everyone, a private channel or a DM by its current members only. Channels never change visibility, so
 * the ones found are cached: checking a public channel, the common case, costs no query.
 */
import type { AckError } from "../../shared/errors";
import type { Channel, Member } from "../../shared/dto";
import type { Identity } from "../../shared/identity";
import type { MessageStore } from "../../storage/message-store";

export type AccessCheck = { ok: true; channel: Channel } | { ok: false; error: AckError };

export interface ChannelAccess {
  /** The channel if `user` may read it now; otherwise `unknown_channel` or `forbidden`. */
  check(user: Identity, name: string): Promise<AccessCheck>;
  /**
   * What `check` would answer, when that needs no query: a channel already known to be public. Null otherwise (then
   * ask `check`). The write paths ask this first: most writes go to public channels, and every promise a request
   * creates runs Next.js's AsyncLocalStorage init hooks (docs/performance.md).
   */
  checkKnownPublic(name: string): AccessCheck | null;
  /** The channel as a client is told of it: a DM with its participants. Null when it does not exist. */
  describe(name: string): Promise<Channel | null>;
  /** Channels as a client is told of them. */
  describeAll(channels: readonly Channel[]): Promise<Channel[]>;
  /** A channel created here is known at once. */
  remember(channel: Channel): void;
}

export function createChannelAccess(store: MessageStore, users: { getUsers(ids: readonly string[]): Promise<Map<string, Member>> }): ChannelAccess {
  const known = new Map<string, Channel>();

  async function lookup(name: string): Promise<Channel | null> {
    const cached = known.get(name);
    if (cached) return cached;
    const found = await store.getChannel(name);
    if (found) known.set(name, found);
    return found;
  }

  async function withMembers(channel: Channel): Promise<Channel> {
    if (channel.visibility !== "dm") return channel;
    const members = await store.listMembers(channel.name);
    const accounts = await users.getUsers(members.map((member) => member.userId));
    return { ...channel, members: members.flatMap((member) => accounts.get(member.userId) ?? []) };
  }

  return {
    async check(user, name) {
      const channel = await lookup(name);
      if (!channel) return { ok: false, error: { code: "unknown_channel", message: `There is no channel "${name}".` } };
      if (channel.visibility === "public") return { ok: true, channel };
      const membership = user.kind === "account" ? await store.getMembership(name, user.id) : null;
      if (membership?.current) return { ok: true, channel };
      return { ok: false, error: { code: "forbidden", message: "Only members can read this channel." } };
    },
    checkKnownPublic(name) {
      const channel = known.get(name);
      return channel?.visibility === "public" ? { ok: true, channel } : null;
    },
    async describe(name) {
      const channel = await lookup(name);
      return channel && withMembers(channel);
    },
    describeAll: (channels) => Promise.all(channels.map(withMembers)),
    remember(channel) {
      known.set(channel.name, channel);
    },
  };
}
