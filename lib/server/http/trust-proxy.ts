/**
 * Which proxies in front of Tether may speak for the client (X-Forwarded-For, X-Forwarded-Proto): the
 * TRUST_PROXY setting, with the semantics of the proxy-addr package (Express's `trust proxy`). The hops of a
 * request are numbered from this server outwards: hop 0 is the socket's peer, hop 1 the rightmost
 * X-Forwarded-For entry (written by hop 0), and so on. The client is the nearest hop that is not trusted, so
 * entries a client writes itself, which sit further left, are never reached.
 */
import proxyaddr from "proxy-addr";

/** Whether the hop `hop` steps from this server, at `address`, is a proxy Tether trusts. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** `false` (the default): the socket's peer is the client; forwarding headers are ignored. */
export const trustNoProxy: ProxyTrust = () => false;

/**
 * `true`: every hop is trusted, so the client is the leftmost X-Forwarded-For entry — which the client itself
 * can write, unless the proxy replaces the header. Kept for compatibility; a hop count or addresses are safer.
 */
export const trustEveryProxy: ProxyTrust = () => true;

export const TRUST_PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"] as const;

export const TRUST_PROXY_FORMAT =
  "false, true, a hop count (e.g. 1), or a comma-separated list of addresses, CIDR ranges and the names loopback, linklocal, uniquelocal";

/**
 * TRUST_PROXY as a trust function: `false`, `true`, a whole number n (the n nearest hops are proxies; `0` is
 * `false`, and `1` is one proxy, such as a single nginx), or a list of addresses, CIDR ranges
 * (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`) and names. Throws with a message naming the bad part.
 */
export function parseTrustProxy(value: string): ProxyTrust {
  const setting = value.trim();
  if (setting === "false") return trustNoProxy;
  if (setting === "true") return trustEveryProxy;
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    if (!Number.isSafeInteger(hops)) throw new Error(`hop count ${setting} is too large`);
    return hops === 0 ? trustNoProxy : (_address, hop) => hop < hops;
  }
  const entries = setting.split(",").map((entry) => entry.trim());
  if (entries.some((entry) => entry === "")) throw new Error(`"${value}" has an empty entry; expected ${TRUST_PROXY_FORMAT}`);
  for (const entry of entries) {
    try {
      proxyaddr.compile(entry);
    } catch {
      throw new Error(`"${entry}" is not an IP address, a CIDR range or one of ${TRUST_PROXY_NAMES.join(", ")}; expected ${TRUST_PROXY_FORMAT}`);
    }
  }
  return proxyaddr.compile(entries);
}
