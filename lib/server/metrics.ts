/**
 * Prometheus metrics (prom-client), one registry per server so tests can run several servers in one process.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "tether_" });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    connections: new Gauge({ name: "tether_connections", help: "Connected sockets", registers: [registry] }),
    messagesStored: counter("tether_messages_stored_total", "Messages stored (first time a clientOffset was seen)"),
    duplicatesAbsorbed: counter("tether_duplicates_absorbed_total", "Sends of an already stored clientOffset, acknowledged again"),
    acks: counter("tether_acks_total", "Acknowledgements sent, by event and result code", ["event", "code"]),
    replays: counter("tether_replays_total", "Database catch-up replays started"),
    replayedMessages: counter("tether_replayed_messages_total", "Messages sent by database catch-up replays"),
    recoveries: counter("tether_recoveries_total", "Connections that asked for Socket.IO recovery, by result", ["result"]),
    rateLimited: counter("tether_rate_limited_total", "Sends refused by the rate limiter"),
    connectionsRefused: counter("tether_connections_refused_total", "Handshakes refused, by reason", ["reason"]),
    errors: counter("tether_errors_total", "Server-side errors, by kind", ["kind"]),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
