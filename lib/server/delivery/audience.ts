/**
 * Who receives what. The delivery core puts *live* connections in Socket.IO rooms that name an audience — every
 * live connection ("pub", for public channels), the members of one private channel or DM ("ch:<name>"), the
 * connections of one user ("u:<id>") — and delivers each entry of the log to its audience's room. A connection
 * still catching up is in none of them, so nothing live can overtake its replay.
 *
 * Rooms are an index the core owns, not a place where decisions hide: only the core joins and leaves them, from
 * what the log says, in log order. This module keeps what it needs to know for that, as the log has told this
 * instance so far: each channel's visibility, and for each user with a connection here, the private channels and
 * DMs they are a member of (and since which offset).
 */
import type { ChannelVisibility } from "../../shared/dto";

/** Every live connection: entries of public channels. */
export const PUBLIC_ROOM = "pub";

/** The live connections of one user (their own notices: a channel joined or left). */
export function userRoom(userId: string): string {
  return `u:${userId}`;
}

/** The live connections of the members of one private channel or DM. */
export function channelRoom(channel: string): string {
  return `ch:${channel}`;
}

interface UserView {
  connections: number;
  /** Private channels and DMs → the offset the membership began at; null while loading. */
  channels: Map<string, number> | null;
  /** Changes that arrived while loading, applied on top of what was loaded, in order. */
  pending: Array<{ channel: string; joinedAt: number | null }>;
  loaded: Promise<void>;
}

export class Audiences {
  private readonly visibility = new Map<string, ChannelVisibility>();
  private readonly views = new Map<string, UserView>();

  /** A channel the log created (or one that existed when the core started). Visibility never changes. */
  channelCreated(name: string, visibility: ChannelVisibility): void {
    this.visibility.set(name, visibility);
  }

  visibilityOf(channel: string): ChannelVisibility | undefined {
    return this.visibility.get(channel);
  }

  /** The room an entry of this channel goes to. A channel not known (yet) is treated as private: nobody. */
  roomFor(channel: string): string {
    return this.visibility.get(channel) === "public" ? PUBLIC_ROOM : channelRoom(channel);
  }

  /**
   * Starts following a user's memberships (a connection of theirs arrived here); resolves once they are known.
   * `load` reads them from the store: changes the log delivers meanwhile are applied on top, in order, so the
   * view ends where the log is, whatever the read saw.
   */
  acquire(userId: string, load: () => Promise<Map<string, number>>): { loaded: Promise<void>; release: () => void } {
    let view = this.views.get(userId);
    if (view) view.connections++;
    else view = this.load(userId, load);
    const held = view;
    let released = false;
    return {
      loaded: held.loaded,
      release: () => {
        if (released) return;
        released = true;
        if (--held.connections === 0 && this.views.get(userId) === held) this.views.delete(userId);
      },
    };
  }

  private load(userId: string, load: () => Promise<Map<string, number>>): UserView {
    const view: UserView = { connections: 1, channels: null, pending: [], loaded: Promise.resolve() };
    this.views.set(userId, view);
    view.loaded = load().then(
      (channels) => {
        for (const change of view.pending) {
          if (change.joinedAt === null) channels.delete(change.channel);
          else channels.set(change.channel, change.joinedAt);
        }
        view.pending = [];
        view.channels = channels;
      },
      (error: unknown) => {
        // Not kept: the next connection of this user loads again.
        if (this.views.get(userId) === view) this.views.delete(userId);
        throw error;
      },
    );
    return view;
  }

  /** Applies a membership change of the log; returns whether this instance follows that user. */
  memberChanged(userId: string, channel: string, joinedAt: number | null): boolean {
    const view = this.views.get(userId);
    if (!view) return false;
    if (view.channels === null) view.pending.push({ channel, joinedAt });
    else if (joinedAt === null) view.channels.delete(channel);
    else view.channels.set(channel, joinedAt);
    return true;
  }

  /**
   * Whether a catch-up may replay an entry of the log at `offset` (a message, or a change to one) of this channel to
   * this user: a public channel, or a private channel or DM the user is a member of now and was at that offset —
   * as live delivery decided by room at the time.
   */
  mayReplay(userId: string, channel: string, offset: number): boolean {
    if (this.visibility.get(channel) === "public") return true;
    const joinedAt = this.views.get(userId)?.channels?.get(channel);
    return joinedAt !== undefined && joinedAt < offset;
  }

  /** Whether a user this instance follows may read a channel now: a public one, or one they are a member of. */
  mayRead(userId: string, channel: string): boolean {
    if (this.visibility.get(channel) === "public") return true;
    return this.views.get(userId)?.channels?.has(channel) === true;
  }

  /** The rooms a live connection of this user is in. */
  roomsOf(userId: string): string[] {
    const channels = this.views.get(userId)?.channels;
    return [PUBLIC_ROOM, userRoom(userId), ...[...(channels?.keys() ?? [])].map(channelRoom)];
  }
}
