/**
 * Who a page is rendered for: decided by the custom server before Next.js sees the request (page-gate.ts) and
 * handed to the pages in a request header that only the server sets. The chat uses it before it connects: to
 * show the right header (username and "Sign out", or "Sign in") and to open the right identity's local state.
 */
import { z } from "zod";
import type { PublicUser } from "./identity";

export const PAGE_IDENTITY_HEADER = "x-tether-page-identity";

const pageIdentitySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("account"), id: z.string(), username: z.string(), name: z.string(), isAdmin: z.boolean() }),
  z.object({ kind: z.literal("guest"), id: z.string() }),
]);

export type PageIdentity = z.infer<typeof pageIdentitySchema>;

/** Header values are Latin-1: the JSON (display names may hold any character) is percent-encoded. */
export function encodePageIdentity(identity: PageIdentity): string {
  return encodeURIComponent(JSON.stringify(identity));
}

export function decodePageIdentity(value: string | null | undefined): PageIdentity | null {
  if (!value) return null;
  try {
    const parsed = pageIdentitySchema.safeParse(JSON.parse(decodeURIComponent(value)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not ours: treated as no identity at all
  }
}

/** Where to go after signing in: a path on this site only (`?next=` comes from the address bar), never elsewhere. */
export function safeNextPath(value: string | null | undefined): string {
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}

/**
 * Whether a connection's user may use the local state of a page rendered for `page`: the same account, or any
 * guest on a guest's page (a browser's guests share one entry; one without cookies is a new guest each time).
 */
export function isSameIdentity(page: PageIdentity, user: PublicUser): boolean {
  return page.kind === "account" ? user.username !== null && user.id === page.id : user.username === null;
}
