"use client";

import { useState, type FormEvent } from "react";
import { signIn, signUp } from "../lib/client/account-api";
import { useHydrated } from "../lib/client/use-hydrated";
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH } from "../lib/shared/identity";
import { safeNextPath } from "../lib/shared/page-identity";

/** The /sign-in and /sign-up pages: a username and a password; the chat opens after either succeeds. */
export function AccountForm({ mode, next }: { mode: "sign-in" | "sign-up"; next?: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const signingUp = mode === "sign-up";
  const query = next ? `?next=${encodeURIComponent(next)}` : "";

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = signingUp ? await signUp(username, password) : await signIn(username, password);
    if (!result.ok) {
      setError(result.message);
      setBusy(false);
      return;
    }
    // A full page load: the chat starts over as the account, with that account's local state.
    window.location.assign(safeNextPath(next));
  }

  return (
    <main className="account-page">
      <form className="account-form" method="post" onSubmit={(event) => void submit(event)} aria-labelledby="account-form-title">
        <h1 id="account-form-title">{signingUp ? "Create a Tether account" : "Sign in to Tether"}</h1>
        <label className="account-field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            maxLength={MAX_USERNAME_LENGTH}
            aria-describedby={signingUp ? "username-hint" : undefined}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        {signingUp && (
          <p id="username-hint" className="account-hint">
            3–32 characters: lowercase letters, digits, _ and -. Your display name starts as your username; change it any time.
          </p>
        )}
        <label className="account-field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete={signingUp ? "new-password" : "current-password"}
            required
            maxLength={MAX_PASSWORD_LENGTH}
            aria-describedby={signingUp ? "password-hint" : undefined}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {signingUp && (
          <p id="password-hint" className="account-hint">
            At least {MIN_PASSWORD_LENGTH} characters.
          </p>
        )}
        {error && (
          <p role="alert" className="account-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !hydrated}>
          {signingUp ? "Create account" : "Sign in"}
        </button>
        <p className="account-switch">
          {signingUp ? (
            <>
              Already have an account? <a href={`/sign-in${query}`}>Sign in instead</a>
            </>
          ) : (
            <>
              New here? <a href={`/sign-up${query}`}>Create an account</a>
            </>
          )}
        </p>
        <p className="account-switch">
          {/* A full page load on purpose: the chat starts over for the identity the server renders it for. */}
          {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
          <a href="/">Back to the chat</a>
        </p>
      </form>
    </main>
  );
}
