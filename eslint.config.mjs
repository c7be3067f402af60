// ESLint flat config. Three jobs: type-aware TypeScript rules everywhere, Next.js and React hooks rules where Next
// bundles for the browser, and the layering of the code base (STYLE.md) as rules that fail the build.
// `test/lint/import-boundaries.test.ts` proves that every boundary below reports a violation.
import path from "node:path";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import prettier from "eslint-config-prettier/flat";
import importPlugin from "eslint-plugin-import";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

const root = path.dirname(fileURLToPath(import.meta.url));

const TS_FILES = ["**/*.{ts,tsx,mts,cts}"];
const JS_FILES = ["**/*.{js,mjs,cjs}"];
const ALL_FILES = [...TS_FILES, ...JS_FILES];
/** What Next bundles for the browser (app/ also holds server components; Next's rules know the difference). */
const NEXT_FILES = ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "lib/client/**/*.{ts,tsx}"];

const nextEntry = (name) => {
  const entry = nextCoreWebVitals.find((config) => config.name === name);
  if (!entry) throw new Error(`eslint-config-next no longer has a config named ${name}`);
  return entry;
};
// Next's base entry carries the plugins (react, react-hooks, import, jsx-a11y, @next/next), its rules, and the import
// resolvers (node + TypeScript, by absolute path). Its own `files` is the whole tree; we narrow it to the UI.
const next = nextEntry("next");
const nextWebVitals = nextEntry("next/core-web-vitals");

/**
 * The layers (STYLE.md): components → lib/client → lib/shared; server.ts → lib/server → lib/storage (the storage
 * interface) ← db (the stores); everything may use lib/shared. Only composition roots (server.ts, tests, the bench)
 * pick a store from db/. Checked on resolved file paths, so `../../db/x`, `@/db/x`, `export … from`, `import()` and
 * `require()` are all caught.
 */
const LAYER_ZONES = [
  {
    target: ["./components", "./lib/client"],
    from: ["./lib/server", "./lib/storage", "./db", "./server.ts"],
    message: "Client code never imports server code (lib/server, db, server.ts): it would ship server-only modules to the browser.",
  },
  {
    target: "./lib/shared",
    from: ".",
    except: ["./lib/shared", "./node_modules"],
    message: "lib/shared is isomorphic and imports nothing of ours outside lib/shared (packages are fine).",
  },
  {
    target: "./db",
    from: "./lib/server",
    message: "db/ knows nothing of the realtime server: the stores implement lib/storage's interface.",
  },
  {
    target: "./lib/server",
    from: "./db",
    message: "lib/server depends on the storage interface (lib/storage), never on a store: the composition root picks one.",
  },
  {
    target: "./lib/storage",
    from: ".",
    except: ["./lib/storage", "./lib/shared", "./node_modules"],
    message: "lib/storage is the storage interface: it knows only lib/shared.",
  },
  {
    target: "./lib/server",
    from: "./lib/client",
    message: "lib/server and lib/client never import each other; share through lib/shared.",
  },
];

export default defineConfig([
  globalIgnores([
    ".next/**",
    "next-env.d.ts",
    "test-results/**",
    "playwright-report/**",
    "blob-report/**",
    ".e2e-data/**",
    "data/**",
    "bench/results/**",
  ]),

  // ESLint's recommended rules, then typescript-eslint's type-aware ones. `strictTypeChecked` was measured and not
  // taken: 410 more reports, nearly all no-non-null-assertion (the code asserts deliberately under
  // noUncheckedIndexedAccess), restrict-template-expressions on numbers, and no-confusing-void-expression (style).
  {
    files: ALL_FILES,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: {
          // Config files tsconfig.json does not include (its `include` is *.ts / *.tsx).
          allowDefaultProject: ["vitest.config.mts"],
        },
        tsconfigRootDir: root,
      },
    },
    rules: {
      // `_` names a binding that must exist but is not read (`for (const _ of text) count++`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      // Off on purpose: every report here was an `async` function with no `await` that implements a promise-returning
      // contract (the SQLite store behind the MessageStore interface, handlers, test predicates). `async` is what turns
      // its synchronous throws (SQLITE_BUSY, a closed database) into rejections its callers handle; removing it would
      // change behaviour.
      "@typescript-eslint/require-await": "off",
      // State machines and event kinds are unions: a switch that forgets a member is a bug the compiler can find.
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
    },
  },
  // The few plain JavaScript files are outside tsconfig (allowJs is off): no type information for them, and
  // TypeScript is not there to check their globals, so no-undef needs to know they run on Node.
  {
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // Tests: Vitest's and Playwright's asymmetric matchers (`expect.any(Number)`) are typed `any`, and every use of
    // one inside an expected object is reported as an unsafe assignment; they are the point of those assertions.
    files: ["test/**", "e2e/**", "**/*.test.ts", "**/*.spec.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    // A worker thread that must load without a TypeScript loader (see its header): CommonJS is its point.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },

  // Next.js (core web vitals) and React rules, including React's hooks rules, for the code Next bundles.
  {
    ...next,
    files: NEXT_FILES,
    // Next's entry sets its Babel parser; the typescript-eslint parser set above must stay in charge of .ts/.tsx.
    languageOptions: { globals: next.languageOptions.globals },
  },
  { ...nextWebVitals, files: NEXT_FILES },
  {
    files: NEXT_FILES,
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.flat.recommended.rules,
  },

  // The layering, as import boundaries.
  {
    files: ALL_FILES,
    plugins: { import: importPlugin },
    settings: next.settings,
    rules: {
      "import/no-restricted-paths": ["error", { basePath: root, zones: LAYER_ZONES }],
    },
  },
  {
    // Node built-ins (`node:fs`, `fs`, …) do not exist in the browser; lib/shared runs on both sides.
    // Their tests run in Node only and may read fixtures from disk.
    files: ["components/**", "lib/client/**", "lib/shared/**"],
    ignores: ["**/*.test.ts"],
    plugins: { import: importPlugin },
    rules: { "import/no-nodejs-modules": "error" },
  },
  {
    // `import "server-only"` throws in any module that server.ts loads outside Next's bundler (shared/NOTES.md),
    // which is all of lib/server and db. Those layers are kept from the client by the zones above instead.
    files: ["server.ts", "lib/server/**", "db/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "server-only",
              message: "server.ts loads this module outside Next's bundler, where `server-only` throws; the lint boundaries guard it.",
            },
          ],
        },
      ],
    },
  },
  {
    // Specs take `test` from e2e/support/test.ts, which closes the browser contexts each test opens (see there).
    files: ["e2e/**/*.spec.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@playwright/test",
              importNames: ["test"],
              message: "Import `test` from ./support/test: it closes the browser contexts a test opens.",
            },
          ],
        },
      ],
    },
  },

  // Last: turn off every stylistic rule that would fight Prettier.
  prettier,
]);
