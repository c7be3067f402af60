import type { Env } from "../env";
import type { AccountsOptions } from "./create-accounts";

/** Sessions last this long without use; each day of use extends them. */
const SESSION_DAYS = 30;

/** The accounts tunables taken from the validated environment. */
export function accountsOptionsFromEnv(env: Env, components: Pick<AccountsOptions, "database" | "secret" | "logger">): AccountsOptions {
  return {
    ...components,
    trustProxy: env.TRUST_PROXY,
    allowedOrigins: env.ALLOWED_ORIGINS,
    sessionDays: SESSION_DAYS,
    signInLimit: {
      perUsername: env.SIGN_IN_MAX_FAILURES_PER_USERNAME,
      perAddress: env.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      windowMs: env.SIGN_IN_FAILURE_WINDOW_MS,
    },
  };
}
