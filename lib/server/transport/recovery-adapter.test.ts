/**
 * The recovery adapter's rules, on its own with a fake clock: a saved session is restorable once, within the
 * window; it comes back without rooms or packets; storable broadcasts carry an offset (which is what makes a
 * socket.io-client attempt a recovery at all). End to end it is covered by test/realtime/recovery.test.ts.
 */
import { describe, expect, it } from "vitest";
import { PacketType } from "socket.io-parser";
import { createRecoveryAdapter } from "./recovery-adapter";

function setUp() {
  let now = 1_000_000;
  const attempts: string[] = [];
  const RecoveryAdapter = createRecoveryAdapter({ windowMs: 60_000, onAttempt: (result) => attempts.push(result), now: () => now });
  // The namespace double holds only what Adapter's constructor and broadcast read.
  const nsp = { sockets: new Map(), server: { encoder: { encode: (packet: unknown) => [JSON.stringify(packet)] } } };
  const adapter = new RecoveryAdapter(nsp);
  const session = (pid: string) => ({ sid: `sid-${pid}`, pid, rooms: ["sid-" + pid, "pub"], data: { user: { id: "u", name: "U" } } });
  return { adapter, session, attempts, advance: (ms: number) => (now += ms) };
}

describe("the recovery adapter", () => {
  it("restores a saved session once, with its id and data but no rooms or packets", async () => {
    const { adapter, session, attempts } = setUp();
    adapter.persistSession(session("p1"));
    const restored = await adapter.restoreSession("p1", "t1");
    expect(restored).toEqual({ sid: "sid-p1", pid: "p1", rooms: [], missedPackets: [], data: { user: { id: "u", name: "U" } } });
    expect(await adapter.restoreSession("p1", "t1")).toBeNull();
    expect(attempts).toEqual(["succeeded", "missed"]);
  });

  it("forgets a session once the window has passed, and keeps a newer save of the same one", async () => {
    const { adapter, session, advance } = setUp();
    adapter.persistSession(session("old"));
    adapter.persistSession(session("kept"));
    advance(30_000);
    adapter.persistSession(session("kept")); // saved again: its window starts over
    advance(40_000);
    expect(await adapter.restoreSession("old", "t1")).toBeNull();
    expect(await adapter.restoreSession("kept", "t1")).not.toBeNull();
  });

  it("appends an offset to storable broadcasts only", () => {
    const { adapter } = setUp();
    const opts = { rooms: new Set<string>(), except: new Set<string>() };
    const plain = { type: PacketType.EVENT, data: ["message:new", { id: 1 }] };
    const withAck = { type: PacketType.EVENT, id: 7, data: ["session:ready", {}] };
    const volatile = { type: PacketType.EVENT, data: ["typing", {}] };
    adapter.broadcast(plain, opts);
    adapter.broadcast(withAck, opts);
    adapter.broadcast(volatile, { ...opts, flags: { volatile: true } });
    expect(plain.data).toHaveLength(3);
    expect(typeof plain.data[2]).toBe("string");
    expect(withAck.data).toHaveLength(2);
    expect(volatile.data).toHaveLength(2);
  });
});
