"use client";

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useHydrated } from "../lib/client/use-hydrated";
import {
  createAccessToken,
  listAccessTokens,
  listSessions,
  revokeAccessToken,
  type AccessTokenSummary,
  type SessionSummary,
} from "../lib/client/account-api";
import { signOutAndLeave } from "../lib/client/chat-client";
import { MAX_TOKEN_NAME_LENGTH } from "../lib/shared/identity";
import type { PageIdentity } from "../lib/shared/page-identity";

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "never";
}

function Sessions({ identity }: { identity: PageIdentity }) {
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  useEffect(() => {
    void listSessions().then((result) => (result.ok ? setSessions(result.data.sessions) : setProblem(result.message)));
  }, []);

  async function everywhere() {
    setBusy(true);
    // This browser's session ends too.
    setProblem(await signOutAndLeave(identity, { everywhere: true }));
    setBusy(false);
  }

  return (
    <section className="settings-section" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p className="settings-hint">Every browser or device where you are signed in.</p>
      {sessions === null && !problem && <p>Loading…</p>}
      {sessions && (
        <ul className="settings-list" aria-label="Sessions">
          {sessions.map((session) => (
            <li key={session.id}>
              <strong>{session.current ? "This browser" : (session.userAgent ?? "Unknown browser")}</strong>
              <span className="settings-detail">
                {session.ipAddress ? `${session.ipAddress} · ` : ""}signed in {when(session.createdAt)} · last active {when(session.updatedAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p role="alert" className="account-error">
          {problem}
        </p>
      )}
      <button type="button" onClick={() => void everywhere()} disabled={busy || !hydrated}>
        Sign out everywhere
      </button>
    </section>
  );
}

function NewTokenForm({ onCreated, onCancel }: { onCreated: (token: string, summary: AccessTokenSummary) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await createAccessToken(name);
    setBusy(false);
    if (result.ok) onCreated(result.data.token, result.data.accessToken);
    else setProblem(result.message);
  }

  return (
    <form className="settings-form" onSubmit={(event) => void submit(event)}>
      <label className="account-field">
        <span>Token name</span>
        <input value={name} maxLength={MAX_TOKEN_NAME_LENGTH} required autoFocus onChange={(event) => setName(event.target.value)} />
      </label>
      {problem && (
        <p role="alert" className="account-error">
          {problem}
        </p>
      )}
      <div className="settings-actions">
        <button type="submit" disabled={busy}>
          Create token
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<AccessTokenSummary[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [fresh, setFresh] = useState<{ token: string; name: string } | null>(null);
  const hydrated = useHydrated();

  const refresh = useCallback(
    () => listAccessTokens().then((result) => (result.ok ? setTokens(result.data.tokens) : setProblem(result.message))),
    [],
  );
  useEffect(() => {
    void listAccessTokens().then((result) => (result.ok ? setTokens(result.data.tokens) : setProblem(result.message)));
  }, []);

  async function revoke(token: AccessTokenSummary) {
    const result = await revokeAccessToken(token.id);
    if (!result.ok) setProblem(result.message);
    await refresh();
  }

  return (
    <section className="settings-section" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Access tokens</h2>
      <p className="settings-hint">
        For scripts and bots: <code>{"io(url, { auth: { token } })"}</code> connects as you, with your rights. Revoking a token closes its connections
        at once.
      </p>
      {fresh && (
        <div className="token-reveal" role="status">
          <label className="account-field">
            <span>Your new token “{fresh.name}”</span>
            <input readOnly value={fresh.token} onFocus={(event) => event.target.select()} />
          </label>
          <p>Copy it now: it is shown only once.</p>
          <button type="button" className="button-secondary" onClick={() => setFresh(null)}>
            Done
          </button>
        </div>
      )}
      {tokens && tokens.length === 0 && <p>No tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <ul className="settings-list" aria-label="Access tokens">
          {tokens.map((token) => (
            <li key={token.id}>
              <strong>{token.name}</strong>
              <span className="settings-detail">
                <code>{token.prefix}…</code> · created {when(token.createdAt)} · last used {when(token.lastUsedAt)}
              </span>
              <button type="button" className="button-secondary" onClick={() => void revoke(token)}>
                Revoke {token.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p role="alert" className="account-error">
          {problem}
        </p>
      )}
      {creating ? (
        <NewTokenForm
          onCreated={(token, summary) => {
            setCreating(false);
            setFresh({ token, name: summary.name });
            void refresh();
          }}
          onCancel={() => setCreating(false)}
        />
      ) : (
        <button type="button" onClick={() => setCreating(true)} disabled={!hydrated}>
          New token
        </button>
      )}
    </section>
  );
}

/** /settings: the account's sessions and personal access tokens. */
export function SettingsPanel({ identity }: { identity: PageIdentity }) {
  return (
    <main className="settings-page">
      <header className="settings-header">
        <h1>Settings</h1>
        {identity.kind === "account" && <p>Signed in as {identity.username}</p>}
        {/* A full page load on purpose: the chat starts over for the identity the server renders it for. */}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
        <a href="/">Back to the chat</a>
      </header>
      <Sessions identity={identity} />
      <Tokens />
    </main>
  );
}
