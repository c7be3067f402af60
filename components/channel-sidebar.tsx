"use client";

import { useState, type FormEvent } from "react";
import { createChannel, switchChannel } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import { MAX_CHANNEL_NAME_LENGTH } from "../lib/shared/limits";

function UnreadBadge({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span className="unread">
      {count > 99 ? "99+" : count}
      <span className="visually-hidden"> unread</span>
    </span>
  );
}

function NewChannelForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const problem = await createChannel(name);
    setBusy(false);
    if (problem) setError(problem);
    else onDone();
  }

  return (
    <form className="new-channel-form" onSubmit={submit}>
      <input
        aria-label="Channel name"
        placeholder="e.g. random"
        value={name}
        maxLength={MAX_CHANNEL_NAME_LENGTH}
        autoFocus
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => event.key === "Escape" && onDone()}
      />
      <div className="new-channel-actions">
        <button type="submit" disabled={busy || name.trim() === ""}>
          Create
        </button>
        <button type="button" className="button-secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function ChannelSidebar() {
  const names = useTetherStore((s) => s.channelNames);
  const active = useTetherStore((s) => s.activeChannel);
  const channels = useTetherStore((s) => s.channels);
  const [creating, setCreating] = useState(false);

  return (
    <nav className="sidebar" aria-label="Channels">
      <h2 className="sidebar-title">Channels</h2>
      <ul className="channel-list">
        {names.map((name) => (
          <li key={name}>
            <button type="button" className="channel-button" aria-current={name === active ? "page" : undefined} onClick={() => switchChannel(name)}>
              <span aria-hidden="true">#</span>
              {name}
              <UnreadBadge count={name === active ? 0 : (channels[name]?.unread ?? 0)} />
            </button>
          </li>
        ))}
      </ul>
      {creating ? (
        <NewChannelForm onDone={() => setCreating(false)} />
      ) : (
        <button type="button" className="button-secondary new-channel" onClick={() => setCreating(true)}>
          New channel
        </button>
      )}
    </nav>
  );
}
