/**
 * The layering rules in eslint.config.mjs, proved to fire. Each case lints a small snippet with the project's real
 * config as if it sat at a path in the tree (nothing is written to disk) and expects the named rule to report it;
 * the allowed imports next to them show the rules are not blanket bans.
 */
import path from "node:path";
import { ESLint, type Linter } from "eslint";
import tseslint from "typescript-eslint";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

let eslint: ESLint;

beforeAll(() => {
  // The snippets are not files tsconfig.json knows, so type-aware parsing cannot cover them; the boundary rules
  // work on resolved paths and need no types, so only the type-aware rules are switched off here.
  eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config });
});

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  if (!result) throw new Error(`ESLint returned no result for ${file}`);
  const fatal = result.messages.find((message) => message.fatal);
  if (fatal) throw new Error(`${file} did not parse: ${fatal.message}`);
  return result.messages;
}

const RESTRICTED_PATH = "import/no-restricted-paths";
const NODE_BUILTIN = "import/no-nodejs-modules";
const RESTRICTED_IMPORT = "no-restricted-imports";

const violations: { boundary: string; file: string; code: string; rule: string }[] = [
  // components/ and lib/client/ never import lib/server/, db/ or server.ts.
  {
    boundary: "components → lib/server",
    file: "components/probe.tsx",
    code: `import { loadEnv } from "../lib/server/env";\nloadEnv();\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "components → db",
    file: "components/probe.tsx",
    code: `import { openSqliteMessageStore } from "../db/sqlite-message-store";\nexport const o = openSqliteMessageStore;\n`,
    rule: RESTRICTED_PATH,
  },
  { boundary: "components → server.ts", file: "components/probe.tsx", code: `import "../server";\n`, rule: RESTRICTED_PATH },
  {
    boundary: "components → lib/server through the @/ alias",
    file: "components/probe.tsx",
    code: `import { createLogger } from "@/lib/server/logger";\nexport const l = createLogger;\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/client → db, re-exported from a nested folder",
    file: "lib/client/store/probe.ts",
    code: `export * from "../../../db/sqlite-message-store";\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/client → lib/server by dynamic import()",
    file: "lib/client/probe.ts",
    code: `export const env = () => import("../server/env");\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/client → lib/server by require()",
    file: "lib/client/probe.ts",
    code: `// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const env: unknown = require("../server/env");\n`,
    rule: RESTRICTED_PATH,
  },
  // lib/server/ never imports lib/client/.
  {
    boundary: "lib/server → lib/client",
    file: "lib/server/realtime/probe.ts",
    code: `import { getSocket } from "../../client/socket";\nexport const s = getSocket;\n`,
    rule: RESTRICTED_PATH,
  },
  // lib/shared/ imports nothing of ours outside lib/shared/.
  {
    boundary: "lib/shared → lib/client (type-only)",
    file: "lib/shared/probe.ts",
    code: `import type { OutboxEntry } from "../client/outbox";\nexport type E = OutboxEntry;\n`,
    rule: RESTRICTED_PATH,
  },
  { boundary: "lib/shared → lib/server", file: "lib/shared/probe.ts", code: `export { loadEnv } from "../server/env";\n`, rule: RESTRICTED_PATH },
  {
    boundary: "lib/shared → db",
    file: "lib/shared/probe.ts",
    code: `import { openSqliteMessageStore } from "../../db/sqlite-message-store";\nexport const o = openSqliteMessageStore;\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/shared → components",
    file: "lib/shared/probe.ts",
    code: `export { Composer } from "../../components/composer";\n`,
    rule: RESTRICTED_PATH,
  },
  // lib/server depends on the storage interface, never on a store; the interface knows only lib/shared.
  {
    boundary: "lib/server → db",
    file: "lib/server/realtime/probe.ts",
    code: `import { openSqliteMessageStore } from "../../../db/sqlite-message-store";\nexport const o = openSqliteMessageStore;\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/storage → db",
    file: "lib/storage/probe.ts",
    code: `export { createGroupCommit } from "../../db/group-commit";\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/storage → lib/server",
    file: "lib/storage/probe.ts",
    code: `export { loadEnv } from "../server/env";\n`,
    rule: RESTRICTED_PATH,
  },
  {
    boundary: "lib/client → lib/storage",
    file: "lib/client/probe.ts",
    code: `import type { MessageStore } from "../storage/message-store";\nexport type S = MessageStore;\n`,
    rule: RESTRICTED_PATH,
  },
  // db/ never imports lib/server/.
  {
    boundary: "db → lib/server",
    file: "db/probe.ts",
    code: `import { createLogger } from "../lib/server/logger";\nexport const l = createLogger;\n`,
    rule: RESTRICTED_PATH,
  },
  // No Node built-ins where the code runs in the browser.
  { boundary: "components → node:fs", file: "components/probe.tsx", code: `import fs from "node:fs";\nexport const f = fs;\n`, rule: NODE_BUILTIN },
  {
    boundary: "lib/client → path (no node: prefix)",
    file: "lib/client/probe.ts",
    code: `import path from "path";\nexport const p = path;\n`,
    rule: NODE_BUILTIN,
  },
  {
    boundary: "lib/shared → node:crypto",
    file: "lib/shared/probe.ts",
    code: `import { randomUUID } from "node:crypto";\nexport const r = randomUUID;\n`,
    rule: NODE_BUILTIN,
  },
  // `server-only` throws in the modules server.ts loads outside Next's bundler.
  { boundary: "server-only in lib/server", file: "lib/server/probe.ts", code: `import "server-only";\n`, rule: RESTRICTED_IMPORT },
  { boundary: "server-only in db", file: "db/probe.ts", code: `import "server-only";\n`, rule: RESTRICTED_IMPORT },
  { boundary: "server-only in server.ts", file: "server.ts", code: `import "server-only";\n`, rule: RESTRICTED_IMPORT },
  // Specs take `test` from e2e/support/test.ts, which closes the browser contexts each test opens.
  {
    boundary: "a spec taking `test` from @playwright/test",
    file: "e2e/probe.spec.ts",
    code: `import { test } from "@playwright/test";\ntest("t", () => {});\n`,
    rule: RESTRICTED_IMPORT,
  },
];

const allowed: { direction: string; file: string; code: string }[] = [
  {
    direction: "components → lib/client and lib/shared",
    file: "components/probe.tsx",
    code: `import { useTetherStore } from "../lib/client/store";\nimport { GENERAL_CHANNEL } from "../lib/shared/limits";\nexport const p = [useTetherStore, GENERAL_CHANNEL];\n`,
  },
  {
    direction: "lib/client → lib/shared",
    file: "lib/client/probe.ts",
    code: `import { isAckError } from "../shared/ack";\nexport const a = isAckError;\n`,
  },
  {
    direction: "lib/shared → lib/shared and packages",
    file: "lib/shared/probe.ts",
    code: `import { z } from "zod";\nimport { GENERAL_CHANNEL } from "./limits";\nexport const p = [z, GENERAL_CHANNEL];\n`,
  },
  {
    direction: "lib/server → lib/storage, lib/shared and Node built-ins",
    file: "lib/server/probe.ts",
    code: `import fs from "node:fs";\nimport type { MessageStore } from "../storage/message-store";\nimport { GENERAL_CHANNEL } from "../shared/limits";\nexport type S = MessageStore;\nexport const p = [fs, GENERAL_CHANNEL];\n`,
  },
  {
    direction: "db → lib/storage",
    file: "db/probe.ts",
    code: `import type { MessageStore } from "../lib/storage/message-store";\nexport type S = MessageStore;\n`,
  },
  {
    direction: "db → lib/shared",
    file: "db/probe.ts",
    code: `import type { ChatMessage } from "../lib/shared/dto";\nexport type M = ChatMessage;\n`,
  },
  { direction: "server.ts → lib/server", file: "server.ts", code: `import { loadEnv } from "./lib/server/env";\nloadEnv();\n` },
  {
    direction: "a spec → e2e/support/test and Playwright's types",
    file: "e2e/probe.spec.ts",
    code: `import type { Page } from "@playwright/test";\nimport { test } from "./support/test";\ntest("t", ({ page }: { page: Page }) => page);\n`,
  },
];

describe("import boundaries", () => {
  it.each(violations)("reports $boundary", async ({ file, code, rule }) => {
    const messages = await lint(file, code);
    expect(messages.map((message) => message.ruleId)).toContain(rule);
  });

  it.each(allowed)("allows $direction", async ({ file, code }) => {
    const messages = await lint(file, code);
    expect(messages).toEqual([]);
  });
});
