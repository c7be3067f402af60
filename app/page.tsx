import { ChatApp } from "../components/chat-app";
import { readPageIdentity } from "./page-identity";

export default async function HomePage() {
  return <ChatApp identity={await readPageIdentity()} />;
}
