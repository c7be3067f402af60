import type { Metadata } from "next";
import { AccountForm } from "../../components/account-form";

export const metadata: Metadata = { title: "Create an account · Tether" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  return <AccountForm mode="sign-up" next={typeof next === "string" ? next : undefined} />;
}
