"use client";

import { useEffect } from "react";
import { startChatClient } from "../lib/client/chat-client";
import { ChannelSidebar } from "./channel-sidebar";
import { Composer } from "./composer";
import { ConnectionStatus } from "./connection-status";
import { DisplayNameField } from "./display-name-field";
import { MessageList } from "./message-list";

export function ChatApp() {
  // Starts once per mount; the socket is a per-tab singleton, so a Strict Mode remount only re-binds listeners.
  useEffect(() => startChatClient(), []);

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-title">Tether</h1>
        <ConnectionStatus />
        <DisplayNameField />
      </header>
      <ChannelSidebar />
      <main className="conversation">
        <MessageList />
        <Composer />
      </main>
    </div>
  );
}
