"use client";

import { useEffect } from "react";
import { startChatClient } from "../lib/client/chat-client";
import type { PageIdentity } from "../lib/shared/page-identity";
import { AccountControls } from "./account-controls";
import { ChannelHeader } from "./channel-header";
import { ChannelSidebar } from "./channel-sidebar";
import { Composer } from "./composer";
import { ConnectionStatus } from "./connection-status";
import { DisplayNameField } from "./display-name-field";
import { MessageList } from "./message-list";
import { MessageSearch } from "./message-search";
import { UnsentElsewhere } from "./unsent-elsewhere";

export function ChatApp({ identity }: { identity: PageIdentity }) {
  // Starts once per mount; the socket is a per-tab singleton, so a Strict Mode remount only re-binds listeners.
  // The identity is fixed for the page's life: signing in or out loads the page again.
  useEffect(() => startChatClient(identity), [identity]);

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-title">Tether</h1>
        <ConnectionStatus />
        <DisplayNameField />
        <AccountControls identity={identity} />
      </header>
      <ChannelSidebar identity={identity} />
      <main className="conversation">
        <ChannelHeader identity={identity} />
        <MessageSearch />
        <MessageList />
        <UnsentElsewhere />
        <Composer />
      </main>
    </div>
  );
}
