/**
 * Which channels a connection may read: the one place that decides it for everything that reads more than one
 * channel on a connection's behalf (search, the channels a bounded catch-up announces gaps for). Today every
 * channel is public, so every identity reads every channel.
 */
import type { Identity } from "../../shared/identity";
import type { MessageStore } from "../../storage/message-store";

export async function readableChannels(store: MessageStore, _user: Identity): Promise<string[]> {
  return (await store.listChannels()).map((channel) => channel.name);
}
