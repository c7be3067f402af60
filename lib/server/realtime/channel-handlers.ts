/**
 * Channels and who is in them: channel:list, channel:create, channel:join, channel:leave, channel:invite,
 * channel:remove, channel:members and dm:open. Each is validate → authorize → persist → acknowledge; the store
 * appends the change to the log, and the delivery core tells everyone concerned, on every instance, in log order
 * (channel:created for a public channel, channel:joined / channel:left to the member's own connections).
 *
 * Rules: guests read and write public channels only and cannot create, join or be invited; a private channel is
 * invite-only (any member invites; its creator and the workspace admin remove; anyone leaves); a DM has fixed
 * participants (nobody is invited or removed; a participant may leave it for themselves, and opening it again
 * brings them back). `general` is everyone's: nobody leaves it.
 */
import { createHash } from "node:crypto";
import { fail, ok, type Ack } from "../../shared/ack";
import type { Channel, Member } from "../../shared/dto";
import type { Identity } from "../../shared/identity";
import { GENERAL_CHANNEL } from "../../shared/limits";
import { MAX_DM_PARTICIPANTS, parseChannelCreate, parseChannelRef, parseChannelUser, parseDmOpen } from "../../shared/schemas";
import type { MessageStore } from "../../storage/message-store";
import type { ChannelAccess } from "./channel-access";
import type { TetherSocket } from "./types";

export interface UserDirectory {
  findUserByUsername(username: string): Promise<Member | null>;
  getUsers(ids: readonly string[]): Promise<Map<string, Member>>;
  /** Every account (the members of `general`). */
  listUsers(): Promise<Member[]>;
}

const needsAccount = () => fail("unauthorized", "Sign in to do this: guests use public channels only.");

/** The same DM for the same set of people, in a form no chosen channel name can take. */
export function dmName(participantIds: readonly string[]): string {
  const key = [...new Set(participantIds)].sort().join("\n");
  return `dm:${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;
}

export function createChannelHandlers({ store, access, users }: { store: MessageStore; access: ChannelAccess; users: UserDirectory }) {
  const userOf = (socket: TetherSocket): Identity => socket.data.user;

  async function listChannels(socket: TetherSocket): Promise<Ack<{ channels: Channel[] }>> {
    const user = userOf(socket);
    const channels = await store.listChannelsReadableBy(user.kind === "account" ? user.id : null);
    return ok({ channels: await access.describeAll(channels) });
  }

  async function createChannel(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: Channel }>> {
    const parsed = parseChannelCreate(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = userOf(socket);
    if (parsed.value.visibility === "private" && user.kind !== "account") return needsAccount();
    const { channel, created } = await store.createChannel(parsed.value.name, user.id, { visibility: parsed.value.visibility });
    if (!created) return fail("channel_exists", `A channel "${channel.name}" already exists.`);
    access.remember(channel);
    return ok({ channel });
  }

  async function joinChannel(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: Channel }>> {
    const parsed = parseChannelRef(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = userOf(socket);
    if (user.kind !== "account") return needsAccount();
    const channel = await access.describe(parsed.value.channel);
    if (!channel) return fail("unknown_channel", `There is no channel "${parsed.value.channel}".`);
    if (channel.visibility !== "public") {
      // Invite-only; joining one you are in already is a no-op.
      const membership = await store.getMembership(channel.name, user.id);
      if (!membership?.current) return fail("forbidden", "This channel is invite-only: ask a member to invite you.");
      return ok({ channel });
    }
    await store.addMember(channel.name, user.id);
    return ok({ channel });
  }

  async function leaveChannel(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: string }>> {
    const parsed = parseChannelRef(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = userOf(socket);
    const name = parsed.value.channel;
    if (name === GENERAL_CHANNEL) return fail("forbidden", "Everyone is in general.");
    if (!(await store.getChannel(name))) return fail("unknown_channel", `There is no channel "${name}".`);
    if (user.kind !== "account") return needsAccount();
    await store.removeMember(name, user.id);
    return ok({ channel: name });
  }

  async function inviteMember(socket: TetherSocket, payload: unknown): Promise<Ack<{ member: Member }>> {
    const parsed = parseChannelUser(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = userOf(socket);
    if (user.kind !== "account") return needsAccount();
    const allowed = await access.check(user, parsed.value.channel);
    if (!allowed.ok) return { error: allowed.error };
    if (allowed.channel.visibility === "dm") return fail("forbidden", "Nobody can be invited to a direct conversation: open another one.");
    if (allowed.channel.visibility === "public") return fail("forbidden", "Public channels need no invitation: anyone can join.");
    const member = await users.findUserByUsername(parsed.value.username);
    if (!member) return fail("unknown_user", `No account has the username "${parsed.value.username}".`);
    await store.addMember(allowed.channel.name, member.id);
    return ok({ member });
  }

  async function removeMember(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: string; username: string }>> {
    const parsed = parseChannelUser(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = userOf(socket);
    if (user.kind !== "account") return needsAccount();
    const channel = await access.describe(parsed.value.channel);
    if (!channel) return fail("unknown_channel", `There is no channel "${parsed.value.channel}".`);
    if (channel.visibility === "dm") return fail("forbidden", "Nobody can be removed from a direct conversation; each participant may leave it.");
    if (channel.name === GENERAL_CHANNEL) return fail("forbidden", "Everyone is in general.");
    const mine = await store.getMembership(channel.name, user.id);
    // Readers of a private channel only: anyone else learns nothing more than "not allowed".
    if (channel.visibility === "private" && !mine?.current && !user.isAdmin) return fail("forbidden", "Only members can manage this channel.");
    if (!user.isAdmin && !(mine?.current && mine.role === "owner")) {
      return fail("forbidden", "Only the channel's creator and the workspace admin can remove members.");
    }
    const member = await users.findUserByUsername(parsed.value.username);
    if (!member) return fail("unknown_user", `No account has the username "${parsed.value.username}".`);
    const change = await store.removeMember(channel.name, member.id);
    if (change.offset === null) return fail("forbidden", `${parsed.value.username} is not a member of this channel.`);
    return ok({ channel: channel.name, username: parsed.value.username });
  }

  async function listMembers(socket: TetherSocket, payload: unknown): Promise<Ack<{ members: Member[] }>> {
    const parsed = parseChannelRef(payload);
    if (!parsed.ok) return { error: parsed.error };
    const allowed = await access.check(userOf(socket), parsed.value.channel);
    if (!allowed.ok) return { error: allowed.error };
    if (allowed.channel.name === GENERAL_CHANNEL) return ok({ members: await users.listUsers() });
    const members = await store.listMembers(allowed.channel.name);
    const accounts = await users.getUsers(members.map((member) => member.userId));
    return ok({
      members: members.flatMap((member) => {
        const account = accounts.get(member.userId);
        return account ? [{ ...account, role: member.role }] : [];
      }),
    });
  }

  async function openDm(socket: TetherSocket, payload: unknown): Promise<Ack<{ channel: Channel }>> {
    const parsed = parseDmOpen(payload);
    if (!parsed.ok) return { error: parsed.error };
    const user = userOf(socket);
    if (user.kind !== "account") return needsAccount();
    const others: Member[] = [];
    for (const username of parsed.value.usernames) {
      const found = await users.findUserByUsername(username);
      if (!found) return fail("unknown_user", `No account has the username "${username}".`);
      if (found.id !== user.id) others.push(found);
    }
    if (others.length === 0) return fail("invalid_payload", "A direct conversation needs someone else in it.");
    if (others.length + 1 > MAX_DM_PARTICIPANTS) return fail("invalid_payload", `A direct conversation has at most ${MAX_DM_PARTICIPANTS} people.`);
    const name = dmName([user.id, ...others.map((other) => other.id)]);
    const { created } = await store.createChannel(name, user.id, { visibility: "dm", members: others.map((other) => other.id) });
    // Opening a DM one has left brings one back into it.
    if (!created) await store.addMember(name, user.id);
    const channel = await access.describe(name);
    if (!channel) throw new Error(`the DM ${name} was created but cannot be found`);
    return ok({ channel });
  }

  return { listChannels, createChannel, joinChannel, leaveChannel, inviteMember, removeMember, listMembers, openDm };
}
