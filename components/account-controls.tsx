"use client";

import { useState } from "react";
import { signOutAndLeave } from "../lib/client/chat-client";
import { useHydrated } from "../lib/client/use-hydrated";
import type { PageIdentity } from "../lib/shared/page-identity";

/** The header's account corner: the username, Settings and "Sign out" when signed in; "Sign in" for a guest. */
export function AccountControls({ identity }: { identity: PageIdentity }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  if (identity.kind === "guest") {
    return (
      <nav className="account-controls" aria-label="Account">
        <a href="/sign-in">Sign in</a>
      </nav>
    );
  }

  async function leave() {
    setBusy(true);
    setProblem(await signOutAndLeave(identity));
    setBusy(false);
  }

  return (
    <nav className="account-controls" aria-label="Account">
      <span className="account-username">{identity.username}</span>
      <a href="/settings">Settings</a>
      <button type="button" className="button-secondary" onClick={() => void leave()} disabled={busy || !hydrated}>
        Sign out
      </button>
      {problem && (
        <span role="alert" className="account-error">
          {problem}
        </span>
      )}
    </nav>
  );
}
