/**
 * The accounts HTTP API (/api/auth) as a browser uses it, for tests: real requests to a real server, the session
 * cookie kept as the browser would keep it. `address` is sent as X-Forwarded-For (honoured when the server runs
 * with trustProxy), to stand for different client addresses.
 */
import type { AccessTokenSummary, SessionSummary } from "../../lib/shared/account-dto";

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T & { message?: string; code?: string };
  /** `name=value` of the session cookie the answer set, if any. */
  cookie: string | null;
}

export interface RequestOptions {
  cookie?: string;
  address?: string;
}

async function request<T>(
  baseUrl: string,
  method: "GET" | "POST",
  path: string,
  body: unknown,
  options: RequestOptions = {},
): Promise<HttpAnswer<T>> {
  const response = await fetch(`${baseUrl}/api/auth${path}`, {
    method,
    headers: {
      // What a browser sends: the page's own origin (better-auth checks it on requests that carry a cookie).
      origin: baseUrl,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.address ? { "x-forwarded-for": options.address } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith("tether.session_token="));
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as HttpAnswer<T>["body"],
    cookie: session ? session.split(";")[0]! : null,
  };
}

export function accountsHttp(baseUrl: string) {
  return {
    signUp: (username: string, password: string, options?: RequestOptions) =>
      request(baseUrl, "POST", "/sign-up/email", { username, password }, options),
    signIn: (username: string, password: string, options?: RequestOptions) =>
      request(baseUrl, "POST", "/sign-in/username", { username, password }, options),
    signOut: (cookie: string) => request(baseUrl, "POST", "/sign-out", {}, { cookie }),
    sessions: (cookie: string) => request<{ sessions: SessionSummary[] }>(baseUrl, "GET", "/account/sessions", undefined, { cookie }),
    signOutEverywhere: (cookie: string) => request(baseUrl, "POST", "/account/sign-out-everywhere", {}, { cookie }),
    tokens: (cookie: string) => request<{ tokens: AccessTokenSummary[] }>(baseUrl, "GET", "/access-tokens", undefined, { cookie }),
    createToken: (cookie: string, name: string) =>
      request<{ token: string; accessToken: AccessTokenSummary }>(baseUrl, "POST", "/access-tokens/create", { name }, { cookie }),
    revokeToken: (cookie: string, id: string) => request(baseUrl, "POST", "/access-tokens/revoke", { id }, { cookie }),
    /** Signs up and returns the session cookie. */
    async account(username: string, password = `${username}-password`): Promise<string> {
      const answer = await request(baseUrl, "POST", "/sign-up/email", { username, password });
      if (answer.status !== 200 || !answer.cookie) throw new Error(`sign-up of ${username} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.cookie;
    },
  };
}
