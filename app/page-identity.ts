import { headers } from "next/headers";
import { decodePageIdentity, PAGE_IDENTITY_HEADER, type PageIdentity } from "../lib/shared/page-identity";

/**
 * Whom this request's page is for, as the custom server decided (lib/server/auth/page-gate.ts). Without it (a
 * page served by some other server) the page is a guest's.
 */
export async function readPageIdentity(): Promise<PageIdentity> {
  return decodePageIdentity((await headers()).get(PAGE_IDENTITY_HEADER)) ?? { kind: "guest", id: "" };
}
