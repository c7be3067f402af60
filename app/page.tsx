import { ChatApp } from "../components/chat-app";

export default function HomePage() {
  return <ChatApp />;
}
