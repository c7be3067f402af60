/**
 * Who a message being sent mentions, decided before it is stored (and stored with it): the accounts its
 * `@username`s name, and everyone for `@channel` — which is rate-limited per identity (CHANNEL_MENTION_RATE_LIMIT_*):
 * over the limit the send is refused with `rate_limited`, so every stored `@channel` notifies, and a client can
 * count mentions from content alone (lib/shared/mentions.ts). A DM stores none: each of its messages mentions its
 * readers anyway.
 */
import { fail } from "../../shared/ack";
import type { AckError } from "../../shared/errors";
import type { Channel } from "../../shared/dto";
import type { Identity } from "../../shared/identity";
import { parseMentions } from "../../shared/mentions";
import { EVERYONE_MENTIONED } from "../../storage/read-state-store";
import { createKeyedTokenBuckets } from "../limits/keyed-token-buckets";

export type MentionsResolved = { ok: true; mentioned: string[] } | { ok: false; error: AckError };

export interface SendMentions {
  /**
   * The identities to store as mentioned, or the refusal of an `@channel` over the limit. `hadChannelMention`: the
   * content replaces one (an edit) that already mentioned `@channel`, which then takes no token again. A promise only
   * when a `@username` has to be looked up: most messages name nobody, and the send path creates no promise it does
   * not need (channel-access.ts, `checkKnown`).
   */
  resolve(
    author: Identity,
    channel: Channel,
    content: string,
    options?: { hadChannelMention?: boolean },
  ): MentionsResolved | Promise<MentionsResolved>;
}

export interface SendMentionsOptions {
  users: { findUserByUsername(username: string): Promise<{ id: string } | null> };
  /** Token bucket for `@channel`, per identity; perSecond 0 turns it off. */
  channelMentionLimit: { burst: number; perSecond: number };
}

export function createSendMentions({ users, channelMentionLimit }: SendMentionsOptions): SendMentions {
  const channelMentions = createKeyedTokenBuckets(channelMentionLimit.burst, channelMentionLimit.perSecond);

  return {
    resolve(author, channel, content, { hadChannelMention = false } = {}) {
      if (channel.visibility === "dm") return { ok: true, mentioned: [] };
      const parsed = parseMentions(content);
      const mentioned: string[] = [];
      if (parsed.channel) {
        const limited = hadChannelMention ? null : channelMentions.take(author.id);
        if (limited) {
          return {
            ok: false,
            error: fail("rate_limited", "Too many @channel mentions; wait a little.", { retryAfterMs: limited.retryAfterMs }).error,
          };
        }
        mentioned.push(EVERYONE_MENTIONED);
      }
      if (parsed.usernames.length === 0) return { ok: true, mentioned };
      return (async (): Promise<MentionsResolved> => {
        for (const username of parsed.usernames) {
          const account = await users.findUserByUsername(username);
          if (account && account.id !== author.id) mentioned.push(account.id);
        }
        return { ok: true, mentioned };
      })();
    },
  };
}
