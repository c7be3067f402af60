/**
 * Socket.IO's connection state recovery on one instance, reduced to what Tether needs from it: a client that comes
 * back within the recovery window gets its session (socket id, `socket.recovered`) back; its messages never come
 * from here. The delivery core catches every connection up from the offset the client presents, recovered or
 * not — from memory after a short blip — so nothing here can deliver a stale, duplicate or forbidden packet.
 *
 * Built on `Adapter`'s public extension points (the methods custom adapters override: `broadcast`,
 * `persistSession`, `restoreSession`), not on the in-memory session-aware adapter, which buffers every packet for
 * the whole window only for Tether to ignore them. What it does:
 * - `broadcast` appends a session offset to each storable packet, as Socket.IO's adapters do: a client attempts a
 *   recovery only once it has received one. The offset it presents back is not needed (nothing is replayed from it).
 * - `persistSession` keeps a disconnected session for the window; `restoreSession` hands it out once, then forgets
 *   it. Restoring the same session twice would give two live connections one socket id, and Socket.IO keys its
 *   rooms and socket table by id: the first to close would silently unsubscribe the other.
 * - A restored session brings back no rooms and no packets; the core decides what the connection receives.
 */
import { Adapter, type BroadcastOptions, type Session } from "socket.io-adapter";
import { PacketType } from "socket.io-parser";

type SessionToPersist = Parameters<Adapter["persistSession"]>[0];

export interface RecoveryAdapterOptions {
  /** How long a disconnected session stays restorable. */
  windowMs: number;
  /** Called for every recovery attempt, with its outcome. */
  onAttempt?(result: "succeeded" | "missed"): void;
  now?: () => number;
}

export function createRecoveryAdapter(options: RecoveryAdapterOptions): typeof Adapter {
  const now = options.now ?? Date.now;
  return class RecoveryAdapter extends Adapter {
    private readonly saved = new Map<string, { session: SessionToPersist; savedAt: number }>();
    private sequence = 0;

    override broadcast(packet: { type: PacketType; id?: number; data: unknown[] }, opts: BroadcastOptions): void {
      // Packets with an ack are never restorable (the ack cannot be), volatile ones may be dropped anyway.
      if (packet.type === PacketType.EVENT && packet.id === undefined && !opts.flags?.volatile) {
        packet.data.push(`t${++this.sequence}`);
      }
      super.broadcast(packet, opts);
    }

    override persistSession(session: SessionToPersist): void {
      this.forgetExpired();
      // Deleted first so that the map's order stays the order of saving (see forgetExpired).
      this.saved.delete(session.pid);
      this.saved.set(session.pid, { session, savedAt: now() });
    }

    override restoreSession(pid: string, _offset: string): Promise<Session> {
      this.forgetExpired();
      const saved = this.saved.get(pid);
      this.saved.delete(pid);
      options.onAttempt?.(saved ? "succeeded" : "missed");
      // The in-memory base class answers null for "nothing to restore", which Socket.IO accepts.
      if (!saved) return null as unknown as Promise<Session>;
      return Promise.resolve({ ...saved.session, rooms: [], missedPackets: [] });
    }

    private forgetExpired(): void {
      const threshold = now() - options.windowMs;
      for (const [pid, { savedAt }] of this.saved) {
        if (savedAt >= threshold) break; // insertion order is save order
        this.saved.delete(pid);
      }
    }
  };
}
