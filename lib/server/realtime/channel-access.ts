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
   * `check`'s answer when it is known without a query: a channel already known to be public, or one of which the
   * user is known to be a member now (`ChannelAccessOptions.knownMember`). Null otherwise: then ask `check`, which
   * alone refuses. The write paths ask this first: every promise a request creates runs Next.js's
   * AsyncLocalStorage init hooks (docs/performance.md).
   */
  checkKnown(user: Identity, name: string): AccessCheck | null;
  /** The channel as a client is told of it: a DM with its participants. Null when it does not exist. */
  describe(name: string): Promise<Channel | null>;
  /** Channels as a client is told of them. */
  describeAll(channels: readonly Channel[]): Promise<Channel[]>;
  /** A channel created here is known at once. */
  remember(channel: Channel): void;
}

export interface ChannelAccessOptions {
  /**
   * Whether this user is a member of this private channel or DM now, where that is known exactly without a query —
   * on one instance, the delivery core's view, which every committed membership change reaches before the next
   * request runs. False when not known; never a reason to refuse.
   */
  knownMember?: (userId: string, channel: string) => boolean;
}

export function createChannelAccess(
  store: MessageStore,
  users: { getUsers(ids: readonly string[]): Promise<Map<string, Member>> },
  options: ChannelAccessOptions = {},
): ChannelAccess {
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

  /** `checkKnown`: what is known without a query, or null. */
  function checkKnown(user: Identity, name: string): AccessCheck | null {
    const channel = known.get(name);
    if (!channel) return null;
    if (channel.visibility === "public") return { ok: true, channel };
    return user.kind === "account" && options.knownMember?.(user.id, name) ? { ok: true, channel } : null;
  }

  return {
    async check(user, name) {
      const answer = checkKnown(user, name);
      if (answer) return answer;
      const channel = await lookup(name);
      if (!channel) return { ok: false, error: { code: "unknown_channel", message: `There is no channel "${name}".` } };
      if (channel.visibility === "public") return { ok: true, channel };
      const membership = user.kind === "account" ? await store.getMembership(name, user.id) : null;
      if (membership?.current) return { ok: true, channel };
      return { ok: false, error: { code: "forbidden", message: "Only members can read this channel." } };
    },
    checkKnown,
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
