import type { Metadata } from "next";
import { AccountForm } from "../../components/account-form";

export const metadata: Metadata = { title: "Sign in · Tether" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  return <AccountForm mode="sign-in" next={typeof next === "string" ? next : undefined} />;
}
