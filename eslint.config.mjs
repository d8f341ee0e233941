// One ESLint configuration for the whole workspace: typescript-eslint strict rules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/generated/**", "**/node_modules/**", "**/coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  { files: ["**/*.test.ts", "**/test/**"], rules: { "@typescript-eslint/no-non-null-assertion": "off" } },
  // The house's boundaries (docs/architecture.md): an app never imports another app, by package
  // name or by a relative path into its src/dist/test; a package never imports an app.
  ...["api", "worker", "web"].map((app) => {
    const others = ["api", "worker", "web"].filter((a) => a !== app).join("|");
    return {
      files: [`apps/${app}/**/*.{ts,tsx,mts}`],
      rules: {
        "no-restricted-imports": ["error", { patterns: [{
          regex: `^(@msr-webhooks/(${others})(/|$)|(\\.\\./)+(apps/)?(${others})/(src|dist|test)(/|$))`,
          message: "An app never imports another app: move what both need into a package (docs/architecture.md).",
        }] }],
      },
    };
  }),
  {
    files: ["packages/**/*.{ts,tsx,mts}"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{
        regex: "^(@msr-webhooks/(api|worker|web)(/|$)|(\\.\\./)+apps/)",
        message: "A package never imports an app: apps depend on packages, not the other way (docs/architecture.md).",
      }] }],
    },
  },
  // Only config loading reads the environment: each process's entry point hands process.env to its
  // config loader (which takes an env map, so tests pass a literal), and nothing else looks at it.
  {
    files: ["apps/*/src/**/*.{ts,tsx,mts}", "packages/*/src/**/*.{ts,tsx,mts}"],
    ignores: [
      "apps/api/src/index.ts", // loadConfig(process.env)
      "apps/api/src/cli/create-admin.ts", // loadConfig(process.env)
      "apps/worker/src/index.ts", // loadConfig(process.env)
      "apps/worker/src/threads/thread-main.ts", // loadConfig(process.env) in each delivery thread
      "packages/db/src/cli/prepare.ts", // the db:prepare CLI's DATABASE_URL
      "packages/db/src/migrate.ts", // hands the environment on to the prisma CLI child
      "packages/testing/src/**", // the test support's own settings (TEST_PG_ADMIN_URL, TEST_REDIS_URL)
    ],
    rules: {
      "no-restricted-properties": ["error", {
        object: "process",
        property: "env",
        message: "Only config loading reads process.env: take the value from the config (docs/architecture.md).",
      }],
    },
  },
);
