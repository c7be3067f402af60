"use client";

import { useEffect } from "react";
import { useTetherStore } from "../lib/client/store";
import { totalMentions } from "../lib/client/store/read-state-slice";

export const APP_TITLE = "Tether";

/** "(3) Tether": the unread mentions of every channel, in the tab's title. Renders nothing. */
export function DocumentTitle() {
  const mentions = useTetherStore((s) => totalMentions(s.readStates));
  useEffect(() => {
    document.title = mentions > 0 ? `(${mentions.toLocaleString("en-US")}) ${APP_TITLE}` : APP_TITLE;
  }, [mentions]);
  return null;
}
