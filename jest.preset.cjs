// Shared jest settings: TypeScript through SWC as native ESM (run with --experimental-vm-modules).
// The workspace's one timeout policy lives here: every test and hook gets TEST_TIMEOUT_MS, and the
// helpers that wait (receivers, polling) give up well before it, naming what they waited for.
// globalSetup (from @msr-webhooks/testing's build, which turbo makes before every test task) holds
// the test-run lease and builds the migrated template database once, outside every hook.
const path = require("node:path");

const TEST_TIMEOUT_MS = 120_000;
const testingDist = path.join(__dirname, "packages", "testing", "dist");

module.exports = {
  testEnvironment: "node",
  testTimeout: TEST_TIMEOUT_MS,
  globalSetup: path.join(testingDist, "global-setup.js"),
  globalTeardown: path.join(testingDist, "global-teardown.js"),
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "es6" } },
    ],
  },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testMatch: ["<rootDir>/src/**/*.test.ts", "<rootDir>/test/**/*.test.ts"],
};
