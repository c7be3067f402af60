/**
 * At most `maxPerAddress` concurrent Socket.IO connections per client address (0 = no limit), so one host
 * cannot exhaust the server's sockets and memory.
 */
export interface ConnectionLimiter {
  /** Whether one more connection from this address is allowed now. */
  allows(address: string): boolean;
  opened(address: string): void;
  closed(address: string): void;
}

export function createConnectionLimiter(maxPerAddress: number): ConnectionLimiter {
  const open = new Map<string, number>();
  return {
    allows: (address) => maxPerAddress === 0 || (open.get(address) ?? 0) < maxPerAddress,
    opened(address) {
      open.set(address, (open.get(address) ?? 0) + 1);
    },
    closed(address) {
      const count = (open.get(address) ?? 1) - 1;
      if (count <= 0) open.delete(address);
      else open.set(address, count);
    },
  };
}
