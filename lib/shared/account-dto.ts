/** What the accounts HTTP API (/api/auth, lib/server/auth) answers about sessions and tokens. Dates are ISO 8601. */

export interface SessionSummary {
  id: string;
  createdAt: string;
  /** When the session was last refreshed (better-auth refreshes it at most once a day). */
  updatedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ipAddress: string | null;
  /** The session of the browser asking. */
  current: boolean;
}

export interface AccessTokenSummary {
  id: string;
  name: string;
  /** The first characters of the token, e.g. `tether_pat_Ab12cd`. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}
