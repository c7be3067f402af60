"use client";

import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { buildChannelDirectory, directMessageTitle } from "../lib/client/channel-directory";
import { createChannel, openDirectMessage, switchChannel } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import type { ChannelInfo } from "../lib/client/store/channels-slice";
import { shownCounts } from "../lib/client/store/read-state-slice";
import { usePageAttention } from "../lib/client/use-page-attention";
import { MAX_CHANNEL_NAME_LENGTH } from "../lib/shared/limits";
import type { PageIdentity } from "../lib/shared/page-identity";
import { FormError } from "./form-error";
import { PresenceDot } from "./presence-dot";
import { PrivateLock } from "./private-lock";

const count = (n: number) => n.toLocaleString("en-US");
const mentionsText = (n: number) => `${count(n)} ${n === 1 ? "mention" : "mentions"}`;

/** The badge may abbreviate; the button's accessible name carries the exact count. */
function UnreadBadge({ count: n }: { count: number }) {
  if (n === 0) return null;
  return (
    <span className="unread" aria-hidden="true">
      {n > 999 ? "999+" : count(n)}
      <span className="visually-hidden"> unread</span>
    </span>
  );
}

/** Mentions of the person (every message of a DM): shown even for a muted channel. */
function MentionBadge({ count: n }: { count: number }) {
  if (n === 0) return null;
  return (
    <span className="mention-badge" aria-hidden="true" title={mentionsText(n)}>
      @{n > 999 ? "999+" : count(n)}
      <span className="visually-hidden"> {n === 1 ? "mention" : "mentions"}</span>
    </span>
  );
}

/**
 * e.g. "random, 5,000 unread", "planning, 3 unread, 1 mention" or "plans, 2 unread, private channel": exact,
 * whatever the badges show.
 */
export function channelButtonName(label: string, unread: number, isPrivate: boolean, mentions = 0, muted = false): string {
  return [
    label,
    unread > 0 ? `${count(unread)} unread` : null,
    mentions > 0 ? mentionsText(mentions) : null,
    isPrivate ? "private channel" : null,
    muted ? "muted" : null,
  ]
    .filter(Boolean)
    .join(", ");
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

function ChannelButton({ channel, label, active, presence }: { channel: ChannelInfo; label: string; active: boolean; presence?: ReactNode }) {
  const readState = useTetherStore((s) => s.readStates[channel.name]);
  const attentive = usePageAttention();
  // The open channel of a tab the person is looking at is being read: its counts clear as the server confirms.
  const { unread, mentions } = active && attentive ? { unread: 0, mentions: 0 } : shownCounts(readState);
  const muted = readState?.muted ?? false;
  return (
    <button
      type="button"
      className={`channel-button${muted ? " muted" : ""}`}
      aria-current={active ? "page" : undefined}
      aria-label={channelButtonName(label, unread, channel.visibility === "private", mentions, muted)}
      onClick={() => switchChannel(channel.name)}
    >
      {channel.visibility !== "dm" && <span aria-hidden="true">#</span>}
      {presence}
      <span className="channel-label">{label}</span>
      {channel.visibility === "private" && <PrivateLock />}
      <MentionBadge count={mentions} />
      <UnreadBadge count={unread} />
    </button>
  );
}

/** A DM with one other person shows their presence. */
function DirectMessagePresence({ channel, myId }: { channel: ChannelInfo; myId: string | null }) {
  const others = (channel.members ?? []).filter((member) => member.id !== myId);
  return others.length === 1 ? <PresenceDot userId={others[0]!.id} /> : null;
}

export function ChannelSidebar({ identity }: { identity: PageIdentity }) {
  const channelInfo = useTetherStore((s) => s.channelInfo);
  const active = useTetherStore((s) => s.activeChannel);
  const [form, setForm] = useState<"channel" | "dm" | null>(null);
  const isAccount = identity.kind === "account";
  const directory = useMemo(() => buildChannelDirectory(channelInfo, isAccount ? identity.id : null), [channelInfo, isAccount, identity.id]);

  return (
    <div className="sidebar">
      <nav className="sidebar-section" aria-label="Channels">
        <h2 className="sidebar-title">Channels</h2>
        <ul className="channel-list">
          {directory.channels.map((channel) => (
            <li key={channel.name}>
              <ChannelButton channel={channel} label={channel.name} active={channel.name === active} />
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
                  presence={<DirectMessagePresence channel={channel} myId={identity.id} />}
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
