"use client";

import { setDisplayName } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import { MAX_DISPLAY_NAME_LENGTH } from "../lib/shared/limits";

export function DisplayNameField() {
  const displayName = useTetherStore((s) => s.displayName);
  const serverName = useTetherStore((s) => s.me?.name);
  return (
    <label className="display-name">
      <span className="display-name-caption">Display name</span>
      <input
        type="text"
        aria-label="Display name"
        value={displayName}
        maxLength={MAX_DISPLAY_NAME_LENGTH}
        placeholder={serverName ?? "Your name"}
        autoComplete="nickname"
        onChange={(event) => setDisplayName(event.target.value)}
      />
    </label>
  );
}
