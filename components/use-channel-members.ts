"use client";

import { useEffect, useState } from "react";
import { listMembers } from "../lib/client/chat-client";
import type { Member } from "../lib/shared/dto";

/** How long a channel's member list is trusted before it is asked for again (people join and leave). */
const FRESH_MS = 30_000;
const cache = new Map<string, { members: Member[]; at: number }>();

/** The channel's members for mention suggestions, asked for once `wanted` (the person typed `@`), then cached. */
export function useChannelMembers(channel: string, wanted: boolean): Member[] {
  const [loaded, setLoaded] = useState<{ channel: string; members: Member[] } | null>(null);
  useEffect(() => {
    if (!wanted) return;
    const cached = cache.get(channel);
    if (cached && Date.now() - cached.at < FRESH_MS) return;
    let current = true;
    void listMembers(channel).then((outcome) => {
      if (!outcome.ok) return;
      cache.set(channel, { members: outcome.data, at: Date.now() });
      if (current) setLoaded({ channel, members: outcome.data });
    });
    return () => {
      current = false;
    };
  }, [channel, wanted]);
  if (loaded?.channel === channel) return loaded.members;
  return cache.get(channel)?.members ?? [];
}
