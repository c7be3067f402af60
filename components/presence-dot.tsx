"use client";

import { useEffect } from "react";
import { watchPresence } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";

/** A dot beside a person's name: online, away or offline, named so for assistive technology. */
export function PresenceDot({ userId }: { userId: string }) {
  const state = useTetherStore((s) => s.presence[userId] ?? "offline");
  useEffect(() => watchPresence([userId]), [userId]);
  return <span role="img" aria-label={state} title={state} className={`presence-dot presence-${state}`} />;
}
