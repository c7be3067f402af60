import type { Env } from "../env";
import type { RealtimeOptions } from "./create-realtime-server";

/** The realtime tunables taken from the validated environment. */
export function realtimeOptionsFromEnv(
  env: Env,
  components: Pick<RealtimeOptions, "store" | "signer" | "accounts" | "logger" | "metrics" | "clusterAdapter" | "sharedPresence">,
): RealtimeOptions {
  return {
    ...components,
    recoveryWindowMs: env.RECOVERY_WINDOW_MS,
    pingIntervalMs: env.SOCKET_PING_INTERVAL_MS,
    pingTimeoutMs: env.SOCKET_PING_TIMEOUT_MS,
    maxPacketBytes: env.MAX_PACKET_BYTES,
    maxMessageLength: env.MAX_MESSAGE_LENGTH,
    replayBatchSize: env.REPLAY_BATCH_SIZE,
    rateLimit: { burst: env.RATE_LIMIT_BURST, perSecond: env.RATE_LIMIT_PER_SECOND },
    searchRateLimit: { burst: env.SEARCH_RATE_LIMIT_BURST, perSecond: env.SEARCH_RATE_LIMIT_PER_SECOND },
    channelMentionRateLimit: { burst: env.CHANNEL_MENTION_RATE_LIMIT_BURST, perSecond: env.CHANNEL_MENTION_RATE_LIMIT_PER_SECOND },
    typingExpireMs: env.TYPING_EXPIRE_MS,
    presence: { heartbeatMs: env.PRESENCE_HEARTBEAT_MS, ttlMs: env.PRESENCE_TTL_MS },
    maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
    allowedOrigins: env.ALLOWED_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    guestAccess: env.GUEST_ACCESS,
  };
}
