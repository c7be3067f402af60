/**
 * Which channels exist, cached in memory so that validating a send costs no query. A name this process has not
 * seen is looked up in the store, so a channel created on another instance is found too.
 */
import type { MessageStore } from "../../storage/message-store";

export interface ChannelDirectory {
  exists(name: string): Promise<boolean>;
  remember(name: string): void;
}

export function createChannelDirectory(store: MessageStore): ChannelDirectory {
  const known = new Set<string>();
  return {
    async exists(name) {
      if (known.has(name)) return true;
      const found = await store.channelExists(name);
      if (found) known.add(name);
      return found;
    },
    remember(name) {
      known.add(name);
    },
  };
}
