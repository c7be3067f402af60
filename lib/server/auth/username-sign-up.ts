/**
 * Sign-up with a username and a password only, on better-auth's /sign-up/email: this plugin's hook runs before
 * the username plugin's and better-auth's own checks, answers bad input with a message a person can act on, and
 * fills in what Tether does not ask for — the display name starts as the username, and the email better-auth
 * requires is synthesised from the username under the reserved `.invalid` domain (so it is unique exactly when
 * the username is, and can never reach anyone).
 */
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from "../../shared/identity";

const SIGN_UP_PATH = "/sign-up/email";
const SYNTHETIC_EMAIL_DOMAIN = "users.tether.invalid";

export function syntheticEmail(username: string): string {
  return `${username}@${SYNTHETIC_EMAIL_DOMAIN}`;
}

export function usernameSignUp() {
  return {
    id: "tether-username-sign-up",
    hooks: {
      before: [
        {
          matcher: (ctx: { path?: string }) => ctx.path === SIGN_UP_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const body = ctx.body as Record<string, unknown> | undefined;
            if (typeof body !== "object" || body === null) {
              throw new APIError("BAD_REQUEST", { message: "Expected { username, password }.", code: "INVALID_BODY" });
            }
            const username = typeof body.username === "string" ? body.username.trim().toLowerCase() : "";
            if (!USERNAME_PATTERN.test(username)) {
              throw new APIError("BAD_REQUEST", {
                message: "A username is 3-32 characters: lowercase letters, digits, _ and -.",
                code: "INVALID_USERNAME",
              });
            }
            const password = typeof body.password === "string" ? body.password : "";
            if (password.length < MIN_PASSWORD_LENGTH) {
              throw new APIError("BAD_REQUEST", { message: `A password is at least ${MIN_PASSWORD_LENGTH} characters.`, code: "PASSWORD_TOO_SHORT" });
            }
            if (password.length > MAX_PASSWORD_LENGTH) {
              throw new APIError("BAD_REQUEST", { message: `A password is at most ${MAX_PASSWORD_LENGTH} characters.`, code: "PASSWORD_TOO_LONG" });
            }
            // Only these reach better-auth: nothing else a client sends (an image, a role, a callback) is taken. The
            // body is changed in place, as the hooks after this one and the endpoint read this same object.
            for (const key of Object.keys(body)) delete body[key];
            Object.assign(body, { username, password, name: username, email: syntheticEmail(username) });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
