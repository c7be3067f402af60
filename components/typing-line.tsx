"use client";

import { useMemo } from "react";
import { useTetherStore } from "../lib/client/store";
import { describeTyping } from "../lib/client/store/typing-slice";

/** Who is typing in the open channel, under its messages; a live region that is always there, empty when nobody is. */
export function TypingLine() {
  const entries = useTetherStore((s) => s.typing[s.activeChannel]);
  const text = useMemo(() => describeTyping(Object.values(entries ?? {}).map((entry) => entry.user.name)), [entries]);
  return (
    <div role="status" aria-label="Typing" className="typing-line">
      {text}
    </div>
  );
}
