"use client";

import { useState } from "react";
import { channelTitle } from "../lib/client/channel-directory";
import { setChannelMuted } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import { GENERAL_INFO } from "../lib/client/store/channels-slice";
import type { PageIdentity } from "../lib/shared/page-identity";
import { FormError } from "./form-error";
import { MembersPanel } from "./members-panel";
import { PrivateLock } from "./private-lock";

/** The open channel's name (a DM's participants), its lock if private, and its members on demand. */
export function ChannelHeader({ identity }: { identity: PageIdentity }) {
  const name = useTetherStore((s) => s.activeChannel);
  const channel = useTetherStore((s) => s.channelInfo[s.activeChannel]) ?? { ...GENERAL_INFO, name };
  const [showMembers, setShowMembers] = useState(false);
  const muted = useTetherStore((s) => s.readStates[s.activeChannel]?.muted ?? false);
  const ready = useTetherStore((s) => s.ready);
  const [muteError, setMuteError] = useState<string | null>(null);

  return (
    <>
      <div className="channel-header">
        <h2 className="channel-title">
          {channelTitle(channel, name, identity.kind === "account" ? identity.id : null)}
          {channel.visibility === "private" && <PrivateLock />}
        </h2>
        <div className="channel-actions">
          <button
            type="button"
            className="button-secondary"
            aria-pressed={muted}
            disabled={!ready}
            title={muted ? "Muted: no unread count, mentions still show" : undefined}
            onClick={() => void setChannelMuted(name, !muted).then(setMuteError)}
          >
            Mute channel
          </button>
          <button
            type="button"
            className="button-secondary"
            aria-expanded={showMembers}
            aria-controls={showMembers ? "members-panel" : undefined}
            onClick={() => setShowMembers((shown) => !shown)}
          >
            Members
          </button>
        </div>
      </div>
      <FormError error={muteError} />
      {/* Keyed by channel: another channel's panel starts with its own list. */}
      {showMembers && <MembersPanel key={channel.name} channel={channel} identity={identity} />}
    </>
  );
}
