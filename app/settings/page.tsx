import type { Metadata } from "next";
import { SettingsPanel } from "../../components/settings-panel";
import { readPageIdentity } from "../page-identity";

export const metadata: Metadata = { title: "Settings · Tether" };

export default async function SettingsPage() {
  // The custom server sends visitors without an account to /sign-in before this renders.
  return <SettingsPanel identity={await readPageIdentity()} />;
}
