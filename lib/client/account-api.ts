/**
 * The browser's side of the accounts HTTP API (better-auth, served at /api/auth by the custom server). Each call
 * resolves with the data or with a message a person can read; none throws.
 */
import type { AccessTokenSummary, SessionSummary } from "../shared/account-dto";

export type { AccessTokenSummary, SessionSummary };

export type ApiResult<T> = { ok: true; data: T } | { ok: false; message: string };

const BASE = "/api/auth";

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? undefined : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, message: "The server could not be reached. Check your connection and try again." };
  }
  const payload = (await response.json().catch(() => null)) as (T & { message?: unknown }) | null;
  if (response.ok) return { ok: true, data: payload as T };
  const message = typeof payload?.message === "string" && payload.message ? payload.message : `The server refused (${response.status}).`;
  return { ok: false, message };
}

export const signUp = (username: string, password: string) => call<unknown>("POST", "/sign-up/email", { username, password });
export const signIn = (username: string, password: string) => call<unknown>("POST", "/sign-in/username", { username, password });
export const signOut = () => call<unknown>("POST", "/sign-out", {});
export const listSessions = () => call<{ sessions: SessionSummary[] }>("GET", "/account/sessions");
export const signOutEverywhere = () => call<unknown>("POST", "/account/sign-out-everywhere", {});
export const listAccessTokens = () => call<{ tokens: AccessTokenSummary[] }>("GET", "/access-tokens");
export const createAccessToken = (name: string) =>
  call<{ token: string; accessToken: AccessTokenSummary }>("POST", "/access-tokens/create", { name });
export const revokeAccessToken = (id: string) => call<unknown>("POST", "/access-tokens/revoke", { id });
