"use client";

import { useMemo, useState, type FormEvent } from "react";
import { buildChannelDirectory, directMessageTitle } from "../lib/client/channel-directory";
import { createChannel, openDirectMessage, switchChannel } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import type { ChannelInfo } from "../lib/client/store/channels-slice";
import { MAX_CHANNEL_NAME_LENGTH } from "../lib/shared/limits";
import type { PageIdentity } from "../lib/shared/page-identity";
import { FormError } from "./form-error";
import { PrivateLock } from "./private-lock";

/** The badge may abbreviate; the button's accessible name carries the exact count. */
function UnreadBadge({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span className="unread" aria-hidden="true">
      {count > 999 ? "999+" : count.toLocaleString("en-US")}
      <span className="visually-hidden"> unread</span>
    </span>
  );
}

/** e.g. "random, 5,000 unread" or "plans, 2 unread, private channel": exact, whatever the badge shows. */
export function channelButtonName(label: string, unread: number, isPrivate: boolean): string {
  return [label, unread > 0 ? `${unread.toLocaleString("en-US")} unread` : null, isPrivate ? "private channel" : null].filter(Boolean).join(", ");
}

/** A small form that asks one thing of the server and shows its refusal; closes itself when it succeeds. */
function useServerForm(action: () => Promise<string | null>, onDone: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const problem = await action();
    setBusy(false);
    if (problem) setError(problem);
    else onDone();
  }
  return { error, busy, onSubmit: (event: FormEvent) => void submit(event) };
}

/** The submit and Cancel buttons of a sidebar form, and the server's refusal under them. */
function FormActions({ submit, disabled, error, onCancel }: { submit: string; disabled: boolean; error: string | null; onCancel: () => void }) {
  return (
    <>
      <div className="new-channel-actions">
        <button type="submit" disabled={disabled}>
          {submit}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <FormError error={error} />
    </>
  );
}

function NewChannelForm({ canCreatePrivate, onDone }: { canCreatePrivate: boolean; onDone: () => void }) {
  const [name, setName] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const { error, busy, onSubmit } = useServerForm(() => createChannel(name, { private: isPrivate }), onDone);

  return (
    <form className="new-channel-form" onSubmit={onSubmit}>
      <input
        aria-label="Channel name"
        placeholder="e.g. random"
        value={name}
        maxLength={MAX_CHANNEL_NAME_LENGTH}
        autoFocus
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => event.key === "Escape" && onDone()}
      />
      {/* Private channels need an account: guests read and write public channels only. */}
      {canCreatePrivate && (
        <label className="checkbox-field">
          <input type="checkbox" checked={isPrivate} onChange={(event) => setPrivate(event.target.checked)} />
          Private
        </label>
      )}
      <FormActions submit="Create" disabled={busy || name.trim() === ""} error={error} onCancel={onDone} />
    </form>
  );
}

function NewDirectMessageForm({ onDone }: { onDone: () => void }) {
  const [usernames, setUsernames] = useState("");
  const { error, busy, onSubmit } = useServerForm(() => openDirectMessage(usernames), onDone);

  return (
    <form className="new-channel-form" onSubmit={onSubmit}>
      <input
        aria-label="Usernames"
        aria-describedby="dm-usernames-hint"
        placeholder="e.g. ann, bob"
        value={usernames}
        autoFocus
        autoCapitalize="none"
        spellCheck={false}
        onChange={(event) => setUsernames(event.target.value)}
        onKeyDown={(event) => event.key === "Escape" && onDone()}
      />
      <span id="dm-usernames-hint" className="field-hint">
        Usernames, separated by commas
      </span>
      <FormActions submit="Start" disabled={busy || usernames.trim() === ""} error={error} onCancel={onDone} />
    </form>
  );
}

function ChannelButton({ channel, label, active, unread }: { channel: ChannelInfo; label: string; active: boolean; unread: number }) {
  return (
    <button
      type="button"
      className="channel-button"
      aria-current={active ? "page" : undefined}
      aria-label={channelButtonName(label, active ? 0 : unread, channel.visibility === "private")}
      onClick={() => switchChannel(channel.name)}
    >
      {channel.visibility !== "dm" && <span aria-hidden="true">#</span>}
      <span className="channel-label">{label}</span>
      {channel.visibility === "private" && <PrivateLock />}
      <UnreadBadge count={active ? 0 : unread} />
    </button>
  );
}

export function ChannelSidebar({ identity }: { identity: PageIdentity }) {
  const channelInfo = useTetherStore((s) => s.channelInfo);
  const active = useTetherStore((s) => s.activeChannel);
  const channels = useTetherStore((s) => s.channels);
  const [form, setForm] = useState<"channel" | "dm" | null>(null);
  const isAccount = identity.kind === "account";
  const directory = useMemo(() => buildChannelDirectory(channelInfo, isAccount ? identity.id : null), [channelInfo, isAccount, identity.id]);
  const unread = (name: string) => channels[name]?.unread ?? 0;

  return (
    <div className="sidebar">
      <nav className="sidebar-section" aria-label="Channels">
        <h2 className="sidebar-title">Channels</h2>
        <ul className="channel-list">
          {directory.channels.map((channel) => (
            <li key={channel.name}>
              <ChannelButton channel={channel} label={channel.name} active={channel.name === active} unread={unread(channel.name)} />
            </li>
          ))}
        </ul>
        {form === "channel" ? (
          <NewChannelForm canCreatePrivate={isAccount} onDone={() => setForm(null)} />
        ) : (
          <button type="button" className="button-secondary new-channel" onClick={() => setForm("channel")}>
            New channel
          </button>
        )}
      </nav>
      <nav className="sidebar-section" aria-label="Direct messages">
        <h2 className="sidebar-title">Direct messages</h2>
        {directory.directMessages.length > 0 && (
          <ul className="channel-list">
            {directory.directMessages.map((channel) => (
              <li key={channel.name}>
                <ChannelButton
                  channel={channel}
                  label={directMessageTitle(channel, identity.id)}
                  active={channel.name === active}
                  unread={unread(channel.name)}
                />
              </li>
            ))}
          </ul>
        )}
        {!isAccount ? (
          // Not a second "Sign in" link: the header has the one.
          <p className="sidebar-note">Direct messages need an account: sign in or create one.</p>
        ) : form === "dm" ? (
          <NewDirectMessageForm onDone={() => setForm(null)} />
        ) : (
          <button type="button" className="button-secondary new-channel" onClick={() => setForm("dm")}>
            New direct message
          </button>
        )}
      </nav>
    </div>
  );
}
