"use client";

import { useEffect, useState, type FormEvent } from "react";
import { inviteMember, joinChannel, leaveChannel, listMembers, removeMember } from "../lib/client/chat-client";
import { useTetherStore } from "../lib/client/store";
import type { ChannelInfo } from "../lib/client/store/channels-slice";
import type { Member } from "../lib/shared/dto";
import { GENERAL_CHANNEL } from "../lib/shared/limits";
import type { PageIdentity } from "../lib/shared/page-identity";
import { FormError } from "./form-error";
import { PresenceDot } from "./presence-dot";

/** What this person may do here; the server checks every one of these again. */
function permissions(channel: ChannelInfo, identity: PageIdentity, members: Member[] | null) {
  const account = identity.kind === "account" ? identity : null;
  const me = account && members?.find((member) => member.id === account.id);
  const managed = channel.visibility !== "dm" && channel.name !== GENERAL_CHANNEL;
  return {
    // The channel's creator and the workspace admin remove members; nobody is removed from a DM.
    remove: !!account && managed && (me?.role === "owner" || account.isAdmin),
    invite: !!account && channel.visibility === "private" && !!me,
    // A public channel is read by everyone: joining it and leaving it change its member list only.
    join: !!account && managed && channel.visibility === "public" && members !== null && !me,
    leave: !!account && channel.name !== GENERAL_CHANNEL && (channel.visibility !== "public" || !!me),
  };
}

function describeChannel(channel: ChannelInfo): string {
  if (channel.name === GENERAL_CHANNEL) return "Everyone is in #general.";
  if (channel.visibility === "dm") return "A direct conversation: nobody can be added or removed; each of you may leave it.";
  if (channel.visibility === "private") return "A private channel: only its members can read it, and members invite others.";
  return "A public channel: everyone can read it; its members are those who joined.";
}

export function MembersPanel({ channel, identity }: { channel: ChannelInfo; identity: PageIdentity }) {
  const ready = useTetherStore((s) => s.ready);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [invitee, setInvitee] = useState("");
  // Bumped after each change this person makes, so the list is read again.
  const [revision, setRevision] = useState(0);
  const may = permissions(channel, identity, members);

  useEffect(() => {
    if (!ready) return;
    let current = true;
    void listMembers(channel.name).then((outcome) => {
      if (!current) return;
      if (outcome.ok) setMembers(outcome.data);
      else setError(outcome.message);
    });
    return () => {
      current = false;
    };
  }, [channel.name, ready, revision]);

  async function run(action: () => Promise<string | null>, after?: () => void) {
    setBusy(true);
    setError(null);
    const problem = await action();
    setBusy(false);
    if (problem) {
      setError(problem);
      return;
    }
    after?.();
    setRevision((n) => n + 1);
  }

  function invite(event: FormEvent) {
    event.preventDefault();
    const username = invitee.trim();
    if (username)
      void run(
        () => inviteMember(channel.name, username),
        () => setInvitee(""),
      );
  }

  return (
    <section id="members-panel" className="members-panel" aria-label="Members">
      <p className="members-note">{describeChannel(channel)}</p>
      {members === null ? (
        !error && <p className="members-note">Loading members…</p>
      ) : (
        <ul className="member-list">
          {members.map((member) => (
            <li key={member.id} className="member">
              <PresenceDot userId={member.id} />
              <span className="member-name">{member.name}</span>
              {member.username && <span className="member-username">@{member.username}</span>}
              {member.role === "owner" && <span className="member-role">owner</span>}
              {may.remove && member.username && member.id !== identity.id && (
                <button
                  type="button"
                  className="button-secondary"
                  disabled={busy}
                  onClick={() => void run(() => removeMember(channel.name, member.username!))}
                >
                  Remove {member.username}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {may.invite && (
        <form className="invite-form" onSubmit={invite}>
          <input
            aria-label="Invite by username"
            placeholder="username"
            value={invitee}
            autoCapitalize="none"
            spellCheck={false}
            onChange={(event) => setInvitee(event.target.value)}
          />
          <button type="submit" disabled={busy || invitee.trim() === ""}>
            Invite
          </button>
        </form>
      )}
      <div className="members-actions">
        {may.join && (
          <button type="button" disabled={busy} onClick={() => void run(() => joinChannel(channel.name))}>
            Join channel
          </button>
        )}
        {may.leave && (
          <button type="button" className="button-secondary" disabled={busy} onClick={() => void run(() => leaveChannel(channel.name))}>
            Leave channel
          </button>
        )}
      </div>
      <FormError error={error} />
    </section>
  );
}
