/**
 * Which channels a connection may read now: the one place that decides it for everything that reads more than one
 * channel on a connection's behalf (search, the channels a bounded catch-up announces gaps for) — public channels,
 * and the private channels and DMs an account is a current member of. Single channels are checked by
 * lib/server/realtime/channel-access.ts, live delivery and the catch-up's filter by the delivery core.
 */
import type { Identity } from "../../shared/identity";
import type { MessageStore } from "../../storage/message-store";

export async function readableChannels(store: MessageStore, user: Identity): Promise<string[]> {
  return (await store.listChannelsReadableBy(user.kind === "account" ? user.id : null)).map((channel) => channel.name);
}
