"use client";

import { toggleConnection } from "../lib/client/chat-client";
import { useTetherStore, type TetherState } from "../lib/client/store";

function plural(n: number, word: string): string {
  if (n === 0) return `no ${word}s`;
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describe(s: Pick<TetherState, "phase" | "attempt" | "browserOnline" | "ready" | "lastSession">): {
  label: string;
  detail: string;
  tone: string;
} {
  if (s.phase === "disconnected") return { label: "Offline", detail: "you disconnected; press Connect to resume", tone: "offline" };
  if (!s.browserOnline) return { label: "Offline", detail: "no network; messages will be sent when it returns", tone: "offline" };
  if (s.phase === "reconnecting")
    return { label: s.attempt > 0 ? `Reconnecting (attempt ${s.attempt})` : "Reconnecting", detail: "", tone: "reconnecting" };
  if (s.phase === "connecting") return { label: "Connecting…", detail: "", tone: "reconnecting" };
  if (!s.ready) return { label: "Connected", detail: "catching up…", tone: "connected" };
  const session = s.lastSession;
  if (!session?.afterDrop) return { label: "Connected", detail: "", tone: "connected" };
  const how = session.recovered ? "session recovered" : "caught up";
  return { label: "Connected", detail: `${how}, ${plural(session.arrived, "new message")}`, tone: "connected" };
}

export function ConnectionStatus() {
  const phase = useTetherStore((s) => s.phase);
  const attempt = useTetherStore((s) => s.attempt);
  const browserOnline = useTetherStore((s) => s.browserOnline);
  const ready = useTetherStore((s) => s.ready);
  const lastSession = useTetherStore((s) => s.lastSession);
  const waiting = useTetherStore((s) => s.outbox.filter((e) => e.status === "pending" && e.kind === "send").length);
  const changesWaiting = useTetherStore((s) => s.outbox.filter((e) => e.status === "pending" && e.kind !== "send").length);
  const { label, detail, tone } = describe({ phase, attempt, browserOnline, ready, lastSession });

  return (
    <div className="connection">
      <div role="status" aria-label="Connection" className={`connection-status tone-${tone}`}>
        <span className="connection-dot" aria-hidden="true" />
        <span className="connection-label">{label}</span>
        {detail && <span className="connection-detail"> · {detail}</span>}
        {waiting > 0 && <span className="connection-detail"> · {plural(waiting, "message")} waiting to send</span>}
        {changesWaiting > 0 && <span className="connection-detail"> · {plural(changesWaiting, "change")} waiting to be saved</span>}
      </div>
      <button type="button" className="button-secondary" onClick={toggleConnection}>
        {phase === "disconnected" ? "Connect" : "Disconnect"}
      </button>
    </div>
  );
}
