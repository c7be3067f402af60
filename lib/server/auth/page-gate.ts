/**
 * Page loads, before Next.js renders them: decides whom the page is for (an account by its session cookie, or
 * the browser's guest identity, issued here on the first visit) and hands that to the pages in a request header
 * only this server sets. A visitor without an account is sent to /sign-in from /settings, and from every page
 * but /sign-in and /sign-up when GUEST_ACCESS=false; a signed-in visitor of /sign-in or /sign-up goes on to the
 * chat.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { encodePageIdentity, PAGE_IDENTITY_HEADER, safeNextPath, type PageIdentity } from "../../shared/page-identity";
import type { ProxyTrust } from "../http/trust-proxy";
import { ensureSessionCookie, type SessionSigner } from "../identity/session-cookie";
import type { Accounts } from "./create-accounts";

export const SIGN_IN_PATH = "/sign-in";
export const SIGN_UP_PATH = "/sign-up";
const ACCOUNT_FORMS = new Set([SIGN_IN_PATH, SIGN_UP_PATH]);
const ACCOUNT_ONLY = new Set(["/settings"]);
/** Next's assets and files with an extension (the icon, robots.txt) need no identity and are never gated. */
const ASSET = /^\/_next\/|\.[A-Za-z0-9]+$/;

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" }).end();
}

export function createPageGate({
  accounts,
  signer,
  guestAccess,
  trustProxy,
}: {
  accounts: Accounts;
  signer: SessionSigner;
  guestAccess: boolean;
  trustProxy: ProxyTrust;
}) {
  /** Returns true when it answered the request itself (a redirect); otherwise the page renders. */
  return async function gatePage(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://page.invalid");
    delete req.headers[PAGE_IDENTITY_HEADER];
    if (ASSET.test(url.pathname)) return false;

    const account = await accounts.identifySession(req.headers);
    if (account && ACCOUNT_FORMS.has(url.pathname)) {
      redirect(res, safeNextPath(url.searchParams.get("next")));
      return true;
    }
    if (!account && !ACCOUNT_FORMS.has(url.pathname) && (!guestAccess || ACCOUNT_ONLY.has(url.pathname))) {
      const back = url.pathname === "/" ? "" : `?next=${encodeURIComponent(url.pathname + url.search)}`;
      redirect(res, `${SIGN_IN_PATH}${back}`);
      return true;
    }
    const identity: PageIdentity = account
      ? { kind: "account", id: account.id, username: account.username, name: account.name, isAdmin: account.isAdmin }
      : { kind: "guest", id: ensureSessionCookie(signer, req, res, trustProxy) };
    req.headers[PAGE_IDENTITY_HEADER] = encodePageIdentity(identity);
    return false;
  };
}
